"""Finds and reads the exports as Spark DataFrames: the one place Spark meets export locations.

A table comes from the catalogue when `[spark.tables]` names one for it, else from the data
folder as DuckDB reads it: `<data>/<table>.parquet` or a folder `<data>/<table>/` of Parquet
files (hive-partitioned or not). A local folder is listed here, as for DuckDB; a prefix Spark
reads itself (`s3a://`, `hdfs://`, ...) is probed by asking Spark for the schema.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from metrics.contract import TABLES_BY_NAME
from metrics.exports import is_remote, locate

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@dataclass(frozen=True)
class SparkSource:
    table: str
    # What messages and the Data page name: a file, a folder glob, a prefix or a table.
    location: str
    # What spark.read.parquet reads; empty for a catalogue table.
    paths: tuple[str, ...] = ()
    catalogue_table: str | None = None
    # Local files (modification times, the fingerprint); empty when Spark lists them.
    files: tuple[str, ...] = ()
    # False when a local folder holds no Parquet file.
    has_files: bool = True


def spark_errors() -> tuple[type[BaseException], ...]:
    """What Spark raises for a query that fails (classic and Spark Connect)."""
    from pyspark.errors import PySparkException

    try:
        from py4j.protocol import Py4JJavaError
    except ImportError:  # pragma: no cover - Spark Connect without py4j
        return (PySparkException,)
    return (PySparkException, Py4JJavaError)


def locate_source(
    spark: SparkSession, data: str | None, table: str, tables: Mapping[str, str]
) -> SparkSource | None:
    """Where one export is, or None when it is absent."""
    if table in tables:
        name = tables[table]
        return SparkSource(table, f"table {name}", catalogue_table=name)
    if not data:
        return None
    if is_remote(data):
        return _probe_remote(spark, data.rstrip("/"), table)
    source = locate(data, table)
    if source is None:
        return None
    if len(source.files) == 1 and source.pattern == source.files[0]:
        return SparkSource(table, source.pattern, source.files, files=source.files)
    if source.hive:
        # Spark discovers the partition columns from the folder's sub-folder names.
        return SparkSource(table, source.pattern, (os.path.join(data, table),), None, source.files)
    return SparkSource(
        table, source.pattern, source.files, files=source.files, has_files=bool(source.files)
    )


def _probe_remote(spark: SparkSession, base: str, table: str) -> SparkSource | None:
    for path in (f"{base}/{table}.parquet", f"{base}/{table}"):
        try:
            spark.read.parquet(path).schema  # noqa: B018 - lists the files, raises if absent
        except spark_errors() as exc:
            if _condition(exc) == "PATH_NOT_FOUND":
                continue
        # Present (an unreadable one is reported when validation reads it).
        return SparkSource(table, path, (path,))
    return None


def _condition(exc: BaseException) -> str | None:
    getter = getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", None)
    value = getter() if getter else None
    return str(value) if value else None


def read_source(spark: SparkSession, source: SparkSource) -> DataFrame:
    """The export's rows, with only the contract's columns that are present."""
    if source.catalogue_table is not None:
        frame = spark.table(source.catalogue_table)
    else:
        reader = spark.read
        if len(source.paths) > 1 or source.files and len(source.files) > 1:
            # Files of one export may differ in columns (DuckDB reads them by name too);
            # merging costs a job, so only when there are several.
            reader = reader.option("mergeSchema", "true")
        frame = reader.parquet(*source.paths)
    wanted = [c.name for c in TABLES_BY_NAME[source.table].columns if c.name in frame.columns]
    return frame.select(*wanted) if wanted else frame


def error_reason(exc: BaseException) -> str:
    """The first line of a Spark error without its [ERROR_CLASS] prefix and SQLSTATE."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    text = re.sub(r"^\[[A-Z0-9_.]+\]\s*", "", text)
    text = re.sub(r"\s*SQLSTATE: \w+\.?$", "", text)
    return text if len(text) <= 200 else text[:197] + "..."
