"""Finds the export files of each table and registers them as DuckDB views.

A table is either `<data>/<table>.parquet` or a folder `<data>/<table>/` of Parquet files
(possibly hive-partitioned, e.g. `date=2026-11-01/part-0.parquet`). `<data>` may be a local
folder or an object-storage prefix such as `s3://bucket/exports`: remote exports are listed
and read through fsspec (s3fs for s3://, installed with the `s3` extra), registered as a
DuckDB filesystem, with the usual AWS_* environment variables (AWS_ENDPOINT_URL for an
S3-compatible store). This is the one module that turns export locations into SQL relations.
"""

from __future__ import annotations

import glob
import hashlib
import os
from dataclasses import dataclass
from typing import Any

import duckdb

from metrics.contract import TABLES, TABLES_BY_NAME
from metrics.errors import UserError


@dataclass(frozen=True)
class ExportSource:
    table: str
    # What read_parquet receives: one file, or a recursive glob over a folder.
    pattern: str
    files: tuple[str, ...]
    hive: bool


def is_remote(data: str) -> bool:
    return "://" in data


def remote_filesystem(data: str) -> Any:
    """The fsspec filesystem of an object-storage location (one per protocol and process)."""
    protocol = data.split("://", 1)[0]
    if protocol not in _FILESYSTEMS:
        try:
            import fsspec
        except ImportError:  # pragma: no cover - fsspec comes with the s3 extra
            raise UserError(
                f"{data}: reading object storage needs `pip install 'govkpi[s3]'`"
            ) from None
        options: dict[str, Any] = {}
        endpoint = os.environ.get("AWS_ENDPOINT_URL")
        if protocol == "s3" and endpoint:
            options["client_kwargs"] = {"endpoint_url": endpoint}
        try:
            _FILESYSTEMS[protocol] = fsspec.filesystem(protocol, **options)
        except (ImportError, ValueError) as exc:
            raise UserError(f"{data}: cannot open {protocol}:// storage: {exc}") from None
    return _FILESYSTEMS[protocol]


_FILESYSTEMS: dict[str, Any] = {}


def _locate_remote(data: str, table: str) -> ExportSource | None:
    fs = remote_filesystem(data)
    protocol = data.split("://", 1)[0]
    base = data.rstrip("/")
    single = f"{base}/{table}.parquet"
    if fs.isfile(single):
        return ExportSource(table, single, (single,), hive=False)
    folder = f"{base}/{table}"
    if not fs.isdir(folder):
        return None
    files = tuple(sorted(f"{protocol}://{p}" for p in fs.glob(f"{folder}/**/*.parquet")))
    hive = any("=" in f.removeprefix(folder + "/").split("/")[0] for f in files)
    return ExportSource(table, f"{folder}/**/*.parquet", files, hive=hive)


def modified_at(path: str) -> float | None:
    """A file's modification time (epoch seconds), local or remote; None when unknown."""
    if not is_remote(path):
        return os.path.getmtime(path)
    info = remote_filesystem(path).info(path)
    stamp = info.get("LastModified") or info.get("mtime")
    return stamp.timestamp() if hasattr(stamp, "timestamp") else None


def locate(data: str, table: str) -> ExportSource | None:
    """The files of one table, or None when the export is absent."""
    if is_remote(data):
        return _locate_remote(data, table)
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
    target: str | list[str] = source.pattern
    if is_remote(source.pattern):
        fs = remote_filesystem(source.pattern)
        protocols = {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)
        if not protocols & _registered(con):
            con.register_filesystem(fs)
        # The listed files, not a glob: fsspec listing already happened in locate().
        target = list(source.files) or source.pattern
    rel = con.read_parquet(target, hive_partitioning=source.hive, union_by_name=True)
    wanted = [c.name for c in TABLES_BY_NAME[source.table].columns if c.name in rel.columns]
    if not wanted:
        # select() needs at least one column; validation reports the missing ones.
        return rel
    return rel.select(*[duckdb.ColumnExpression(name) for name in wanted])


def _registered(con: duckdb.DuckDBPyConnection) -> set[str]:
    names: set[str] = set()
    for name in con.list_filesystems():
        names.update(name.split(", "))
    return names


def register_views(con: duckdb.DuckDBPyConnection, data: str) -> set[str]:
    """Registers one view per present export under its table name; returns the names."""
    present = set()
    for name, source in locate_all(data).items():
        relation(con, source).create_view(name, replace=True)
        present.add(name)
    return present


def exports_fingerprint(data: str) -> str:
    """Changes when any export file changes (path, size, modification time)."""
    if is_remote(data):
        return ""  # object storage: always validate
    parts = []
    for name, source in sorted(locate_all(data).items()):
        for path in source.files:
            st = os.stat(path)
            parts.append(f"{name}:{path}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest() if parts else ""
