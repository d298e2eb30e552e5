"""The oracle detection-delay bound: the pooled exact test, and its run on a tiny real store."""

from __future__ import annotations

import json
from datetime import date, timedelta
from math import comb
from pathlib import Path

import pytest
from scipy.stats import norm

from bench.detect_delay_bound import (
    DelayBound,
    delay_bounds,
    first_significant_day,
    format_bounds,
)
from metrics.metric_store import MetricStore


def _binomial_mid_p_up(k: int, n: int, p: float) -> float:
    """P(X > k) + 0.5 P(X = k), X ~ Binomial(n, p), summed term by term (no scipy)."""
    pmf = [comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)]
    return sum(pmf[k + 1 :]) + 0.5 * pmf[k]


def test_small_share_shift_needs_pooled_days() -> None:
    # 0.3 -> 0.75 on 10 cases a day, 8, 7, 8, 7 flagged. By hand, X ~ Bin(N, 0.3):
    #   day 0: K=8,  N=10: P(X=8) = 45 * 0.3^8 * 0.7^2 = 1.447e-3, P(X>8) = 1.437e-4,
    #          mid-p = 8.67e-4 -> z = 3.13 < 4;
    #   day 1: K=15, N=20: mid-p = 2.42e-5 -> z = 4.06 >= 4  => bound 1 day.
    # (The plain exact P(X >= 15) = 4.3e-5 -> z = 3.93 would say day 2: mid-p is less
    # conservative, as a lower bound should be.)
    z0 = norm.isf(_binomial_mid_p_up(8, 10, 0.3))
    z1 = norm.isf(_binomial_mid_p_up(15, 20, 0.3))
    assert z0 == pytest.approx(3.132, abs=1e-3)
    assert z1 == pytest.approx(4.063, abs=1e-3)
    nums, dens = [8, 7, 8, 7], [10] * 4
    assert first_significant_day("share", nums[:1], dens[:1], 0.3, "up") is None
    assert first_significant_day("share", nums, dens, 0.3, "up") == 1
    # At a stricter threshold it takes a day more (day 2: K=23 of 30, z = 5.20).
    assert first_significant_day("share", nums, dens, 0.3, "up", threshold=5.0) == 2


def test_the_small_slice_of_nine_cases_a_day_takes_two_days() -> None:
    # 0.30 -> 0.7 on 9 cases a day (6, 6, 7 flagged): z = 2.18, 3.14, 4.26 on days 0..2.
    assert first_significant_day("share", [6, 6, 7, 6], [9] * 4, 0.3, "up") == 2


def test_huge_shift_on_large_n_is_caught_on_day_zero() -> None:
    assert first_significant_day("share", [600], [1000], 0.3, "up") == 0
    # rate: 60 events on 1e5 exposure against 2e-4 per unit (mean 20): z > 6.
    assert first_significant_day("rate", [60, 55], [1e5, 1e5], 2e-4, "up") == 0


def test_no_shift_never_reaches_the_threshold() -> None:
    nums, dens = [30] * 20, [100] * 20
    assert first_significant_day("share", nums, dens, 0.3, "up") is None
    assert first_significant_day("share", nums, dens, 0.3, "down") is None
    assert first_significant_day("count", [50] * 20, [1] * 20, 50.0, "up") is None


def test_down_direction() -> None:
    # Mirror of the first test: 0.7 -> 0.25 is the same test on the complement share.
    nums, dens = [2, 3, 2, 3], [10] * 4
    assert first_significant_day("share", nums, dens, 0.7, "down") == 1
    assert first_significant_day("share", nums, dens, 0.7, "up") is None
    # A day with no complaints against a mean of 75 (a missing export): z well above 4.
    assert first_significant_day("rate", [0], [75_000], 1e-3, "down") == 0


def test_unobserved_days_add_nothing_and_durations_are_refused() -> None:
    assert first_significant_day("share", [0, 600], [0, 1000], 0.3, "up") == 1
    with pytest.raises(ValueError, match="duration"):
        first_significant_day("duration", [1], [1], 1.0, "up")


def _store_with_incidents(tmp_path: Path) -> tuple[Path, Path]:
    """70 days of a share (0.3 of 10, then 8 of 10 from day 60) and of a duration."""
    store_path = tmp_path / "store.duckdb"
    first, start = date(2026, 1, 1), date(2026, 3, 2)
    rows = []
    for i in range(70):
        day = first + timedelta(days=i)
        k = 8 if day >= start else 3
        rows.append(("missing_qualification_rate", "category_l1=cosmetics", day, k / 10, k, 10))
        rows.append(("time_to_decision", "market=FR", day, 2.0, 20.0, 10))
    with MetricStore(store_path).write() as con:
        con.executemany(
            "INSERT INTO series (metric_id, slice, date, value, numerator, denominator)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    end = (start + timedelta(days=5)).isoformat()
    labels = [
        {
            "id": f"{kind}-{start.isoformat()}",
            "kind": kind,
            "metric": metric,
            "slice": slice_,
            "start": start.isoformat(),
            "end": end,
            "direction": "up",
            "description": "",
            "shape": "spike",
            "incident_start": start.isoformat(),
            "incident_end": end,
            "effects": [{"metric": metric, "slices": [slice_], "aftermath_days": 0}],
        }
        for kind, metric, slice_ in (
            ("certificate_rule_change", "missing_qualification_rate", "category_l1=cosmetics"),
            ("review_backlog", "time_to_decision", "market=FR"),
        )
    ]
    incidents_path = tmp_path / "incidents.json"
    incidents_path.write_text(json.dumps(labels))
    return store_path, incidents_path


def test_delay_bounds_on_a_real_store(tmp_path: Path) -> None:
    store_path, incidents_path = _store_with_incidents(tmp_path)
    bounds = delay_bounds(store_path, incidents_path)
    start = date(2026, 3, 2)
    # p0 = 3/10 from the 56 prior days; 8, 8 of 10 -> K=16 of 20: z > 4 on day 1 (see above).
    assert bounds == [
        DelayBound("missing_qualification_rate/category_l1=cosmetics", start, 1, "share"),
        DelayBound("time_to_decision/market=FR", start, None, "duration"),
    ]
    (line,) = format_bounds(bounds)
    assert line == (
        "    oracle bound (pure sampling noise, start known, pooled exact test at |z| >= 4): "
        "missing_qualification_rate/category_l1=cosmetics 1 d, "
        "time_to_decision/market=FR not bounded (duration); "
        "median 1.0 d over the 1 bounded incidents"
    )


def test_format_bounds_says_when_the_threshold_is_never_reached() -> None:
    bounds = [
        DelayBound("a/all", date(2026, 1, 1), None, "rate"),
        DelayBound("b/all", date(2026, 1, 1), 2, "count"),
        DelayBound("c/all", date(2026, 1, 1), 0, "share"),
    ]
    (line,) = format_bounds(bounds)
    assert line.endswith(
        "a/all not reached by end + 2 d, b/all 2 d, c/all 0 d; median 1.0 d over the 2 bounded "
        "incidents"
    )
