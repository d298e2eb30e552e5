"""Validation's questions (`metrics.validation.probe`) answered by Spark.

The checks and the wording stay in `metrics.validation`; here each check's rule becomes a
Spark column expression and Spark's types get DuckDB's names, so a bad export is refused
with the same one-line message on either engine. One aggregate pass per table counts every
check; examples, duplicates and per-file probes run only when something is wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from metrics.contract import Table
from metrics.engines.spark_exports import (
    SparkSource,
    error_reason,
    locate_source,
    read_source,
    spark_errors,
)
from metrics.settings import SparkSettings
from metrics.validation.checks import Check, present
from metrics.validation.probe import Counts, ExportLocation, OpenedExport, UnreadableExport
from metrics.validation.queries import example_columns, example_line

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import DataType


def duckdb_type_name(data_type: DataType) -> str:
    """Spark's type under the name DuckDB gives it (what the contract's accepted types list)."""
    from pyspark.sql import types as T

    names: list[tuple[type[Any], str]] = [
        (T.StringType, "VARCHAR"),
        (T.VarcharType, "VARCHAR"),
        (T.CharType, "VARCHAR"),
        (T.BooleanType, "BOOLEAN"),
        (T.TimestampNTZType, "TIMESTAMP"),
        (T.TimestampType, "TIMESTAMP WITH TIME ZONE"),
        (T.DateType, "DATE"),
        (T.LongType, "BIGINT"),
        (T.IntegerType, "INTEGER"),
        (T.ShortType, "SMALLINT"),
        (T.ByteType, "TINYINT"),
        (T.DoubleType, "DOUBLE"),
        (T.FloatType, "FLOAT"),
        (T.BinaryType, "BLOB"),
    ]
    for spark_type, name in names:
        if isinstance(data_type, spark_type):
            return name
    if isinstance(data_type, T.DecimalType):
        return f"DECIMAL({data_type.precision},{data_type.scale})"
    return data_type.simpleString().upper()


def _value(name: str, types: dict[str, str]) -> Column:
    """The column in comparable form: any timestamp as UTC wall time (the session is UTC)."""
    from pyspark.sql import functions as F

    column = F.col(name)
    return column.cast("timestamp_ntz") if types[name].startswith("TIMESTAMP") else column


def bad_rows(check: Check, types: dict[str, str]) -> Column:
    """True on the rows the check finds bad, as DuckDB's `check.condition`."""
    from pyspark.sql import functions as F

    column = F.col(check.column)
    if check.rule == "null":
        return column.isNull()
    if check.rule == "present":
        return column.isNotNull()
    if check.rule == "enum":
        return column.isNotNull() & ~column.isin(list(check.params[0]))  # type: ignore[call-overload]
    if check.rule == "pattern":
        return ~column.rlike(f"^(?:{check.params[0]})$")
    if check.rule == "blank":
        return F.trim(column) == F.lit("")
    assert check.rule == "before" and check.operand is not None
    return _value(check.column, types) < _value(check.operand, types)


class SparkExport:
    def __init__(
        self, frame: DataFrame, table: Table, types: dict[str, str], source: SparkSource
    ) -> None:
        self.frame = frame
        self.table = table
        self.types = types
        self.source = source

    def counts(self, checks: list[Check], key: str | None) -> Counts:
        from pyspark.sql import functions as F

        aggregates = [F.count(F.lit(1))] + [F.count_if(bad_rows(c, self.types)) for c in checks]
        try:
            row = self.frame.agg(*aggregates).first()
            repeated = self._repeated_hashes(key) if key is not None else 0
        except spark_errors() as exc:
            problems = unreadable_files(self.frame.sparkSession, self.source, exc)
            raise UnreadableExport(problems) from None
        assert row is not None  # an aggregate returns one row
        return Counts(int(row[0]), [int(n or 0) for n in row[1 : 1 + len(checks)]], repeated)

    def _repeated_hashes(self, key: str) -> int:
        """Rows whose key shares its 64-bit hash with an earlier row, as DuckDB counts them:
        equal keys share one, so no duplicate is missed; duplicates() rules out a collision.
        A query of its own: beside the checks' counts, a distinct count makes Spark carry
        every count through a hash aggregate keyed by the hash (measured on 5M listings:
        30 CPU s together, 6 + 3 apart)."""
        from pyspark.sql import functions as F

        k = F.col(key)
        hashes = self.frame.where(k.isNotNull()).groupBy(F.xxhash64(k).alias("h")).count()
        row = hashes.where(F.col("count") > 1).agg(F.sum(F.col("count") - 1)).first()
        return int(row[0] or 0) if row is not None else 0

    def example(self, check: Check) -> str:

        names = example_columns(self.table, self.types, check.shown)
        texts = [_value(n, self.types).cast("string") for n in names]
        found = self.frame.where(bad_rows(check, self.types)).select(*texts).limit(1).collect()
        return example_line(names, tuple(found[0])) if found else ""

    def duplicates(self, key: str) -> tuple[int, str, int] | None:
        from pyspark.sql import functions as F

        repeated = (
            self.frame.where(F.col(key).isNotNull())
            .groupBy(F.col(key).cast("string").alias("k"))
            .agg(F.count(F.lit(1)).alias("n"))
            .where(F.col("n") > 1)
        )
        row = repeated.agg(F.sum(F.col("n") - 1), F.max_by("k", "n"), F.max("n")).first()
        if row is None or not row[0]:
            return None
        return int(row[0]), str(row[1]), int(row[2])


def unreadable_files(
    spark: SparkSession, source: SparkSource, exc: BaseException
) -> list[tuple[str, str]]:
    """(file, reason) for each file of `source` that cannot be read; a folder's files are
    probed one by one so that the line names the bad file."""
    from pyspark.sql import functions as F

    bad: list[tuple[str, str]] = []
    if len(source.files) > 1:
        for path in source.files:
            try:
                single = spark.read.parquet(path)
                # hash() over every column makes Spark decode each value.
                columns = [F.col(c) for c in single.columns]
                single.agg(F.count_if(F.hash(*columns).isNull())).collect()
            except spark_errors() as file_exc:
                bad.append((path, error_reason(file_exc)))
    if not bad:
        where = source.files[0] if len(source.files) == 1 else source.location
        bad.append((where, error_reason(exc)))
    return bad


class SparkValidation:
    """Validation on a Spark session; the exports as `[spark.tables]` and the folder say."""

    def __init__(self, spark: SparkSession, settings: SparkSettings) -> None:
        self.spark = spark
        self.tables = settings.tables
        self.sources: dict[str, SparkSource] = {}
        # The exports opened, by table; orphan counts of every referencing export, counted
        # together at the first orphans() call (report.py asks after opening every export).
        self.opened: dict[str, SparkExport] = {}
        self.orphan_counts: dict[str, int] | None = None

    def locate(self, data: str, table: str) -> ExportLocation | None:
        source = locate_source(self.spark, data, table, self.tables)
        if source is None:
            return None
        self.sources[table] = source
        return ExportLocation(table, source.location, source.has_files)

    def open(self, location: ExportLocation, table: Table) -> OpenedExport:
        source = self.sources[location.table]
        names = {c.name for c in table.columns}
        try:
            frame = read_source(self.spark, source)
            types = {
                f.name: duckdb_type_name(f.dataType) for f in frame.schema.fields if f.name in names
            }
        except spark_errors() as exc:
            raise UnreadableExport(unreadable_files(self.spark, source, exc)) from None
        self.opened[table.name] = SparkExport(frame, table, types, source)
        return self.opened[table.name]

    def orphans(
        self, referencing: OpenedExport, listings: OpenedExport, table: Table
    ) -> tuple[int, str]:
        from pyspark.sql import functions as F

        assert isinstance(referencing, SparkExport) and isinstance(listings, SparkExport)
        if self.orphan_counts is None:
            try:
                self.orphan_counts = self._count_orphans(listings)
            except spark_errors():  # an export that failed its counts: each one alone
                self.orphan_counts = {}
        known = listings.frame.select("listing_id")
        orphans = referencing.frame.join(known, "listing_id", "left_anti").where(
            F.col("listing_id").isNotNull()
        )
        count = self.orphan_counts.get(table.name)
        if count is None:
            count = orphans.count()
        if not count:
            return 0, ""
        found = SparkExport(orphans, table, referencing.types, referencing.source)
        return count, found.example(present("listing_id"))

    def _count_orphans(self, listings: SparkExport) -> dict[str, int]:
        """Orphan rows of every referencing export opened, in one aggregate over the listing
        ids of all of them (tagged by export): one shuffle of the ids, where an anti-join per
        export would shuffle and sort the listings' ids once for each."""
        from pyspark.sql import functions as F

        referencing = {
            name: export
            for name, export in self.opened.items()
            if name != "listings" and export.types.get("listing_id") == "VARCHAR"
        }
        if not referencing:
            return {}
        names = list(referencing)
        ids = listings.frame.select("listing_id", F.lit(-1).alias("tag"))
        for i, name in enumerate(names):
            ids = ids.unionByName(
                referencing[name].frame.select("listing_id", F.lit(i).alias("tag"))
            )
        per_id = (
            ids.where(F.col("listing_id").isNotNull())
            .groupBy("listing_id")
            .agg(
                F.max(F.col("tag") == -1).alias("known"),
                *[F.count_if(F.col("tag") == i).alias(f"n{i}") for i in range(len(names))],
            )
        )
        row = (
            per_id.where(~F.col("known")).agg(*[F.sum(f"n{i}") for i in range(len(names))]).first()
        )
        assert row is not None  # an aggregate returns one row
        return {name: int(row[i] or 0) for i, name in enumerate(names)}

    def close(self) -> None:
        self.sources.clear()
        self.opened.clear()
        self.orphan_counts = None
