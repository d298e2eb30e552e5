"""The shift GLR (`alerts.detection.level_shift`): a sustained small-slice shift, caught in days.

Its exact tails are checked against scipy's binomial and Poisson, and the detector with it
against the detector without it on the slices it is for: a share tripling on ~130 cases a day
and a rate going from 0.5 to 5 events a day on ~4,800 listings, while the same slices without
the shift, and a big overdispersed slice, stay quiet.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm, poisson

from alerts.detection.detectors import DetectorParams
from alerts.detection.level_shift import exact_z
from alerts.detection.scoring import score_series

START = pd.Timestamp("2025-01-05")
NO_GLR = DetectorParams(shift_windows=0)


def _frame(num: np.ndarray, den: np.ndarray, scale: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.date_range(START, periods=len(num), freq="D").date,
            "value": num / den * scale,
            "numerator": num,
            "denominator": den,
        }
    )


def small_share(factor: float, seed: int, start: int = 200, od: float = 0.0) -> pd.DataFrame:
    """A share of ~0.03 on 100-160 cases a day; odds x `factor` from day `start` for 40 days."""
    rng = np.random.default_rng(seed)
    days = start + 40
    den = rng.integers(100, 161, size=days).astype(float)
    log_odds = np.log(0.03 / 0.97) + od * rng.normal(size=days)
    log_odds = log_odds + np.where(np.arange(days) >= start, np.log(factor), 0.0)
    num = rng.binomial(den.astype(np.int64), 1 / (1 + np.exp(-log_odds))).astype(float)
    return _frame(num, den)


def tiny_rate(after: float, seed: int, start: int = 200) -> pd.DataFrame:
    """~0.5 complaints a day on ~4,800 listings, `after` a day from day `start` for 30 days."""
    rng = np.random.default_rng(seed)
    days = start + 30
    den = rng.integers(4700, 4900, size=days).astype(float)
    lam = np.where(np.arange(days) >= start, after, 0.5)
    return _frame(rng.poisson(lam).astype(float), den, 10000.0)


def first_alert(df: pd.DataFrame, kind: str, params: DetectorParams | None, start: int) -> int:
    alerts = score_series(df, kind, "lower", params=params)["is_alert"].to_numpy()
    assert not alerts[:start].any()
    hits = np.flatnonzero(alerts[start:])
    return int(hits[0]) if hits.size else 99


def test_exact_tails_match_scipy_mid_p() -> None:
    k, n, p = np.array([0.0, 3.0, 12.0, 30.0]), np.array([50.0, 50.0, 60.0, 100.0]), 0.1
    mid_up = binom.sf(k, n, p) + 0.5 * binom.pmf(k, n, p)
    mid_down = binom.cdf(k, n, p) - 0.5 * binom.pmf(k, n, p)
    want = np.where(k >= n * p, norm.isf(mid_up), -norm.isf(mid_down))
    np.testing.assert_allclose(exact_z("share", k, n, n * p), want, rtol=1e-6)
    lam = np.array([2.0, 2.0, 0.5, 40.0])
    k = np.array([12.0, 0.0, 3.0, 25.0])
    mid_up = poisson.sf(k, lam) + 0.5 * poisson.pmf(k, lam)
    mid_down = poisson.cdf(k, lam) - 0.5 * poisson.pmf(k, lam)
    want = np.where(k >= lam, norm.isf(mid_up), -norm.isf(mid_down))
    np.testing.assert_allclose(exact_z("rate", k, np.full(4, 5000.0), lam), want, rtol=1e-6)
    # 12 complaints in four days against 2 expected: z 4.8, where the square-root days say 3.
    assert exact_z("rate", np.array([12.0]), np.array([2e4]), np.array([2.0]))[0] > 4.5


def caught_sooner(make: Callable[[int], pd.DataFrame], kind: str) -> list[int]:
    """First alert day after the start over five seeds, with the GLR; never later than
    without it and earlier in sum."""
    with_glr = [first_alert(make(seed), kind, None, 200) for seed in range(5)]
    without = [first_alert(make(seed), kind, NO_GLR, 200) for seed in range(5)]
    assert all(a <= b for a, b in zip(with_glr, without, strict=True)), (with_glr, without)
    assert sum(with_glr) < sum(without), (with_glr, without)
    return with_glr


def test_a_tripled_share_on_a_hundred_cases_a_day_is_caught_within_a_week() -> None:
    # 5, 5, 1, 4, 2 days against 7, 9, 1, 4, 4 without the GLR.
    assert max(caught_sooner(lambda seed: small_share(3.0, seed), "share")) <= 7


def test_a_rate_from_half_to_five_a_day_is_caught_within_five_days() -> None:
    assert max(caught_sooner(lambda seed: tiny_rate(5.0, seed), "rate")) <= 5


@pytest.mark.parametrize("seed", range(6))
def test_the_same_slices_without_a_shift_stay_quiet(seed: int) -> None:
    for df, kind in (
        (small_share(1.0, seed), "share"),
        (small_share(1.0, seed, od=0.3), "share"),
        (tiny_rate(0.5, seed), "rate"),
    ):
        assert not score_series(df, kind, "lower")["is_alert"].any(), (kind, seed)
