"""A level learned at one volume, read at another: the working scale's small-volume bias.

The working scales of `alerts.detection.scales` stabilise the variance, but their mean
depends on the volume when events are few: a share of 0.05 averages like 0.090 on the
arcsine scale over days of 6 cases, like 0.060 over days of 18 and 0.052 over days of 60
(0.26 averages like 0.271, 0.263, 0.261), and the square root of a rate behaves the same way.
A level learned on a small slice's usual 6 cases a day, read at face value, expected 1.8
times the events on a day of 60 -- the day a ring of new sellers or a batch of listings
makes the slice testable -- so an increase had to be far larger to be seen, and a decrease
looked larger than it was. So a level is turned back into the true share or rate through the
transform's exact expectation at the volume it was learned on (`reference_volume`), and
from there into the expectation at the day's own volume.

- share: E[asin sqrt((X + 3/8) / (n + 3/4))], X ~ Binomial(n, p), tabulated for n up to
  `_TABLE_MAX`; above it the rarer side is close to Poisson and uses the rate's expectation.
- rate: E[sqrt((X + 3/8) / n)] = G(r n) / sqrt(n), X ~ Poisson(r n), G(lam) = E sqrt(X + 3/8).
Other kinds, and days without a volume, are returned unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
from scipy.special import gammaln, xlog1py, xlogy
from scipy.stats import poisson

from alerts.detection.arrays import BoolArray, FloatArray, IntArray
from alerts.detection.scales import from_working_scale

# Volumes up to here are tabulated exactly; beyond, a share's rarer side counts as Poisson.
_TABLE_MAX = 300
# Shares on an arcsine grid (dense where the transform is steep, near 0 and 1).
_THETA = np.linspace(0.0, np.pi / 2, 721)
_P = np.sin(_THETA) ** 2
# Lifts table row n above row n - 1 (every mean lies in 0..pi/2).
_ROW_LIFT = 2.0

# G(lam) = E[sqrt(X + 3/8)] for X ~ Poisson(lam); beyond the grid G(lam)^2 ~ lam.
_LAM = np.concatenate([[0.0], np.geomspace(1e-3, 400.0, 400)])
_SUPPORT = np.arange(0, 900)
_G = np.array([np.sum(poisson.pmf(_SUPPORT, lam) * np.sqrt(_SUPPORT + 0.375)) for lam in _LAM])


def poisson_root_mean(lam: FloatArray) -> FloatArray:
    """G(lam) = E[sqrt(X + 3/8)], X ~ Poisson(lam)."""
    lam = np.asarray(lam, dtype=float)
    return np.where(lam > _LAM[-1], np.sqrt(np.maximum(lam, 0.0)), np.interp(lam, _LAM, _G))


def poisson_root_inverse(u: FloatArray) -> FloatArray:
    """The lam whose G(lam) is u (0 below G(0))."""
    u = np.asarray(u, dtype=float)
    return np.where(u > _G[-1], u**2, np.interp(u, _G, _LAM))


@cache
def _share_tables() -> FloatArray:
    """Row n (1..`_TABLE_MAX`): E of the Anscombe arcsine of k of n cases for each share of
    `_P`; row 0 unused. Binomial probabilities from log-gamma: scipy's pmf per row is ten
    times slower, and the tables are built once per process."""
    tables = np.full((_TABLE_MAX + 1, _P.size), np.nan)
    for n in range(1, _TABLE_MAX + 1):
        k = np.arange(n + 1)
        log_choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
        log_pmf = log_choose + xlogy(k, _P[:, None]) + xlog1py(n - k, -_P[:, None])
        tables[n] = np.exp(log_pmf) @ np.arcsin(np.sqrt((k + 0.375) / (n + 0.75)))
    return tables


@cache
def _stacked_tables() -> FloatArray:
    """The rows of `_share_tables` one after the other, row n lifted by n * `_ROW_LIFT`: one
    increasing array, so a single searchsorted finds every (volume, mean) pair's place."""
    rows = np.arange(1, _TABLE_MAX + 1)[:, None]
    return (_share_tables()[1:] + _ROW_LIFT * rows).ravel()


def _share_mean_small(p: FloatArray, n: IntArray) -> FloatArray:
    """E of the arcsine at whole volumes n (1..`_TABLE_MAX`), interpolated in the share."""
    tables = _share_tables()
    j = np.clip(np.searchsorted(_P, p), 1, _P.size - 1)
    w = np.clip((p - _P[j - 1]) / (_P[j] - _P[j - 1]), 0.0, 1.0)
    # numpy types fancy indexing with a tuple of arrays as Any; the result is a float array.
    mean: FloatArray = tables[n, j - 1] * (1.0 - w) + tables[n, j] * w
    return mean


def _share_from_mean_small(y: FloatArray, n: IntArray) -> FloatArray:
    """The share whose arcsine mean at whole volume n (1..`_TABLE_MAX`) is y; 0 or 1 beyond."""
    tables = _share_tables()
    at = np.searchsorted(_stacked_tables(), y + _ROW_LIFT * n) - (n - 1) * _P.size
    j = np.clip(at, 1, _P.size - 1)
    # numpy types fancy indexing with a tuple of arrays as Any; these are float arrays.
    low: FloatArray = tables[n, j - 1]
    high: FloatArray = tables[n, j]
    w = np.clip((y - low) / (high - low), 0.0, 1.0)
    share: FloatArray = _P[j - 1] + w * (_P[j] - _P[j - 1])
    return share


def _share_mean_large(p: FloatArray, n: FloatArray) -> FloatArray:
    """E of the arcsine for large n: the rarer side as Poisson, by symmetry for p > 1/2."""
    rare = np.minimum(p, 1.0 - p)
    s = np.clip(poisson_root_mean(rare * n) / np.sqrt(n + 0.75), 0.0, 1.0)
    mean = np.arcsin(s)
    return np.where(p > 0.5, np.pi / 2 - mean, mean)


def _share_from_mean_large(y: FloatArray, n: FloatArray) -> FloatArray:
    folded = np.minimum(y, np.pi / 2 - y)
    rare = poisson_root_inverse(np.sin(np.clip(folded, 0.0, np.pi / 2)) * np.sqrt(n + 0.75)) / n
    rare = np.clip(rare, 0.0, 0.5)
    return np.where(y > np.pi / 4, 1.0 - rare, rare)


def _by_volume(
    n: FloatArray,
    x: FloatArray,
    small: Callable[[FloatArray, IntArray], FloatArray],
    large: Callable[[FloatArray, FloatArray], FloatArray],
) -> FloatArray:
    """small(x, whole n) where the volume is tabulated, large(x, n) above the table."""
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(n) & np.isfinite(x) & (n >= 1)
    whole = np.where(ok, np.rint(n), 0).astype(int)
    big = ok & (whole > _TABLE_MAX)
    out[big] = large(x[big], n[big])
    few = ok & ~big
    out[few] = small(x[few], whole[few])
    return out


def true_rate(kind: str, y: FloatArray, volume: FloatArray) -> FloatArray:
    """The share (or events per unit of exposure) whose working-scale mean at `volume` is y."""
    y, volume = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(volume, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "share":
            return _by_volume(
                volume,
                np.clip(y, 0.0, np.pi / 2),
                _share_from_mean_small,
                _share_from_mean_large,
            )
        if kind == "rate":
            return poisson_root_inverse(np.sqrt(volume) * np.maximum(y, 0.0)) / volume
    raise ValueError(f"only shares and rates have a sampling model, not {kind!r}")


def working_mean(kind: str, rate: FloatArray, volume: FloatArray) -> FloatArray:
    """The working-scale mean of a day of `volume` whose true share or rate is `rate`."""
    rate, volume = np.broadcast_arrays(
        np.asarray(rate, dtype=float), np.asarray(volume, dtype=float)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "share":
            return _by_volume(
                volume,
                np.clip(rate, 0.0, 1.0),
                _share_mean_small,
                _share_mean_large,
            )
        if kind == "rate":
            return poisson_root_mean(np.maximum(rate, 0.0) * volume) / np.sqrt(volume)
    raise ValueError(f"only shares and rates have a sampling model, not {kind!r}")


def at_volume(kind: str, y: FloatArray, learned_at: FloatArray, volume: FloatArray) -> FloatArray:
    """A working-scale level learned at volume `learned_at`, as it reads at `volume`.

    Unchanged for other kinds and wherever either volume is unknown.
    """
    if kind not in ("share", "rate"):
        return y
    moved = working_mean(kind, true_rate(kind, y, learned_at), volume)
    return np.where(np.isnan(moved), y, moved)


def expected_value(
    kind: str, level: FloatArray, learned_at: FloatArray, denominator: FloatArray, scale: FloatArray
) -> FloatArray:
    """The indicator value a working-scale level stands for, in the indicator's unit.

    For shares and rates with a learned volume, the true share or rate (the transform's
    plain inverse of a mean of small-volume days reads high: 0.055 for a share of 0.05 on 6
    cases a day); otherwise the plain inverse at the day's denominator.
    """
    plain = from_working_scale(kind, level, denominator, scale)
    if kind not in ("share", "rate"):
        return plain
    rate = true_rate(kind, level, learned_at) * scale
    return np.where(np.isnan(rate), plain, rate)


def reference_volume(volume: FloatArray, observed: BoolArray, window: int) -> FloatArray:
    """The volume a level of the last `window` days (before today) was learned at.

    The transform's bias falls roughly as 1/n, so the harmonic mean of the observed days'
    volumes gives a mean of their biases. Rows are days.
    """
    with np.errstate(divide="ignore"):
        inverse = np.where(observed & (volume > 0), 1.0 / volume, np.nan)
    mean_inverse = pd.DataFrame(inverse).rolling(window, min_periods=1).mean().shift(1)
    return 1.0 / mean_inverse.to_numpy()
