"""The metric SQL of sql/ on Spark: transpiled from DuckDB's dialect by sqlglot at run time,
and wrapped in the GROUPING SETS of the indicators' slices in Spark's own dialect.

sql/ stays the one definition: nothing here is written per indicator. Indicators with the
same aggregation and dimensions share one Spark job (their rows in one UNION ALL, the
indicator id as the first grouping column), so the catalogue costs a handful of jobs, not
one per indicator. Medians and p90 are exact, interpolated between the two nearest ranks as
DuckDB's quantile_cont does; GROUPING() bits are `grouping_id()`'s,
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
    raise ValueError(f"no GROUPING SETS aggregate for {kind}")  # medians: _quantiles_sql


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
    if _kind(first) == "median":
        return _quantiles_sql(rows, first, sets)
    return f"""
        SELECT metric_id, day, {dims}, grouping_id(metric_id, day, {dims}) AS grouping_id,
            {_aggregates(_kind(first))}, CAST(NULL AS DOUBLE) AS p90
        FROM ({rows}
        ) AS batch_rows
        GROUP BY GROUPING SETS ({sets})
    """


def _quantiles_sql(rows: str, metric: MetricDefinition, sets: str) -> str:
    """Median and p90 of each slice's own cases, as DuckDB's quantile_cont: the values at
    ranks floor and ceil of (n - 1) * q, interpolated linearly. Each slice's values are
    gathered and sorted once per grouping set (`array_sort(collect_list(...))`): a day's
    cases per slice are few, and a hash aggregate of them is far cheaper than a window sort
    of every row by its slice (or Spark's `percentile`, a hash map of every value)."""
    dims = ", ".join(metric.dimensions)
    picks = []
    for name, q in (("50", 0.5), ("90", 0.9)):
        at = f"(cases - 1) * CAST({q} AS DOUBLE)"
        rank = "CAST({}({}) AS INT) + 1"
        picks.append(
            f"CASE WHEN cases > 0 THEN element_at(sorted, {rank.format('FLOOR', at)}) END "
            f"AS low{name}, "
            f"CASE WHEN cases > 0 THEN element_at(sorted, {rank.format('CEIL', at)}) END "
            f"AS high{name}, "
            f"{at} - FLOOR({at}) AS frac{name}"
        )
    return f"""
        WITH gathered AS (
            SELECT metric_id, day, {dims},
                grouping_id(metric_id, day, {dims}) AS grouping_id,
                array_sort(collect_list(hours)) AS sorted
            FROM ({rows}
            ) AS batch_rows
            GROUP BY GROUPING SETS ({sets})
        ),
        picked AS (
            SELECT metric_id, day, {dims}, grouping_id, size(sorted) AS cases, {", ".join(picks)}
            FROM gathered
        )
        SELECT metric_id, day, {dims}, grouping_id, cases AS denominator,
            low50 + (high50 - low50) * frac50 AS median,
            low90 + (high90 - low90) * frac90 AS p90
        FROM picked
    """
