"""Finds the export files of each table and registers them as DuckDB views.

A table is either `<data>/<table>.parquet` or a folder `<data>/<table>/` of Parquet files
(possibly hive-partitioned, e.g. `date=2026-11-01/part-0.parquet`). `<data>` may be a local
folder or an object-storage prefix such as `s3://bucket/exports` (read through httpfs).
This is the one module that turns export locations into SQL relations.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass

import duckdb

from metrics.contract import TABLES, TABLES_BY_NAME


@dataclass(frozen=True)
class ExportSource:
    table: str
    # What read_parquet receives: one file, or a recursive glob over a folder.
    pattern: str
    files: tuple[str, ...]
    hive: bool


def is_remote(data: str) -> bool:
    return "://" in data


def locate(data: str, table: str) -> ExportSource | None:
    """The files of one table, or None when the export is absent."""
    if is_remote(data):
        base = data.rstrip("/")
        return ExportSource(table, f"{base}/{table}/**/*.parquet", (), hive=True)
    single = os.path.join(data, f"{table}.parquet")
    if os.path.isfile(single):
        return ExportSource(table, single, (single,), hive=False)
    folder = os.path.join(data, table)
    if os.path.isdir(folder):
        files = tuple(sorted(glob.glob(os.path.join(folder, "**", "*.parquet"), recursive=True)))
        hive = any("=" in os.path.relpath(f, folder).split(os.sep)[0] for f in files)
        return ExportSource(table, os.path.join(folder, "**", "*.parquet"), files, hive=hive)
    return None


def locate_all(data: str) -> dict[str, ExportSource]:
    """Every export present in `data`, by table name."""
    found = {}
    for table in TABLES:
        source = locate(data, table.name)
        if source is not None:
            found[table.name] = source
    return found


def relation(con: duckdb.DuckDBPyConnection, source: ExportSource) -> duckdb.DuckDBPyRelation:
    """The table's rows, with only the contract's columns when they are present."""
    if is_remote(source.pattern):
        con.execute("INSTALL httpfs")
        con.execute("LOAD httpfs")
    rel = con.read_parquet(source.pattern, hive_partitioning=source.hive, union_by_name=True)
    wanted = [c.name for c in TABLES_BY_NAME[source.table].columns if c.name in rel.columns]
    if not wanted:
        # select() needs at least one column; validation reports the missing ones.
        return rel
    return rel.select(*[duckdb.ColumnExpression(name) for name in wanted])


def register_views(con: duckdb.DuckDBPyConnection, data: str) -> set[str]:
    """Registers one view per present export under its table name; returns the names."""
    present = set()
    for name, source in locate_all(data).items():
        relation(con, source).create_view(name, replace=True)
        present.add(name)
    return present
