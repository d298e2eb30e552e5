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
    if _kind(first) == "median":
        return _quantiles_sql(rows, first)
    sets = ", ".join("(" + ", ".join(["metric_id", "day", *s]) + ")" for s in first.slice_sets)
    return f"""
        SELECT metric_id, day, {dims}, grouping_id(metric_id, day, {dims}) AS grouping_id,
            {_aggregates(_kind(first))}, CAST(NULL AS DOUBLE) AS p90
        FROM ({rows}
        ) AS batch_rows
        GROUP BY GROUPING SETS ({sets})
    """


def _quantiles_sql(rows: str, metric: MetricDefinition) -> str:
    """Median and p90 of each slice's own cases, as DuckDB's quantile_cont: the values at
    ranks floor and ceil of (n - 1) * q, interpolated linearly. The slice sets are spelled
    out (each row once per set, the dimensions a set does not group by set to NULL) and the
    ranks come from one sort per slice and day: Spark's `percentile` would keep a hash map of
    every value per group, several times slower on a day's complaints."""
    dims = list(metric.dimensions)
    sets = metric.slice_sets
    kept = ", ".join(
        f"CASE WHEN set_id IN ({', '.join(str(k) for k, s in enumerate(sets) if d in s)}) "
        f"THEN {d} END AS {d}"
        for d in dims
    )
    # GROUPING() of each set: a bit per dimension it does not group by, the first one highest.
    bits = [sum(1 << (len(dims) - 1 - i) for i, d in enumerate(dims) if d not in s) for s in sets]
    grouping = " ".join(f"WHEN {k} THEN {b}" for k, b in enumerate(bits))
    keys = ", ".join(["metric_id", "set_id", "day", *dims])
    picks = []
    for name, q in (("50", 0.5), ("90", 0.9)):
        at = f"(cases - 1) * CAST({q} AS DOUBLE)"
        picks.append(
            f"MAX(CASE WHEN rank = FLOOR({at}) + 1 THEN hours END) AS low{name}, "
            f"MAX(CASE WHEN rank = CEIL({at}) + 1 THEN hours END) AS high{name}, "
            f"MAX({at} - FLOOR({at})) AS frac{name}"
        )
    return f"""
        WITH expanded AS (
            SELECT metric_id, set_id, day, {kept}, hours
            FROM ({rows}
            ) AS batch_rows
            LATERAL VIEW explode(sequence(0, {len(sets) - 1})) slice_sets AS set_id
        ),
        ranked AS (
            SELECT *,
                row_number() OVER (PARTITION BY {keys} ORDER BY hours ASC NULLS LAST) AS rank,
                COUNT(hours) OVER (PARTITION BY {keys}) AS cases
            FROM expanded
        ),
        picked AS (
            SELECT {keys}, MAX(cases) AS denominator, {", ".join(picks)}
            FROM ranked
            GROUP BY {keys}
        )
        SELECT metric_id, day, {", ".join(dims)}, CASE set_id {grouping} END AS grouping_id,
            denominator,
            low50 + (high50 - low50) * frac50 AS median,
            low90 + (high90 - low90) * frac90 AS p90
        FROM picked
    """
