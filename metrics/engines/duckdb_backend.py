"""The DuckDB backend: one in-process connection over the Parquet exports.

Facts come from `metrics.facts` (time zones, SLA calendars, incremental windows in DuckDB
SQL); each indicator's rows are aggregated by one GROUPING SETS query per indicator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from metrics.catalogue import MetricDefinition
from metrics.engines.backend import DAILY_COUNTS, ExportFile
from metrics.exports import exports_fingerprint, locate_all, modified_at
from metrics.facts import DataWindow, prepare_facts, prepare_live_exposure
from metrics.settings import DEFAULT_MEMORY_LIMIT
from metrics.sla import SlaPolicy
from metrics.validation.report import ValidationReport, require_valid

log = logging.getLogger(__name__)


def _aggregates(metric: MetricDefinition) -> str:
    if metric.aggregation in ("sum", "running_sum"):
        den = "SUM(denominator)" if metric.kind in ("share", "rate") else "NULL"
        return f"SUM(numerator) AS numerator, {den} AS denominator, NULL AS p90"
    if metric.aggregation == "distinct":
        return (
            "COUNT(DISTINCT CASE WHEN in_numerator THEN entity END) AS numerator, "
            "COUNT(DISTINCT entity) AS denominator, NULL AS p90"
        )
    # median: the slice's own cases, never an average of finer medians.
    return (
        # One list quantile sorts each slice's cases once for both figures.
        "quantile_cont(hours, [0.5, 0.9]) AS quantiles, COUNT(hours) AS denominator"
    )


def aggregation_sql(metric: MetricDefinition) -> str:
    """The metric's SQL wrapped in the GROUPING SETS of its slices, days bound as ? and ?."""
    dims = list(metric.dimensions)
    sets = ", ".join("(" + ", ".join(["day", *s]) + ")" for s in metric.slice_sets)
    grouping = f"GROUPING({', '.join(dims)})"
    select_dims = ", ".join(dims)
    return f"""
        WITH metric_rows AS (
            {metric.sql}
        ),
        typed AS (
            SELECT * REPLACE (CAST(day AS DATE) AS day) FROM metric_rows
            WHERE day IS NOT NULL AND CAST(day AS DATE) BETWEEN ? AND ?
        )
        SELECT day, {select_dims}, {grouping} AS grouping_id, {_aggregates(metric)}
        FROM typed
        GROUP BY GROUPING SETS ({sets})
    """


class DuckDBBackend:
    name = "duckdb"

    def __init__(self, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        # DuckDB spills to disk past this (the `memory_limit` setting).
        self.con.execute("SET memory_limit = ?", [memory_limit or DEFAULT_MEMORY_LIMIT])

    def exports_fingerprint(self, data: str) -> str:
        return exports_fingerprint(data)

    def validate(self, data: str) -> ValidationReport:
        return require_valid(data, self.con)

    def prepare(
        self,
        data: str,
        tz: str,
        sla: SlaPolicy,
        since: date | None,
        shared_sql: Mapping[str, str],
    ) -> DataWindow:
        window = prepare_facts(self.con, data, tz, sla, since=since)
        prepare_live_exposure(self.con, dict(shared_sql))
        return window

    def aggregate(
        self, metrics: Sequence[MetricDefinition], first: date, last: date
    ) -> dict[str, pd.DataFrame]:
        return {metric.id: self._aggregate(metric, first, last) for metric in metrics}

    def _aggregate(self, metric: MetricDefinition, first: date, last: date) -> pd.DataFrame:
        started = time.perf_counter()
        raw = self.con.execute(aggregation_sql(metric), [first, last]).df()
        if metric.aggregation == "median":
            quantiles = raw.pop("quantiles")
            raw["median"] = [q[0] if q is not None else np.nan for q in quantiles]
            raw["p90"] = [q[1] if q is not None else np.nan for q in quantiles]
        log.debug("  %-28s %7d rows  %5.1fs", metric.id, len(raw), time.perf_counter() - started)
        return raw

    def daily_counts(self, window: DataWindow, since: date) -> list[pd.DataFrame]:
        return [
            self.con.execute(
                f'SELECT ? AS "table", {day_col} AS date, market, COUNT(*) AS rows '
                f"FROM {relation} WHERE {day_col} >= ? GROUP BY ALL",
                [table, since],
            ).df()
            for table, relation, day_col in DAILY_COUNTS
            if table in window.tables
        ]

    def export_files(self, data: str) -> list[ExportFile]:
        found = []
        for name, source in locate_all(data).items():
            counted = self.con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
            assert counted is not None  # an aggregate query returns one row
            stamps = [m for f in source.files if (m := modified_at(f)) is not None]
            found.append(
                ExportFile(
                    name, source.pattern, len(source.files), counted[0], max(stamps, default=None)
                )
            )
        return found

    def close(self) -> None:
        self.con.close()
