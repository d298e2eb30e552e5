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

Ranking by evidence. The exact decomposition above lets a market with 3 removals, all found by
consumers, own 30% of a platform-wide drop. So children are ranked by `shrunk_contribution`:
the same decomposition with each child's rates shrunk by empirical Bayes (beta-binomial for
shares, Poisson-gamma for rates). The posterior rate is (events + m * prior) / (cases + m):
in the baseline the prior is the parent's baseline rate; in the period it is the child's own
shrunk baseline moved as the parent moved (by the parent's points for a share, by its ratio
for a rate), i.e. what the child would show if nothing set it apart. The prior strength
m = V / tau^2, V the sampling variance of one case at the parent's rate (p(1-p) or p) and tau^2
the spread of the children's true rates beyond chance, learned by the method of moments from
the children with at least MIN_CASES in the window; a window with fewer than two such children
(one day of an outage) borrows the other window's spread, as its own would be noise. A child
on 3 cases then moves as its parent did; one on thousands keeps its own rate. `explains` is a
child's shrunk contribution over the sum of those that pushed the parent the way it moved.
Durations, counts and channel children of a rate are not shrunk (no sampling model here).

Children without the evidence to be ranked on their own are summed into one row with no
child_slice whose `slices` says how many it holds: for a share or a duration, fewer than
MIN_CASES cases observed in the period (the cases are the evidence of its value: a market that
collapsed from 17 removals a day to 3 is judged on 3, whatever its usual volume); for a rate,
fewer than MIN_CASES events both observed and expected from the baseline's volume (the exposure
is its evidence: 0 complaints where 40 were expected is strong). `pattern` (in attrs) says
whether the move is concentrated, broad-based or led by a few children (see `move_pattern`).

Broad or not, on the children's own cases. The shrinkage above moves a child with few cases as
its parent moved, so on thin days every child "moved" by construction. Whether a move is
broad-based is therefore decided on the likelihood of each child's period cases (binomial for
a share, Poisson for a rate) under "it moved as its parent did" (its shrunk baseline moved by
the parent's points or ratio) against "it stayed at its shrunk baseline": `support` in the
table, the log-likelihood ratio. A move that sits in small slices is broad when the children's
cases favour "all of them moved" over "only the two that moved most did" by BROAD_ODDS to 1
(the sum of the supports less the two largest is at least log 10), among at least
BROAD_MIN_SLICES children with cases; the children's cases can also veto a broad verdict
drawn from their shrunk parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
    "cases",
    "expected_cases",
    "shrunk_rate_effect",
    "shrunk_mix_effect",
    "shrunk_contribution",
    "explains",
    "support",
    "slices",
]
# The fewest cases (events for a rate), observed in the period or expected there from the
# baseline's volume, on which a child is ranked on its own; the detector's minimum too.
MIN_CASES = 5.0
# The move's pattern (`move_pattern`): one child explaining at least CONCENTRATED is where the
# change sits; a move is broad-based when at least BROAD_SHARE of the children with enough
# volume (BROAD_MIN_SLICES of them at least) pushed the parent the way it moved and none
# explains more than BROAD_MAX.
CONCENTRATED = 0.5
BROAD_SHARE = 0.75
BROAD_MAX = 0.35
BROAD_MIN_SLICES = 3  # one or two slices are not a "broad" move
# Odds by which the children's cases must favour "all moved" over "the LEADERS that moved
# most moved alone" for a move that sits in small slices to be called broad.
BROAD_ODDS = 10.0
LEADERS = 2


@dataclass(frozen=True)
class MovePattern:
    """Where the change sits, decided once for every surface that says it."""

    kind: str  # concentrated | broad | led | small_only
    leaders: tuple[str, ...]  # child slices, the largest part first
    explains: tuple[float, ...]  # their parts of the change (shrunk)
    moved: int  # judged children that pushed the parent the way it moved
    judged: int  # children with enough volume
    largest: float  # the largest part any judged child explains
    direction: int  # +1 the parent rose, -1 it fell
    # broad on the children's own cases: `moved` of the `judged` children with cases in the
    # period say by their cases that they moved with the parent (see `move_pattern`)
    on_cases: bool = False


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
        table["cases"] = table["expected_cases"] = np.nan  # a count is its own evidence
    elif additive:
        exposure = {side: _exposure(parent, children, side, days[side]) for side in (True, False)}
        if not (exposure[True] > 0 and exposure[False] > 0):
            return _empty(dimension, metric)
        n1 = cur["num"].reindex(table.index).fillna(0)
        n0 = base["num"].reindex(table.index).fillna(0)
        r1 = n1 / exposure[True] * metric.scale
        r0 = n0 / exposure[False] * metric.scale
        table["value"], table["baseline_value"] = r1, r0
        table["denominator"] = exposure[True] / days[True]
        table["baseline_denominator"] = exposure[False] / days[False]
        table["rate_effect"] = r1 - r0
        table["mix_effect"] = 0.0
        table["contribution"] = r1 - r0
        table["cases"] = n1
        table["expected_cases"] = n0 / days[False] * days[True]
        exposure1 = pd.Series(exposure[True], index=table.index)
        exposure0 = pd.Series(exposure[False], index=table.index)
        table["support"] = move_support("rate", n1, exposure1, n0, exposure0)
    else:
        r1, d1 = _rates(cur, metric, table.index)
        r0, d0 = _rates(base, metric, table.index)
        # Children without volume on either side say nothing.
        keep = (d1 > 0) | (d0 > 0)
        table, r1, d1, r0, d0 = table[keep], r1[keep], d1[keep], r0[keep], d0[keep]
        if not d1.sum() > 0 or not d0.sum() > 0:
            return _empty(dimension, metric)
        table["value"] = r1.where(d1 > 0)
        table["baseline_value"] = r0.where(d0 > 0)
        table["denominator"] = d1 / days[True]
        table["baseline_denominator"] = d0 / days[False]
        effects = _decompose(r1.where(d1 > 0, r0), d1, r0.where(d0 > 0, r1), d0)
        table["mix_effect"], table["rate_effect"] = effects
        table["contribution"] = table["mix_effect"] + table["rate_effect"]
        e1 = cur["num"].reindex(table.index).fillna(0.0).astype(float)
        e0 = base["num"].reindex(table.index).fillna(0.0).astype(float)
        # The evidence of a rate is its events; of a share or a duration, its cases.
        c1, c0 = (e1, e0) if metric.kind == "rate" else (d1, d0)
        table["cases"] = c1
        table["expected_cases"] = c0 / days[False] * days[True]
        if metric.kind in ("share", "rate"):
            s1, s0 = shrunk_rates(metric.kind, e1, d1, e0, d0)
            mix, rate = _decompose(s1 * metric.scale, d1, s0 * metric.scale, d0)
            table["shrunk_mix_effect"], table["shrunk_rate_effect"] = mix, rate
            table["support"] = move_support(metric.kind, e1, d1, e0, d0)

    if "shrunk_rate_effect" not in table:  # not shrunk: weighed as computed
        table["shrunk_rate_effect"] = table["rate_effect"]
        table["shrunk_mix_effect"] = table["mix_effect"]
    table["shrunk_contribution"] = table["contribution"]
    weighed_split = table["shrunk_rate_effect"].notna()
    table.loc[weighed_split, "shrunk_contribution"] = (
        table["shrunk_rate_effect"] + table["shrunk_mix_effect"]
    )[weighed_split]

    total = float(table["contribution"].sum())
    table["share_of_change"] = table["contribution"] / total if abs(total) > 1e-12 else np.nan
    # A child's part of the push the way the parent moved (children pushing the other way get
    # a negative part), so parts stay readable when children move in opposite directions.
    weighed = table["shrunk_contribution"]
    push = float(weighed[np.sign(weighed) == np.sign(total)].sum())
    table["explains"] = weighed / push if abs(push) > 1e-12 and total != 0 else np.nan
    if "support" not in table:
        table["support"] = np.nan
    table["slices"] = 1
    table = table.reset_index()[COLUMNS]
    # The evidence of a share or a duration is its cases in the period; of a rate, its events
    # seen or expected from the exposure (see the module doc). False for counts.
    evidence = table["cases"]
    if metric.kind == "rate":
        evidence = table[["cases", "expected_cases"]].max(axis=1)
    small = evidence < MIN_CASES
    judged, grouped = table[~small], table[small]
    bad_sign = {"higher": -1.0, "lower": 1.0}.get(metric.better or "", 0.0)
    order = pd.DataFrame(
        {
            "bad": (judged["shrunk_contribution"] * bad_sign > 0).astype(int),
            "size": judged["shrunk_contribution"].abs(),
        }
    )
    # Ties (children all at their prior) are broken by the exact contribution.
    order["exact"] = judged["contribution"].abs()
    ranked = order.sort_values(["bad", "size", "exact"], ascending=False, kind="stable").index
    result = judged.loc[ranked].head(n)
    if not grouped.empty:
        result = pd.concat([result, _group(grouped)])
    result = result.reset_index(drop=True)
    result.attrs.update(
        dimension=dimension,
        total_change=total,
        parent_value=_parent_value(parent, metric, True, days[True]),
        parent_baseline_value=_parent_value(parent, metric, False, days[False]),
        approximate=metric.kind == "duration" or metric.aggregation in ("distinct", "median"),
        pattern=move_pattern(judged, grouped, total),
        min_cases=MIN_CASES,
    )
    return result


def _decompose(
    r1: pd.Series[float], d1: pd.Series[float], r0: pd.Series[float], d0: pd.Series[float]
) -> tuple[pd.Series[float], pd.Series[float]]:
    """The midpoint shift-share split (mix effect, rate effect) of each child; a child absent
    from a window has weight 0 there, whatever rate it is given."""
    w1, w0 = d1 / d1.sum(), d0 / d0.sum()
    mid_aggregate = ((w1 * r1).sum() + (w0 * r0).sum()) / 2
    mix = (w1 - w0) * ((r1 + r0) / 2 - mid_aggregate)
    rate = (w1 + w0) / 2 * (r1 - r0)
    return mix, rate


def shrunk_rates(
    kind: str,
    e1: pd.Series[float],
    n1: pd.Series[float],
    e0: pd.Series[float],
    n0: pd.Series[float],
) -> tuple[pd.Series[float], pd.Series[float]]:
    """Each child's rate per case (a fraction for a share, events per unit of exposure for a
    rate) in the period (e1 events on n1 cases) and the baseline (e0 on n0), shrunk as the
    module doc says: (period, baseline). A child without cases in a window gets its prior."""
    baseline, moved, strength = _priors(kind, e1, n1, e0, n0)
    return _posterior(e1, n1, moved, strength), baseline


def move_support(
    kind: str,
    e1: pd.Series[float],
    n1: pd.Series[float],
    e0: pd.Series[float],
    n0: pd.Series[float],
) -> pd.Series[float]:
    """Each child's log-likelihood ratio of its period cases (e1 events on n1 cases, or on n1
    exposure for a rate) under "it moved as its parent did" against "it stayed at its shrunk
    baseline": positive when its own cases say it moved with the parent, 0 without cases."""
    baseline, moved, _ = _priors(kind, e1, n1, e0, n0)
    support: pd.Series[float]
    if kind == "share":
        # A shrunk share is never exactly 0 or 1, but a parent at 100% gives every child 1.
        b, q = baseline.clip(1e-3, 1 - 1e-3), moved.clip(1e-3, 1 - 1e-3)
        support = e1 * np.log(q / b) + (n1 - e1) * np.log((1 - q) / (1 - b))
    else:
        # Half an event over the baseline's whole exposure: a floor for a rate of zero.
        floor = 0.5 / max(float(n0.sum()), 1.0)
        b, q = baseline.clip(lower=floor), moved.clip(lower=floor)
        support = e1 * np.log(q / b) - n1 * (q - b)
    return support.where(n1 > 0, 0.0).astype(float)


def _priors(
    kind: str,
    e1: pd.Series[float],
    n1: pd.Series[float],
    e0: pd.Series[float],
    n0: pd.Series[float],
) -> tuple[pd.Series[float], pd.Series[float], float]:
    """(each child's shrunk baseline, that baseline moved as the parent moved, the prior
    strength m in the period) as the module doc says."""
    windows = [(e1, n1), (e0, n0)]
    spreads = [_spread(kind, e, n) for e, n in windows]
    # A window with too few children of enough volume (a day of an outage) borrows the other
    # window's spread: its own would be noise.
    own, other = spreads
    spreads = [own if own is not None else other, other if other is not None else own]
    parents: list[float] = []
    strengths: list[float] = []
    for (e, n), tau2 in zip(windows, spreads, strict=True):
        rate = float(e.sum() / n.sum())
        parents.append(rate)
        variance = _variance(kind, rate)
        if tau2 is None or tau2 <= 1e-12 * max(variance, 1e-12):
            strengths.append(np.inf)
        else:
            strengths.append(variance / tau2)
    (parent1, parent0), (m1, m0) = parents, strengths
    s0 = _posterior(e0, n0, pd.Series(parent0, index=e0.index), m0)
    if kind == "share":
        prior1 = (s0 + parent1 - parent0).clip(0.0, 1.0)
    elif parent0 > 0:
        prior1 = s0 * (parent1 / parent0)
    else:
        prior1 = pd.Series(parent1, index=e1.index)
    return s0, prior1, m1


def _posterior(
    events: pd.Series[float], cases: pd.Series[float], prior: pd.Series[float], strength: float
) -> pd.Series[float]:
    """The conjugate posterior mean: `strength` cases' worth of the prior rate added (no spread
    beyond chance, an infinite strength: every child is its prior)."""
    if np.isinf(strength):
        return prior
    return (events + strength * prior) / (cases + strength)


def _spread(kind: str, events: pd.Series[float], cases: pd.Series[float]) -> float | None:
    """tau^2, how far the children's true rates spread around their parent's beyond chance,
    by the method of moments over the children with enough volume in the window:
    sum n_i (p_i - P)^2 is about (K - 1) V + tau^2 (N - sum n_i^2 / N). None with fewer
    than two such children."""
    enough = (events if kind == "rate" else cases) >= MIN_CASES
    e, n = events[enough], cases[enough]
    if len(n) < 2:
        return None
    total = float(n.sum())
    rate = float(e.sum()) / total
    excess = float((n * (e / n - rate) ** 2).sum()) - (len(n) - 1) * _variance(kind, rate)
    return max(excess, 0.0) / (total - float((n**2).sum()) / total)


def _variance(kind: str, rate: float) -> float:
    """Sampling variance of one case at this rate: binomial for shares, Poisson for rates."""
    return rate * (1.0 - rate) if kind == "share" else rate


def _group(small: pd.DataFrame) -> pd.DataFrame:
    """The children under the minimum volume as one row: their sums, no slice, no rates."""
    row: dict[str, object] = {column: np.nan for column in COLUMNS}
    row["child_slice"] = None
    for column in ("denominator", "baseline_denominator", "rate_effect", "mix_effect",
                   "contribution", "share_of_change", "cases", "expected_cases",
                   "shrunk_rate_effect", "shrunk_mix_effect", "shrunk_contribution",
                   "explains", "support"):  # fmt: skip
        row[column] = small[column].sum(min_count=1)
    row["slices"] = len(small)
    return pd.DataFrame([row], columns=COLUMNS)


def move_pattern(judged: pd.DataFrame, small: pd.DataFrame, total: float) -> MovePattern | None:
    """Where the change sits, by the children's shrunk parts (`explains`) and, for shares and
    rates, by what their own cases support (`support`, see the module doc):

    - concentrated: the largest part of a child with enough volume is CONCENTRATED (50%) or more;
    - where the ranking cannot speak (no child has enough volume to be judged on its own, or the
      children under the minimum volume together explain CONCENTRATED or more):
      - broad on the children's cases (shares and rates): at least BROAD_MIN_SLICES (3)
        children have cases in the period, their cases favour "all moved" over "only the
        LEADERS (2) that moved most did" by BROAD_ODDS (10) to 1 or more, and no judged child
        explains more than BROAD_MAX (35%); `moved` and `judged` then count the children whose
        cases say they moved and those with cases (`on_cases`);
      - small_only otherwise;
    - broad: at least BROAD_MIN_SLICES children have enough volume, at least BROAD_SHARE (75%)
      of them pushed the parent the way it moved, none explains more than BROAD_MAX (35%), and
      (shares and rates) their cases do not speak against a shared move: shrinkage moves thin
      children with their parent, so their parts alone would call every move broad;
    - led: otherwise, led by the two largest parts.
    None when the parent did not move or the parts cannot be told.
    """
    if abs(total) <= 1e-12:
        return None
    direction = 1 if total > 0 else -1
    if judged.empty and small.empty:
        return None
    parts = judged.dropna(subset=["explains"]).sort_values("explains", ascending=False)
    if not judged.empty and parts.empty:
        return None
    largest = float(parts["explains"].iloc[0]) if not parts.empty else 0.0
    leaders = parts[parts["explains"] > 0]
    if largest >= CONCENTRATED:
        return _pattern("concentrated", leaders.head(1), judged, largest, direction)
    shared = _shared_move(pd.concat([judged, small]))
    in_small = float(small["explains"].sum()) if not small.empty else 0.0
    if judged.empty or in_small >= CONCENTRATED:
        if shared is not None and shared[0] and largest <= BROAD_MAX:
            _, moved, with_cases = shared
            return MovePattern("broad", (), (), moved, with_cases, largest, direction, True)
        return _pattern("small_only", leaders.head(0), judged, largest, direction)
    moved = int((np.sign(judged["shrunk_contribution"]) == direction).sum())
    if (
        (shared is None or shared[0])
        and len(judged) >= BROAD_MIN_SLICES
        and moved >= BROAD_SHARE * len(judged)
        and largest <= BROAD_MAX
    ):
        return _pattern("broad", leaders.head(0), judged, largest, direction)
    return _pattern("led", leaders.head(2), judged, largest, direction)


def _pattern(
    kind: str, leaders: pd.DataFrame, judged: pd.DataFrame, largest: float, direction: int
) -> MovePattern:
    moved = int((np.sign(judged["shrunk_contribution"]) == direction).sum())
    return MovePattern(
        kind,
        tuple(str(s) for s in leaders["child_slice"]),
        tuple(float(x) for x in leaders["explains"]),
        moved,
        len(judged),
        largest,
        direction,
    )


def _shared_move(children: pd.DataFrame) -> tuple[bool, int, int] | None:
    """(whether the children's cases favour a move shared by all of them over the move of the
    LEADERS (2) that moved most alone by BROAD_ODDS to 1, how many of them say they moved, how
    many have cases); None without supports (durations, counts) or with under
    BROAD_MIN_SLICES children with cases."""
    seen = children[(children["cases"] > 0) & children["support"].notna()]
    if len(seen) < BROAD_MIN_SLICES:
        return None
    support = seen["support"].astype(float).sort_values(ascending=False)
    # log L(all moved) - log L(only the leaders moved) = the sum of the others' supports.
    leaders = support.head(LEADERS).clip(lower=0.0)
    shared = float(support.sum() - leaders.sum()) >= np.log(BROAD_ODDS)
    return shared, int((support > 0).sum()), len(seen)


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
        pattern=None,
        min_cases=MIN_CASES,
    )
    return frame
