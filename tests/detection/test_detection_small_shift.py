"""Sustained shifts in small slices: no single day is extreme, the run of days is.

A share that triples on ~130 cases a day (a new certificate rule in one category) and a
repeat-offender share that more than doubles on 6-15 sellers a day stay below the point
test's |z| >= 4 on most days; the accumulators (EWMA and the shift CUSUM) must catch them
while the same series without the shift stays quiet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alerts.detection.detectors import DetectorParams
from alerts.detection.scoring import score_series

START = pd.Timestamp("2025-01-05")
# The CUSUM never moves and the shift GLR is off: the EWMA alone.
NO_CUSUM = DetectorParams(cusum_k=1e9, shift_windows=0)


def small_share(
    level: float, factor: float, n: tuple[int, int], start: int, seed: int, od: float = 0.0
) -> pd.DataFrame:
    """A binomial share on n[0]..n[1] cases a day, log-odds noise `od` (overdispersion);
    odds x `factor` from day `start` on, for 60 days."""
    rng = np.random.default_rng(seed)
    days = start + 60
    den = rng.integers(n[0], n[1] + 1, size=days).astype(float)
    log_odds = (
        np.log(level / (1 - level))
        + od * rng.normal(size=days)
        + np.where(np.arange(days) >= start, np.log(factor), 0.0)
    )
    num = rng.binomial(den.astype(np.int64), 1 / (1 + np.exp(-log_odds))).astype(float)
    return pd.DataFrame(
        {
            "date": pd.date_range(START, periods=days, freq="D").date,
            "value": num / den,
            "numerator": num,
            "denominator": den,
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_tripled_share_on_a_hundred_cases_a_day_is_caught_within_three_weeks(seed) -> None:
    df = small_share(0.03, 3.0, (100, 160), 200, seed)
    out = score_series(df, "share", "lower")
    alerts = out["is_alert"].to_numpy()
    assert not alerts[:200].any()
    assert alerts[200:221].any()


def test_the_cusum_catches_an_overdispersed_shift_the_ewma_alone_can_miss() -> None:
    # Odds x 2.5 on 100-160 cases a day with day-to-day noise: most days 1-3 sd.
    first: dict[str, list[int | None]] = {"with": [], "without": []}
    for seed in range(5):
        df = small_share(0.03, 2.5, (100, 160), 200, seed, od=0.3)
        for name, params in (("with", None), ("without", NO_CUSUM)):
            alerts = score_series(df, "share", "lower", params=params)["is_alert"].to_numpy()
            assert not alerts[:200].any(), seed
            hits = np.flatnonzero(alerts[200:230])
            first[name].append(int(hits[0]) if hits.size else None)
    assert None not in first["with"]  # every shift caught within 30 days
    assert None in first["without"]  # ...which the EWMA alone does not manage


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_ring_doubling_a_share_on_a_dozen_sellers_a_day_is_caught(seed) -> None:
    # ~0.29 -> ~0.69 (odds x 5.5) on 6-15 sellers a day, for 15 days.
    df = small_share(0.29, 5.5, (6, 15), 200, seed).iloc[:215]
    out = score_series(df, "share", "lower")
    alerts = out["is_alert"].to_numpy()
    assert not alerts[:200].any()
    assert alerts[200:215].any()


@pytest.mark.parametrize("seed", range(6))
def test_small_slices_without_a_shift_stay_quiet(seed) -> None:
    for level, n in ((0.03, (100, 160)), (0.29, (6, 15))):
        df = small_share(level, 1.0, n, 200, seed)
        assert not score_series(df, "share", "lower")["is_alert"].any(), (level, seed)
