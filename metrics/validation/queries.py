"""The queries validation runs besides the one aggregate pass per table.

Example rows for failed checks, the exact duplicate-key count, and per-file probes that name
the unreadable file of a folder. They run only when something is wrong, so their cost does not
count against a clean run.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from metrics.contract import Table
from metrics.exports import ExportSource, relation
from metrics.validation.checks import quote, value_sql


def first_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query; reads the result to the end, which duckdb 2 requires
    before the connection runs anything else."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def example_row(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: Table,
    types: dict[str, str],
    condition: str,
    params: tuple[object, ...],
    shown: tuple[str, ...],
) -> str:
    """`col=value, ...` for the first row of `source` (a FROM clause) matching `condition`.

    The row's identifying columns (the key, or for traffic its date and dimensions) come
    first, then the columns the check is about.
    """
    names = example_columns(table, types, shown)
    select = ", ".join(f"CAST({value_sql(n, types[n])} AS VARCHAR)" for n in names)
    row = first_row(con, f"SELECT {select} FROM {source} WHERE {condition} LIMIT 1", list(params))
    if row is None:
        return ""
    return example_line(names, row)


def example_columns(table: Table, types: dict[str, str], shown: tuple[str, ...]) -> list[str]:
    """The columns an example row shows: the row's identifying columns (the key, or for
    traffic its date and dimensions), then the columns the check is about."""
    ident = [table.key] if table.key else [c.name for c in table.columns if c.type != "int64"]
    names = [n for n in dict.fromkeys([*ident, *shown]) if n in types]
    if len(names) < 2:
        # A row whose key is null needs other columns to be found again.
        names += [c.name for c in table.columns if c.name in types and c.name not in names][:3]
    return names


def example_line(names: list[str], values: tuple[Any, ...]) -> str:
    return ", ".join(f"{n}={show(v)}" for n, v in zip(names, values, strict=True))


def duplicate_keys(
    con: duckdb.DuckDBPyConnection, source: str, key: str
) -> tuple[int, str, int] | None:
    """(rows repeating a key, the most repeated key, its row count); None when the hash count
    only saw a hash collision."""
    q = quote(key)
    row = first_row(
        con,
        f"SELECT sum(n - 1), arg_max(k, n), max(n) FROM "
        f"(SELECT {q}::VARCHAR AS k, count(*) AS n FROM {source} WHERE {q} IS NOT NULL "
        f"GROUP BY {q} HAVING count(*) > 1)",
    )
    if row is None or not row[0]:
        return None
    return int(row[0]), str(row[1]), int(row[2])


def unreadable_files(
    con: duckdb.DuckDBPyConnection, source: ExportSource, exc: duckdb.Error
) -> list[tuple[str, str]]:
    """(file, reason) for each file of `source` that cannot be read.

    A folder's files are probed one by one so that the line names the bad file; when no single
    file fails (or the source is remote) the original error is returned for the whole source.
    """
    bad: list[tuple[str, str]] = []
    if len(source.files) > 1:
        for path in source.files:
            single = ExportSource(source.table, path, (path,), hive=False)
            try:
                rel = relation(con, single)
                # hash() over every column makes DuckDB decode each data page.
                columns = ", ".join(quote(c) for c in rel.columns)
                rel.aggregate(f"count_if(hash({columns}) IS NULL)").fetchall()
            except duckdb.Error as file_exc:
                bad.append((path, error_reason(file_exc)))
    if not bad:
        where = source.files[0] if len(source.files) == 1 else source.pattern
        bad.append((where, error_reason(exc)))
    return bad


def error_reason(exc: BaseException) -> str:
    """The first line of a DuckDB error without its class prefix ("IO Error: ")."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return re.sub(r"^[A-Z][A-Za-z ]* Error: ", "", text)


def show(value: object) -> str:
    """A value for a one-line message: quoted when blank or ambiguous, cut when long."""
    if value is None:
        return "NULL"
    text = str(value)
    if not text or text != text.strip() or any(ch in text for ch in ",;=\n"):
        text = repr(text)
    return text if len(text) <= 60 else text[:57] + "..."


def rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
