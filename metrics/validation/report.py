"""Validates a data folder of exports against the export contract (DESIGN.md, v1.1).

Every problem is reported, not just the first: one `Finding` per defect class and column, each a
single line naming the table, the column and an example row. Errors make the exports invalid;
warnings (orphan references, absent optional exports) do not.

Cost: one aggregate pass per table counts every check at once; an example row is fetched
(LIMIT 1) only for checks that failed. Duplicate keys are counted on 64-bit hashes of the key
and confirmed exactly on the strings only when the hashes collide, which keeps a 20M-row
listings export within a few seconds.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field

import duckdb

from metrics.catalogue import load_catalogue
from metrics.contract import TABLES, TABLES_BY_NAME, Table
from metrics.errors import InvalidExportError, UserError
from metrics.exports import ExportSource, is_remote, locate, relation
from metrics.validation.checks import build_checks, expected_types, quote, type_ok
from metrics.validation.queries import (
    duplicate_keys,
    example_row,
    first_row,
    rows,
    show,
    unreadable_files,
)

logger = logging.getLogger(__name__)

# Tables whose listing_id should exist in listings (orphans are warnings).
REFERENCING_TABLES = ("complaints", "appeals")


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    table: str
    column: str | None
    # The whole line as printed after the `error: ` / `warning: ` prefix.
    message: str

    @property
    def line(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    # Rows per table that could be read.
    row_counts: dict[str, int] = field(default_factory=dict)
    # Tables whose export exists, readable or not.
    tables_present: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_exports(data: str, con: duckdb.DuckDBPyConnection | None = None) -> ValidationReport:
    """Checks every export in `data` against the contract; never raises for bad data."""
    own = con is None
    if con is None:
        con = duckdb.connect()
        # DuckDB's progress bar would interleave with the one-line findings on stderr.
        con.execute("SET enable_progress_bar = false")
    report = ValidationReport()
    # Table name -> (temporary view name, DuckDB type of each contract column present).
    views: dict[str, tuple[str, dict[str, str]]] = {}
    registered: list[str] = []  # every temporary view, dropped whatever happens
    try:
        for table in TABLES:
            source = locate(data, table.name)
            if source is None:
                report.findings.append(_absent(data, table))
                continue
            report.tables_present.add(table.name)
            started = time.perf_counter()
            view = _check_table(con, source, table, report, registered)
            if view is not None:
                views[table.name] = view
            logger.debug("validated %s in %.2f s", table.name, time.perf_counter() - started)
        _check_orphans(con, views, report)
    finally:
        for view_name in registered:
            con.unregister(view_name)
        if own:
            con.close()
    return report


def require_valid(data: str, con: duckdb.DuckDBPyConnection | None = None) -> ValidationReport:
    """Validates and logs warnings; raises InvalidExportError with every error line if invalid."""
    report = validate_exports(data, con)
    for finding in report.warnings:
        logger.warning(finding.line)
    if not report.ok:
        raise InvalidExportError([f.message for f in report.errors])
    return report


def _absent(data: str, table: Table) -> Finding:
    where = f"no {table.name}.parquet or {table.name}/ in {data}"
    if not is_remote(data) and not os.path.isdir(data):
        where += " (no such folder)"
    if table.required:
        return Finding("error", table.name, None, f"{table.name}: required export missing: {where}")
    skipped = ", ".join(indicators_requiring(table.name)) or "no indicator needs it"
    message = f"{table.name}: optional export absent: {where}; skipping {skipped}"
    return Finding("warning", table.name, None, message)


def indicators_requiring(table: str) -> list[str]:
    """Ids of the catalogue's indicators that cannot be computed without `table`."""
    try:
        catalogue = load_catalogue()
    except UserError as exc:
        # A broken catalogue must not hide the data findings; the metric commands report it.
        logger.debug("catalogue not loaded: %s", exc)
        return ["the indicators that require it"]
    return [m.id for m in catalogue if table in m.requires]


def _check_table(
    con: duckdb.DuckDBPyConnection,
    source: ExportSource,
    table: Table,
    report: ValidationReport,
    registered: list[str],
) -> tuple[str, dict[str, str]] | None:
    """Adds the table's findings; returns its temporary view and column types when readable."""
    if not is_remote(source.pattern) and not source.files:
        report.findings.append(
            Finding("error", table.name, None, f"{table.name}: {source.pattern} matches no files")
        )
        return None
    try:
        rel = relation(con, source)
        names = {c.name for c in table.columns}
        types = {n: str(t) for n, t in zip(rel.columns, rel.dtypes, strict=True) if n in names}
    except duckdb.Error as exc:
        report.findings.extend(_unreadable(con, source, table, exc))
        return None

    # register() makes a temporary view: nothing lands in a caller's database file.
    view_name = f"_govkpi_validate_{table.name}_{uuid.uuid4().hex[:8]}"
    con.register(view_name, rel)
    registered.append(view_name)
    view = quote(view_name)
    checks = build_checks(table, types)
    key = table.key if table.key in types else None
    aggregates = ["count(*)"] + [f"count_if({c.condition})" for c in checks]
    if key is not None:
        # Counting distinct 64-bit hashes is much cheaper than distinct strings. Equal keys
        # share a hash, so this never misses a duplicate; duplicate_keys() then rules out a
        # mere collision. hash(NULL) is a value too: one is subtracted when nulls exist
        # (a CASE to drop it costs a third more time).
        q = quote(key)
        aggregates.append(
            f"count({q}) - count(DISTINCT hash({q})) + (count(*) > count({q}))::INTEGER"
        )
    try:
        counts = first_row(
            con,
            f"SELECT {', '.join(aggregates)} FROM {view}",
            [p for c in checks for p in c.params],
        )
    except duckdb.Error as exc:
        report.findings.extend(_unreadable(con, source, table, exc))
        return None
    assert counts is not None
    total = int(counts[0])
    report.row_counts[table.name] = total

    findings: list[Finding] = []
    for column in table.columns:
        actual = types.get(column.name)
        if actual is None and column.optional:
            continue  # a v1.1 column a v1 export may leave out
        if actual is None:
            problem = f"required column missing from {source.pattern}"
            findings.append(_error(table, column.name, problem))
        elif not type_ok(column, actual):
            problem = f"wrong type {actual}, expected {expected_types(column)}"
            not_null = f"{quote(column.name)} IS NOT NULL"
            example = example_row(con, view, table, types, not_null, (), (column.name,))
            findings.append(_error(table, column.name, problem, example))
    if total == 0:
        findings.append(
            Finding("error", table.name, None, f"{table.name}: {source.pattern} has no rows")
        )
        report.findings.extend(findings)
        return view_name, types

    for check, bad in zip(checks, counts[1 : 1 + len(checks)], strict=True):
        if bad:
            example = example_row(
                con, view, table, types, check.condition, check.params, check.shown
            )
            findings.append(_error(table, check.column, f"{rows(bad)} {check.problem}", example))
    if key is not None and counts[-1]:
        duplicate = duplicate_keys(con, view, key)
        if duplicate is not None:
            extra, value, times = duplicate
            problem = f"{rows(extra)} with a {key} already used by another row (must be unique)"
            example = f"{key}={show(value)} appears {times} times"
            findings.append(_error(table, key, problem, example))

    # Report in contract column order; the stable sort keeps each column's checks in order.
    order = {c.name: i for i, c in enumerate(table.columns)}
    findings.sort(key=lambda f: order.get(f.column or "", len(order)))
    report.findings.extend(findings)
    return view_name, types


def _error(table: Table, column: str, problem: str, example: str = "") -> Finding:
    message = f"{table.name}.{column}: {problem}"
    if example:
        message += f"; example row: {example}"
    return Finding("error", table.name, column, message)


def _unreadable(
    con: duckdb.DuckDBPyConnection, source: ExportSource, table: Table, exc: duckdb.Error
) -> list[Finding]:
    return [
        Finding("error", table.name, None, f"{table.name}: cannot read {path}: {reason}")
        for path, reason in unreadable_files(con, source, exc)
    ]


def _check_orphans(
    con: duckdb.DuckDBPyConnection,
    views: dict[str, tuple[str, dict[str, str]]],
    report: ValidationReport,
) -> None:
    """Warns about rows whose listing_id is not in listings (one join per referencing table)."""
    if "listings" not in views or views["listings"][1].get("listing_id") != "VARCHAR":
        return
    listings = quote(views["listings"][0])
    for name in REFERENCING_TABLES:
        if name not in views or views[name][1].get("listing_id") != "VARCHAR":
            continue
        view_name, types = views[name]
        # An explicit anti join is about twice as fast as NOT EXISTS on 20M listings.
        orphans = (
            f'{quote(view_name)} AS c ANTI JOIN {listings} AS l ON l."listing_id" = c."listing_id"'
        )
        found = 'c."listing_id" IS NOT NULL'
        count = (first_row(con, f"SELECT count(*) FROM {orphans} WHERE {found}") or (0,))[0]
        if not count:
            continue
        table = TABLES_BY_NAME[name]
        example = example_row(con, orphans, table, types, found, (), ("listing_id",))
        report.findings.append(
            Finding(
                "warning",
                name,
                "listing_id",
                f"{name}.listing_id: {rows(count)} with a listing_id not in listings; "
                f"example row: {example}",
            )
        )
