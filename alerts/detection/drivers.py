"""What drove a move: a flagged series' child slices ranked by their contribution to the change.

The flagged period (the `period_days` ending on `day`) is compared with the baseline (the
`baseline_days` before the period). Children are the parent's slices one dimension finer:
`all` -> `market=*` (default), `market=ES` -> `market=ES,category_l1=*`, and for complaint
indicators `all` -> `channel=*` or `issue_type=*`.

Shares, rates and durations use the symmetric (midpoint) shift-share decomposition. With the
weight of child i w_i = den_i / sum(den), its rate r_i, primes for the flagged period, bars
for the midpoint of the two periods and R the aggregate rate:

    mix_i  = (w_i' - w_i) * (r_bar_i - R_bar)   volume moved towards or away from the child
    rate_i = w_bar_i * (r_i' - r_i)             the child's own rate moved
    R' - R = sum_i (mix_i + rate_i)             exactly

Centring the mix term on R_bar changes nothing in the sum (the weight changes sum to zero) but
makes each child's mix effect readable: gaining volume only raises the aggregate if the child's
rate is above average. A child present on one side only has weight 0 on the other and its rate
is taken as the same on both sides, so it contributes through mix alone.

Other kinds:
- rates split by an exposure dimension (complaint_rate by channel): the children share the
  parent's exposure, so their rates add up; contribution = rate effect = r_i' - r_i, mix 0.
- counts: the daily mean over each window (flows and levels alike); contribution = its change;
  rate and mix effects are NaN.
- durations: the child's median (the case-weighted mean of its daily medians over a window)
  takes the place of the rate and the case count the place of the denominator. Medians do not
  add up, so the decomposition explains the case-weighted mean of child medians, not the
  parent median: it ranks children well but is approximate (`attrs["approximate"]`).
  Distinct-entity shares (repeat_offender_rate) are approximate too: a seller can be in two
  markets.

Sums over a window pool the days (sum of numerators over sum of denominators); the denominators
returned are per-day means so a 1-day period and a 28-day baseline read alike.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from metrics.catalogue import MetricDefinition
from metrics.errors import UserError
from metrics.metric_store import DIMENSIONS, parse_slice

log = logging.getLogger(__name__)

COLUMNS = [
    "child_slice",
    "value",
    "baseline_value",
    "denominator",
    "baseline_denominator",
    "rate_effect",
    "mix_effect",
    "contribution",
    "share_of_change",
]


def drill_dimensions(metric: MetricDefinition, parent: str) -> list[str]:
    """The dimensions the parent slice can be broken down by (computed slices only)."""
    dims = parse_slice(parent)
    found = []
    for d in DIMENSIONS:
        if d in dims or d not in metric.dimensions:
            continue
        shape = tuple(x for x in DIMENSIONS if x in dims or x == d)
        if shape in metric.slice_sets:
            found.append(d)
    return found


def child_slices(parent: str, dimension: str) -> tuple[str, list[object]]:
    """A WHERE fragment and its parameters selecting the parent's children along `dimension`
    in the store's `series` table (the dimension columns hold each slice's values)."""
    dims = parse_slice(parent)
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if dimension in dims:
        raise ValueError(f"{parent} is already split by {dimension}")
    clauses: list[str] = []
    params: list[object] = []
    # Column names come from the fixed DIMENSIONS tuple, never from the caller.
    for d in DIMENSIONS:
        if d in dims:
            clauses.append(f"{d} = ?")
            params.append(dims[d])
        elif d == dimension:
            clauses.append(f"{d} IS NOT NULL")
        else:
            clauses.append(f"{d} IS NULL")
    return " AND ".join(clauses), params


def top_contributors(
    con: duckdb.DuckDBPyConnection,
    metric: MetricDefinition,
    slice: str,
    day: date,
    *,
    baseline_days: int = 28,
    period_days: int = 1,
    dimension: str | None = None,
    n: int = 5,
) -> pd.DataFrame:
    """The `n` children that moved the metric most, the bad direction first.

    attrs: dimension, total_change (sum over all children, not only the n returned),
    parent_value and parent_baseline_value (from the parent's own rows), approximate.
    Empty when either window has no data.
    """
    if period_days < 1 or baseline_days < 1:
        raise ValueError("period_days and baseline_days must be at least 1")
    try:
        options = drill_dimensions(metric, slice)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if dimension is None:
        if not options:
            raise UserError(f"{metric.id} slice {slice} has no finer slices to break it down by")
        dimension = options[0]
    elif dimension not in options:
        raise UserError(
            f"{metric.id} slice {slice} cannot be broken down by {dimension!r}; "
            f"choose one of: {', '.join(options) or 'none'}"
        )
    period_start = day - timedelta(days=period_days - 1)
    baseline_start = period_start - timedelta(days=baseline_days)
    where, params = child_slices(slice, dimension)
    # Identifiers come from DIMENSIONS (checked above); every value is a bound parameter.
    picked = f"""
        FROM series
        WHERE metric_id = ? AND date BETWEEN ? AND ? AND (slice = ? OR ({where}))
    """
    bound = [period_start, metric.id, baseline_start, day, slice, *params]
    rows = con.execute(
        f"""
        SELECT slice, date >= ? AS current, {dimension} IS NULL AS is_parent,
               COUNT(*) AS days, SUM(value) AS value_sum, SUM(numerator) AS num,
               SUM(denominator) AS den, SUM(value * denominator) AS weighted_value
        {picked}
        GROUP BY ALL
        """,
        bound,
    ).df()
    observed = con.execute(
        f"SELECT date >= ? AS current, COUNT(DISTINCT date) {picked} GROUP BY ALL", bound
    ).fetchall()
    days = {bool(current): int(count) for current, count in observed}
    if not days.get(True) or not days.get(False):
        return _empty(dimension, metric)

    parent = rows[rows["is_parent"]]
    children = rows[~rows["is_parent"]]
    cur = children[children["current"]].set_index("slice")
    base = children[~children["current"]].set_index("slice")
    table = pd.DataFrame(index=cur.index.union(base.index).rename("child_slice"))
    additive = metric.kind == "rate" and dimension in metric.exposure_dimensions

    if metric.kind == "count":
        v1 = cur["value_sum"].reindex(table.index).fillna(0) / days[True]
        v0 = base["value_sum"].reindex(table.index).fillna(0) / days[False]
        table["value"], table["baseline_value"] = v1, v0
        table["denominator"] = table["baseline_denominator"] = np.nan
        table["rate_effect"] = table["mix_effect"] = np.nan
        table["contribution"] = v1 - v0
    elif additive:
        exposure = {side: _exposure(parent, children, side, days[side]) for side in (True, False)}
        if not (exposure[True] > 0 and exposure[False] > 0):
            return _empty(dimension, metric)
        r1 = cur["num"].reindex(table.index).fillna(0) / exposure[True] * metric.scale
        r0 = base["num"].reindex(table.index).fillna(0) / exposure[False] * metric.scale
        table["value"], table["baseline_value"] = r1, r0
        table["denominator"] = exposure[True] / days[True]
        table["baseline_denominator"] = exposure[False] / days[False]
        table["rate_effect"] = r1 - r0
        table["mix_effect"] = 0.0
        table["contribution"] = r1 - r0
    else:
        r1, d1 = _rates(cur, metric, table.index)
        r0, d0 = _rates(base, metric, table.index)
        # Children without volume on either side say nothing.
        keep = (d1 > 0) | (d0 > 0)
        table, r1, d1, r0, d0 = table[keep], r1[keep], d1[keep], r0[keep], d0[keep]
        if not d1.sum() > 0 or not d0.sum() > 0:
            return _empty(dimension, metric)
        r1 = r1.where(d1 > 0, r0)
        r0 = r0.where(d0 > 0, r1)
        w1, w0 = d1 / d1.sum(), d0 / d0.sum()
        mid_aggregate = ((w1 * r1).sum() + (w0 * r0).sum()) / 2
        table["value"] = r1.where(d1 > 0)
        table["baseline_value"] = r0.where(d0 > 0)
        table["denominator"] = d1 / days[True]
        table["baseline_denominator"] = d0 / days[False]
        table["mix_effect"] = (w1 - w0) * ((r1 + r0) / 2 - mid_aggregate)
        table["rate_effect"] = (w1 + w0) / 2 * (r1 - r0)
        table["contribution"] = table["mix_effect"] + table["rate_effect"]

    total = float(table["contribution"].sum())
    table["share_of_change"] = table["contribution"] / total if abs(total) > 1e-12 else np.nan
    table = table.reset_index()[COLUMNS]
    bad_sign = {"higher": -1.0, "lower": 1.0}.get(metric.better or "", 0.0)
    order = pd.DataFrame(
        {
            "bad": (table["contribution"] * bad_sign > 0).astype(int),
            "size": table["contribution"].abs(),
        }
    )
    ranked = order.sort_values(["bad", "size"], ascending=False, kind="stable").index
    result = table.loc[ranked].head(n).reset_index(drop=True)
    result.attrs.update(
        dimension=dimension,
        total_change=total,
        parent_value=_parent_value(parent, metric, True, days[True]),
        parent_baseline_value=_parent_value(parent, metric, False, days[False]),
        approximate=metric.kind == "duration" or metric.aggregation in ("distinct", "median"),
    )
    return result


def _rates(
    side: pd.DataFrame, metric: MetricDefinition, index: pd.Index[Any]
) -> tuple[pd.Series[float], pd.Series[float]]:
    """Pooled rate and denominator per child over one window (0 denominators where absent)."""
    den = side["den"].reindex(index).fillna(0.0).astype(float)
    if metric.kind == "duration":
        top = side["weighted_value"].reindex(index).astype(float)
        rate = top / den.where(den > 0)
    else:
        top = side["num"].reindex(index).astype(float)
        rate = top / den.where(den > 0) * metric.scale
    return rate, den


def _exposure(parent: pd.DataFrame, children: pd.DataFrame, current: bool, days: int) -> float:
    """The parent's exposure over a window; children repeat it when the parent row is absent."""
    own = parent.loc[parent["current"] == current, "den"]
    if len(own) and pd.notna(own.iloc[0]) and own.iloc[0] > 0:
        return float(own.iloc[0])
    side = children[children["current"] == current]
    # Each child row carries the parent exposure of its days: the fullest child saw them all.
    per_day = (side["den"] / side["days"]).max()
    return float(per_day * days) if pd.notna(per_day) else np.nan


def _parent_value(
    parent: pd.DataFrame, metric: MetricDefinition, current: bool, days: int
) -> float | None:
    row = parent[parent["current"] == current]
    if row.empty:
        return None
    r = row.iloc[0]
    if metric.kind == "count":
        value = r["value_sum"] / days
    elif metric.kind == "duration":
        value = r["weighted_value"] / r["den"] if r["den"] else np.nan
    else:
        value = r["num"] / r["den"] * metric.scale if r["den"] else np.nan
    return None if pd.isna(value) else float(value)


def _empty(dimension: str, metric: MetricDefinition) -> pd.DataFrame:
    frame = pd.DataFrame(
        {c: pd.Series(dtype=object if c == "child_slice" else float) for c in COLUMNS}
    )
    frame.attrs.update(
        dimension=dimension,
        total_change=0.0,
        parent_value=None,
        parent_baseline_value=None,
        approximate=metric.kind == "duration" or metric.aggregation in ("distinct", "median"),
    )
    return frame
