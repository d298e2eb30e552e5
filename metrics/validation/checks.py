"""The row-level checks of export validation, built from the contract.

Every check is a boolean SQL condition (DuckDB) that is true on a bad row, and the same rule
as data (`rule`, `operand`) for an engine that builds its own expressions (Spark). `report.py`
counts all of them in one aggregate pass per table and fetches an example row only for those
that fail. Identifiers come only from `metrics.contract`; values (enum lists, patterns) are
bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from metrics.contract import Column, Table

# DuckDB types accepted for each logical contract type. Timestamps may carry any unit or a time
# zone (the value is compared in UTC). int64 also accepts the narrower integer types that widen
# to BIGINT without loss (signed and unsigned up to 32 bits); UBIGINT, HUGEINT, DECIMAL and
# floating point are refused because they may not fit or are not whole numbers. A date must be
# a DATE: a timestamp would hide which calendar day is meant.
ACCEPTED_TYPES: dict[str, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "bool": ("BOOLEAN",),
    "timestamp": (
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_NS",
        "TIMESTAMP_MS",
        "TIMESTAMP_S",
    ),
    "date": ("DATE",),
    "int64": ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"),
}

# Orderings the contract does not list as `ordered` but that are still impossible: a
# complainant cannot be informed of a decision before it is taken.
EXTRA_ORDERED: dict[str, tuple[tuple[str, str], ...]] = {
    "complaints": (("decided_at", "complainant_informed_at"),),
}

# Value rules that hold for a column name in every table that has it.
MARKET_PATTERN = "[A-Z]{2}"


# null: the column is null; present: it is not (rows that show a wrong type); enum: a value
# outside `params[0]`; pattern: not a full match of `params[0]`; blank: empty after trimming;
# before: the column is earlier than the column `operand`.
Rule = Literal["null", "present", "enum", "pattern", "blank", "before"]


@dataclass(frozen=True)
class Check:
    """One defect class on one column; `condition` is true on a bad row."""

    column: str
    condition: str
    params: tuple[object, ...]
    # Completes "<n> rows ...", e.g. "decided before received".
    problem: str
    # Columns shown in the example row after the table's key.
    shown: tuple[str, ...]
    rule: Rule
    operand: str | None = None


def present(name: str) -> Check:
    """Rows where the column holds a value: the examples of a column of the wrong type."""
    return Check(name, f"{quote(name)} IS NOT NULL", (), "with a value", (name,), "present")


def quote(name: str) -> str:
    """A contract identifier as SQL; names come from contract.py, never from user input."""
    return '"' + name.replace('"', '""') + '"'


def value_sql(name: str, duckdb_type: str) -> str:
    """The column's value in comparable form: time-zone-aware timestamps become UTC wall time."""
    if duckdb_type == "TIMESTAMP WITH TIME ZONE":
        return f"timezone('UTC', {quote(name)})"
    return quote(name)


def type_ok(column: Column, duckdb_type: str) -> bool:
    return duckdb_type in ACCEPTED_TYPES[column.type]


def expected_types(column: Column) -> str:
    return f"{column.type} ({', '.join(ACCEPTED_TYPES[column.type])})"


def _verb(column: str) -> str:
    """`decided_at` -> `decided`, `complainant_informed_at` -> `complainant informed`."""
    return column.removesuffix("_at").replace("_", " ")


def ordered_pairs(table: Table) -> tuple[tuple[str, str], ...]:
    return table.ordered + EXTRA_ORDERED.get(table.name, ())


def build_checks(table: Table, types: dict[str, str]) -> list[Check]:
    """Every row check that applies to the columns present with a usable type.

    `types` maps each present contract column to its DuckDB type. A column of the wrong type
    still gets its null check; value and ordering checks need the right type.
    """
    checks: list[Check] = []
    usable = {c.name for c in table.columns if c.name in types and type_ok(c, types[c.name])}
    for column in table.columns:
        name = column.name
        if name not in types:
            continue
        q = quote(name)
        if not column.nullable:
            checks.append(
                Check(
                    name, f"{q} IS NULL", (), "with null (column is not nullable)", (name,), "null"
                )
            )
        if name not in usable or column.type != "string":
            continue
        if column.enum is not None:
            checks.append(
                Check(
                    name,
                    f"{q} IS NOT NULL AND NOT list_contains(?, {q})",
                    (list(column.enum),),
                    f"with an unknown value (allowed: {', '.join(column.enum)})",
                    (name,),
                    "enum",
                )
            )
        if name == "market":
            checks.append(
                Check(
                    name,
                    f"NOT regexp_full_match({q}, ?)",
                    (MARKET_PATTERN,),
                    "with a value that is not a 2-letter upper-case code (ISO 3166-1 alpha-2)",
                    (name,),
                    "pattern",
                )
            )
        if name == "category_l1":
            checks.append(
                Check(name, f"trim({q}) = ''", (), "with an empty value", (name,), "blank")
            )
    for earlier, later in ordered_pairs(table):
        if earlier in usable and later in usable:
            a, b = value_sql(earlier, types[earlier]), value_sql(later, types[later])
            checks.append(
                Check(
                    later,
                    f"{b} < {a}",
                    (),
                    f"{_verb(later)} before {_verb(earlier)}",
                    (earlier, later),
                    "before",
                    earlier,
                )
            )
    return checks
