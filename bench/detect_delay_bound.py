"""An oracle lower bound on the detection delay of each labelled incident of the sample suite.

For each labelled incident the oracle knows the day it starts and the series' true
pre-incident rate (estimated from the 56 days before the start, which for a store of this size
is close to knowing it), assumes the day-to-day variation is pure sampling noise, and pools
every day from the start: on day d >= start it tests the totals of days start..d against the
pre-incident rate, one-sided in the labelled direction, with an exact test:

- share: binomial, K = sum of numerators out of N = sum of denominators, p0 = the prior
  days' sum k / sum n;
- rate: Poisson, K = sum of events, mean = lambda0 * sum of exposure, lambda0 = the prior
  days' events per unit of exposure;
- count: Poisson, K = sum of the values, mean = the prior days' mean value x pooled days;
- duration: not bounded (a day's value is a mean of skewed case durations, with no exact
  sampling model here).

The p-value is the mid-p (P(X > K) + 0.5 P(X = K) for "up", P(X < K) + 0.5 P(X = K) for
"down"): the plain exact P(X >= K) is conservative for discrete counts and would overstate
the bound (0.3 -> 0.75 on 10 cases a day, 8, 7, ... flagged: day 1 with mid-p, day 2 with the
plain exact test).
The p-value is turned into a normal-equivalent z = Phi^-1(1 - p); the bound is the first d
with z >= threshold, in days after the start, or None when that never happens by the end of
its label window + SLACK_DAYS (or the series has no data in the 56 prior days). The incidents
and their label windows are read from incidents.json as the sample suite reads them
(`read_ground_truth`): a shift is bounded over its first days, not the months it lasts.

Why it is a lower bound for any causal detector alarming at |z| >= threshold on a series-day:
such a detector does not know when the incident starts (so it cannot pool exactly the incident
days and nothing else), does not know the pre-incident rate (it estimates it with error),
must allow for overdispersion (real counts and shares vary more than binomial or Poisson
noise, so its band is wider), and tests every day (many looks, so it needs more evidence per
look than one pooled test). Each of these only delays it. The bound can still be beaten by
luck on one incident; over several incidents its median is what the data allow at best.
Counts are the weakest case: their real overdispersion is large, so the bound there is loose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.stats import binom, norm, poisson

from alerts.detection.false_alarm_control import DEFAULT_THRESHOLD
from bench.detect_sample_suite import read_ground_truth
from bench.detect_scoring import SLACK_DAYS

PRIOR_DAYS = 56
BOUNDED_KINDS = ("share", "rate", "count")


@dataclass(frozen=True)
class DelayBound:
    """The oracle bound of one labelled incident; kind is the metric's kind."""

    series_id: str
    start: date
    bound_days: int | None
    kind: str


def _mid_p(kind: str, k: int, n: float, base: float, direction: str) -> float:
    """One-sided mid-p of k events against the null (binomial n, p=base; Poisson mean base*n)."""
    dist = binom(int(n), base) if kind == "share" else poisson(base * n)
    if direction == "up":
        return float(dist.sf(k) + 0.5 * dist.pmf(k))
    return float(dist.cdf(k - 1) + 0.5 * dist.pmf(k))


def first_significant_day(
    kind: str,
    numerators: Sequence[float],
    denominators: Sequence[float],
    base: float,
    direction: str,
    threshold: float = DEFAULT_THRESHOLD,
) -> int | None:
    """Index of the first day whose pooled days 0..i reach z >= threshold, else None.

    Day i of the arrays is day i of the incident. share: numerators are cases flagged,
    denominators cases, base the pre-incident share. rate: events, exposure, base the events
    per unit of exposure. count: the day's count, 1 (0 for a day not observed), base the
    pre-incident mean per day. A day with denominator 0 adds nothing.
    """
    if kind not in BOUNDED_KINDS:
        raise ValueError(f"no exact sampling model for kind {kind!r}")
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    if len(numerators) != len(denominators):
        raise ValueError("numerators and denominators differ in length")
    # Counts are whole: rounding guards against float storage (7.0000001).
    ks = np.cumsum(np.rint(np.asarray(numerators, dtype=float)))
    ns = np.cumsum(np.asarray(denominators, dtype=float))
    if kind == "share":
        ns = np.rint(ns)
    for i, (k, n) in enumerate(zip(ks, ns, strict=True)):
        if n <= 0:
            continue
        z = norm.isf(_mid_p(kind, int(k), float(n), base, direction))
        if z >= threshold:
            return i
    return None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _pre_incident_base(
    kind: str, rows: list[tuple[date, float | None, float | None, float | None]]
) -> float | None:
    """The prior days' share, rate per unit exposure or mean count; None without data."""
    if kind == "count":
        values = [v for _, v, _, _ in rows if v is not None]
        return float(np.mean(values)) if values else None
    used = [(k, n) for _, _, k, n in rows if k is not None and n is not None and n > 0]
    total = sum(n for _, n in used)
    return sum(k for k, _ in used) / total if total > 0 else None


def _incident_arrays(
    kind: str,
    rows: list[tuple[date, float | None, float | None, float | None]],
    days: list[date],
) -> tuple[list[float], list[float]]:
    """Numerators and denominators per calendar day; an unobserved day is 0 of 0."""
    by_day = {d: (v, k, n) for d, v, k, n in rows}
    nums, dens = [], []
    for day in days:
        v, k, n = by_day.get(day, (None, None, None))
        if kind == "count":
            nums.append(v if v is not None else 0.0)
            dens.append(1.0 if v is not None else 0.0)
        elif k is not None and n is not None and n > 0:
            nums.append(k)
            dens.append(n)
        else:
            nums.append(0.0)
            dens.append(0.0)
    return nums, dens


def delay_bounds(
    store_path: str | Path, incidents_path: str | Path, threshold: float = DEFAULT_THRESHOLD
) -> list[DelayBound]:
    """The oracle bound of every labelled incident in incidents.json, in its order."""
    from metrics.catalogue import load_catalogue
    from metrics.metric_store import MetricStore

    catalogue = load_catalogue()
    labelled, _ = read_ground_truth(incidents_path)
    bounds = []
    with MetricStore(store_path).read() as con:
        for label in labelled:
            kind = catalogue.metrics[label.metric].kind
            start = label.window.start.date()
            end = label.window.end.date() + timedelta(days=SLACK_DAYS)
            bound = None
            if kind in BOUNDED_KINDS:
                rows = con.execute(
                    "SELECT date, value, numerator, denominator FROM series"
                    " WHERE metric_id = ? AND slice = ? AND date BETWEEN ? AND ?"
                    " ORDER BY date",
                    [label.metric, label.slice, start - timedelta(days=PRIOR_DAYS), end],
                ).fetchall()
                prior = [r for r in rows if r[0] < start]
                base = _pre_incident_base(kind, prior)
                if base is not None:
                    nums, dens = _incident_arrays(kind, rows, _days(start, end))
                    bound = first_significant_day(
                        kind, nums, dens, base, label.direction, threshold
                    )
            bounds.append(DelayBound(label.window.series_id, start, bound, kind))
    return bounds


def format_bounds(bounds: Sequence[DelayBound], threshold: float = DEFAULT_THRESHOLD) -> list[str]:
    """One printable line: each incident's bound, then their median over the bounded ones."""
    parts = []
    for b in bounds:
        if b.kind not in BOUNDED_KINDS:
            parts.append(f"{b.series_id} not bounded ({b.kind})")
        elif b.bound_days is None:
            parts.append(f"{b.series_id} not reached by end + {SLACK_DAYS} d")
        else:
            parts.append(f"{b.series_id} {b.bound_days} d")
    found = [b.bound_days for b in bounds if b.bound_days is not None]
    median = f"median {float(np.median(found)):.1f} d" if found else "median -"
    return [
        "    oracle bound (pure sampling noise, start known, pooled exact test at "
        f"|z| >= {threshold:g}): "
        + ", ".join(parts)
        + f"; {median} over the {len(found)} bounded incidents"
    ]
