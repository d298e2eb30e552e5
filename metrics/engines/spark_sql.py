"""The metric SQL of sql/ on Spark: transpiled from DuckDB's dialect by sqlglot at run time,
and wrapped in the GROUPING SETS of the indicators' slices in Spark's own dialect.

sql/ stays the one definition: nothing here is written per indicator. Indicators with the
same aggregation and dimensions share one Spark job (their rows in one UNION ALL, the
indicator id as the first grouping column), so the catalogue costs a handful of jobs, not
one per indicator. Quantiles are Spark's exact `percentile` (linear interpolation between
the two nearest ranks, as DuckDB's quantile_cont); GROUPING() bits are `grouping_id()`'s,
first dimension most significant (Spark wants every grouping column in it: the indicator id
and `day`, always grouped, add zero bits on top).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import sqlglot
from sqlglot.errors import SqlglotError

from metrics.catalogue import MetricDefinition
from metrics.errors import UserError


@lru_cache(maxsize=64)
def to_spark_sql(duckdb_sql: str) -> str:
    """One statement of DuckDB SQL in Spark SQL."""
    try:
        statements = sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")
    except SqlglotError as exc:
        raise UserError(f"metric SQL cannot be translated to Spark SQL: {exc}") from None
    if len(statements) != 1:
        raise UserError(f"metric SQL must be one statement, found {len(statements)}")
    return statements[0]


def _kind(metric: MetricDefinition) -> str:
    """What the aggregation reads: sums, distinct entities or case durations."""
    return "sum" if metric.aggregation in ("sum", "running_sum") else metric.aggregation


def batches(metrics: Sequence[MetricDefinition]) -> list[list[MetricDefinition]]:
    """The indicators grouped so that each group is one job: same aggregation, same dims."""
    groups: dict[tuple[str, tuple[str, ...]], list[MetricDefinition]] = {}
    for metric in metrics:
        groups.setdefault((_kind(metric), metric.dimensions), []).append(metric)
    return list(groups.values())


def _values(metric: MetricDefinition) -> str:
    """The columns of the metric's rows that its aggregation reads, typed alike in a batch."""
    kind = _kind(metric)
    if kind == "distinct":
        return "CAST(entity AS STRING) AS entity, CAST(in_numerator AS BOOLEAN) AS in_numerator"
    if kind == "median":
        return "CAST(hours AS DOUBLE) AS hours"
    den = "denominator" if metric.kind in ("share", "rate") else "NULL"
    return f"CAST(numerator AS BIGINT) AS numerator, CAST({den} AS BIGINT) AS denominator"


def _aggregates(kind: str) -> str:
    if kind == "sum":
        # A count indicator's denominator is NULL on every row, so its sum is NULL too.
        return "SUM(numerator) AS numerator, SUM(denominator) AS denominator"
    if kind == "distinct":
        return (
            "COUNT(DISTINCT CASE WHEN in_numerator THEN entity END) AS numerator, "
            "COUNT(DISTINCT entity) AS denominator"
        )
    # median: each slice's own cases; one array percentile sorts them once for both figures.
    return "percentile(hours, array(0.5, 0.9)) AS quantiles, COUNT(hours) AS denominator"


def batch_sql(batch: Sequence[MetricDefinition]) -> str:
    """The batch's rows aggregated per indicator, day and slice set. Bound: :first and :last
    (the days), :metric_<i> (the i-th indicator's id)."""
    first = batch[0]
    dims = ", ".join(first.dimensions)
    rows = "\n            UNION ALL\n".join(
        f"""
            SELECT :metric_{i} AS metric_id, CAST(day AS DATE) AS day, {dims}, {_values(m)}
            FROM ({to_spark_sql(m.sql)}) AS metric_rows
            WHERE day IS NOT NULL AND CAST(day AS DATE) BETWEEN :first AND :last"""
        for i, m in enumerate(batch)
    )
    sets = ", ".join("(" + ", ".join(["metric_id", "day", *s]) + ")" for s in first.slice_sets)
    kind = _kind(first)
    grouped = f"""
        SELECT metric_id, day, {dims}, grouping_id(metric_id, day, {dims}) AS grouping_id,
            {_aggregates(kind)}
        FROM ({rows}
        ) AS batch_rows
        GROUP BY GROUPING SETS ({sets})
    """
    if kind == "median":
        return (
            f"SELECT metric_id, day, {dims}, grouping_id, denominator, quantiles[0] AS median, "
            f"quantiles[1] AS p90 FROM ({grouped})"
        )
    return f"SELECT *, CAST(NULL AS DOUBLE) AS p90 FROM ({grouped})"
