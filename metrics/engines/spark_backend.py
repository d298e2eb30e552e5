"""The Spark backend: the same catalogue on Apache Spark (local mode, a cluster, Spark Connect).

The facts are prepared once (`spark_facts`: the listings read from Parquet by each job, the
complaints joined to their listings and cached); the indicators' transpiled
SQL runs over them in a few GROUPING SETS jobs, one per aggregation and set of dimensions
(`spark_sql`), and only the small per-slice aggregates come back to pandas, where
`metrics.series_builder` densifies them exactly as for DuckDB before they land in the same
metric store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import date
from functools import reduce

import pandas as pd

from metrics.catalogue import MetricDefinition
from metrics.contract import TABLES
from metrics.engines.backend import DAILY_COUNTS, ExportFile
from metrics.engines.spark_exports import SparkSource, locate_source, read_source
from metrics.engines.spark_facts import SparkFacts, prepare_facts
from metrics.engines.spark_session import start_session
from metrics.engines.spark_sql import batch_sql, batches, to_spark_sql
from metrics.engines.spark_validation import SparkValidation
from metrics.exports import exports_fingerprint, is_remote, modified_at
from metrics.facts import DataWindow
from metrics.settings import SparkSettings
from metrics.sla import SlaPolicy
from metrics.validation.report import ValidationReport, raise_if_invalid, validate_with

log = logging.getLogger(__name__)


class SparkBackend:
    name = "spark"

    def __init__(self, settings: SparkSettings, memory_limit: str | None = None) -> None:
        self.settings = settings
        self.session = start_session(settings, memory_limit)
        self.spark = self.session.spark
        self.sources: dict[str, SparkSource] = {}
        self.facts = SparkFacts()

    def exports_fingerprint(self, data: str) -> str:
        if self.settings.tables or not data or is_remote(data):
            return ""  # catalogue tables and remote prefixes: always validate
        return exports_fingerprint(data)

    def validate(self, data: str) -> ValidationReport:
        return raise_if_invalid(validate_with(SparkValidation(self.spark, self.settings), data))

    def prepare(
        self,
        data: str,
        tz: str,
        sla: SlaPolicy,
        since: date | None,
        shared_sql: Mapping[str, str],
    ) -> DataWindow:
        for table in TABLES:
            source = locate_source(self.spark, data, table.name, self.settings.tables)
            if source is not None:
                self.sources[table.name] = source
        exports = {name: read_source(self.spark, s) for name, s in self.sources.items()}
        window, self.facts = prepare_facts(self.spark, exports, tz, sla, since)
        for name, sql in shared_sql.items():
            self.facts.register(name, self.spark.sql(to_spark_sql(sql)))
        return window

    def aggregate(
        self, metrics: Sequence[MetricDefinition], first: date, last: date
    ) -> dict[str, pd.DataFrame]:
        found: dict[str, pd.DataFrame] = {}
        for batch in batches(metrics):
            started = time.perf_counter()
            ids = {f"metric_{i}": m.id for i, m in enumerate(batch)}
            query = self.spark.sql(batch_sql(batch), args={"first": first, "last": last, **ids})
            raw = query.toPandas()
            for metric in batch:
                part = raw[raw["metric_id"] == metric.id].drop(columns="metric_id")
                found[metric.id] = part.reset_index(drop=True)
            log.info(
                "  %s: %d rows in %.1fs",
                ", ".join(m.id for m in batch),
                len(raw),
                time.perf_counter() - started,
            )
        return found

    def daily_counts(self, window: DataWindow, since: date) -> list[pd.DataFrame]:
        from pyspark.sql import functions as F

        per_table = [
            self.facts.views[relation]
            .where(F.col(day_col) >= F.lit(since))
            .groupBy(F.lit(table).alias("table"), F.col(day_col).alias("date"), "market")
            .agg(F.count(F.lit(1)).alias("rows"))
            for table, relation, day_col in DAILY_COUNTS
            if table in window.tables
        ]
        # One job for every table's counts.
        return [reduce(lambda a, b: a.unionByName(b), per_table).toPandas()] if per_table else []

    def export_files(self, data: str) -> list[ExportFile]:
        found = []
        for name, source in self.sources.items():
            stamps = [m for f in source.files if (m := modified_at(f)) is not None]
            if source.files:
                files = len(source.files)
            else:  # a prefix or a catalogue table: Spark lists the files
                files = len(self.facts.exports[name].inputFiles())
            rows = self.facts.rows[name]
            found.append(ExportFile(name, source.location, files, rows, max(stamps, default=None)))
        return found

    def close(self) -> None:
        try:
            self.facts.drop()
        finally:
            self.session.stop()
