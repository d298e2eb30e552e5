"""The residuals' rolling autocorrelation: the vectorised sums against pandas' rolling corr."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from alerts.detection.autocorrelation import rolling_autocorrelation
from alerts.detection.detectors import PERSISTENCE_LAGS, RHO_MIN_PAIRS, DetectorParams, _persistence

WINDOW = 56


def _residuals(rows: int, seed: int = 0, wobble: float = 1e-3) -> np.ndarray:
    """Clipped z-like residuals with what the store has: gaps, constant and near-constant runs."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=(rows, 40))
    x = (np.cumsum(noise, axis=0) * 0.3 + noise).clip(-2.5, 2.5)  # some persistence
    x[rng.random(x.shape) < 0.15] = np.nan
    x[rows // 3 : rows // 2, 0:4] = np.nan  # a month missing
    x[rows // 4 : rows // 2, 4:8] = 2.5  # a run stuck at the clip
    x[rows // 5 : rows * 3 // 4, 8:12] = 0.0  # the value exactly as expected
    x[rows // 5 :, 12:14] = -0.7  # constant for good
    x[rows // 4 : rows // 2, 14:18] = 0.3 + wobble * rng.normal(size=(rows // 2 - rows // 4, 4))
    x[:, 18:20] = np.nan
    x[: rows // 2, 20:22] = np.nan  # a series that starts late
    return x


def _pandas(x: np.ndarray, lag: int) -> np.ndarray:
    frame = pd.DataFrame(x)
    roll = frame.rolling(WINDOW, min_periods=RHO_MIN_PAIRS)
    return roll.corr(frame.shift(lag)).to_numpy()


def _exact(x: np.ndarray, lag: int) -> np.ndarray:
    """Each window's pairs correlated on their own, NaN where a side is constant."""
    out = np.full(x.shape, np.nan)
    lagged = pd.DataFrame(x).shift(lag).to_numpy()
    for t in range(x.shape[0]):
        rows = slice(max(0, t - WINDOW + 1), t + 1)
        for j in range(x.shape[1]):
            a, b = x[rows, j], lagged[rows, j]
            both = ~np.isnan(a) & ~np.isnan(b)
            a, b = a[both], b[both]
            if both.sum() >= RHO_MIN_PAIRS and np.ptp(a) > 0 and np.ptp(b) > 0:
                out[t, j] = np.corrcoef(a, b)[0, 1]
    return out


@pytest.mark.parametrize("rows", [5, 20, 30, 56, 80, 400])
@pytest.mark.parametrize("lag", range(1, PERSISTENCE_LAGS + 1))
def test_matches_pandas_rolling_corr(rows: int, lag: int) -> None:
    x = _residuals(rows, seed=rows + lag)
    ours, theirs = rolling_autocorrelation(x, lag, WINDOW, RHO_MIN_PAIRS), _pandas(x, lag)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    # Not tighter: pandas' online sums are themselves off by up to 3e-9 in the windows of
    # variance 1e-6 (ours are within 2e-13 of the exact values: the test below).
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-8)
    if rows >= 80:
        assert np.isfinite(ours).sum() > x.size / 3  # not a comparison of NaNs


@pytest.mark.parametrize("lag", [1, 3])
def test_is_exact_where_the_sums_lose_digits(lag: int) -> None:
    # Variance 1e-12 in a stretch: pandas' online sums are off by 1e-3 there.
    x = _residuals(160, seed=lag, wobble=1e-6)[:, :24]
    ours = rolling_autocorrelation(x, lag, WINDOW, RHO_MIN_PAIRS)
    np.testing.assert_allclose(ours, _exact(x, lag), rtol=0, atol=1e-12)
    near_constant = ours[60:80, 14:18]
    assert np.isfinite(near_constant).all()  # tiny variance is still a correlation
    assert np.isnan(ours[100:120, 8:14]).all()  # constant windows are not


@pytest.mark.parametrize("rows", [10, 15, 16, 120])
def test_persistence_unchanged(rows: int) -> None:
    """rho and phi as the pandas formulation learned them, the long baseline's gap included."""
    rng = np.random.default_rng(rows)
    x = _residuals(rows, seed=rows) + rng.normal(size=(rows, 40))
    expected = pd.DataFrame(np.zeros(x.shape))
    trend = pd.DataFrame(np.where(rng.random(x.shape) < 0.3, np.nan, 0.0))
    sd = pd.DataFrame(np.full(x.shape, 1.0))
    # The level model's residuals equal the mixed ones here: the pandas formulation holds.
    base = SimpleNamespace(
        expected=expected,
        expected_long=expected,
        level_expected_long=expected,
        variance=sd**2,
        trend=trend,
        stock=trend.isna(),
        level_expected=expected,
        level_variance=sd**2,
    )
    p = DetectorParams()
    rho, phi = _persistence("count", pd.DataFrame(x), np.zeros(x.shape), base, sd, p)  # type: ignore[arg-type]

    z = pd.DataFrame(x).clip(-2.5, 2.5)
    roll = z.rolling(p.persistence_window, min_periods=RHO_MIN_PAIRS)
    acf = [
        roll.corr(z.shift(lag)).shift(1 + p.baseline.long_lag).to_numpy()
        for lag in range(1, PERSISTENCE_LAGS + 1)
    ]
    want_rho = np.clip(np.nan_to_num(acf[0]), 0.0, 0.8)
    later, earlier = sum(acf[1:]), sum(acf[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        decay = np.where(earlier > 0, later / earlier, 0.0)
    want_phi = np.clip(np.nan_to_num(decay), want_rho, 0.9)
    want_phi = np.where(trend.isna().to_numpy(), want_rho, want_phi)
    np.testing.assert_allclose(rho, want_rho, rtol=0, atol=1e-9)
    np.testing.assert_allclose(phi, want_phi, rtol=0, atol=1e-8)
