"""Working scales: each indicator kind is mapped to a scale where its sampling noise is known.

The detector tests every kind the same way -- a standardised residual on a transformed scale --
so each kind needs a variance-stabilising transform `y`, the known sampling variance `v` of `y`
on a day (which depends on that day's volume) and the way back to the indicator's unit:

- share (k of n, binomial): Anscombe arcsine, y = asin(sqrt((k + 3/8) / (n + 3/4))),
  v = 1 / (4 (n + 1/2)).
- rate (k events per exposure n, Poisson): y = sqrt((k + 3/8) / n), v = 1 / (4 n).
- count (Poisson-like): y = sqrt(k + 3/8), v = 1/4.
- duration (median hours of n cases): y = log(median). The median of n log-normal cases has
  variance (pi/2) sigma^2 / n. sigma is the series' own, learned from the p90 and median of
  the days before (log p90 - log p50 = 1.2816 sigma, corrected for the small-sample
  shrinkage of both quantiles; see `pooled_log_sigma`); without a p90, v = 0 and the
  day-to-day spread is learned from history alone. What the case count does not explain
  (channel mix, weekday, backlogs, heavy tails) is learned as overdispersion, as for rates.

Because v shrinks when the volume grows, a festival day with three times the listings and the
same rate is held to a tighter sampling band but the same value -- no alert -- and a
1-in-20 day in a small category carries a wide band. Overdispersion (real day-to-day variation
of the true rate, which a binomial or Poisson test alone would call significant every day on
huge denominators) is *not* modelled here: it is learned per series by `baselines` as
an additive variance on top of v (the random-effects form of Spiegelhalter's funnel plots).
When numerator or denominator are missing the value itself is transformed and v = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from alerts.detection.arrays import FloatArray

KINDS = ("share", "rate", "count", "duration")

# log p90 - log p50 of a log-normal, in units of its sigma: norm.ppf(0.9).
_Z90 = 1.2815515655446004
_MEDIAN_VARIANCE_FACTOR = np.pi / 2
# Days of p90 / median pairs pooled into a duration series' spread (as the baseline's scale).
SIGMA_WINDOW = 56
_GAP_MAX_CASES = 500.0


@dataclass
class WorkingScale:
    """Transformed values, their known sampling variance and the day's event counts."""

    y: FloatArray
    v: FloatArray
    # Counts on both sides of a share (events, non-events) or events of a rate/count, for the
    # minimum-volume guard; NaN when unknown.
    events: FloatArray
    volume: FloatArray


def to_working_scale(
    kind: str,
    value: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray,
    scale: FloatArray,
    p90: FloatArray | None = None,
) -> WorkingScale:
    """Transforms arrays of one kind (broadcast together) to the working scale.

    Any shape, except that a duration's spread is learned down the rows: rows are days.
    """
    value = np.asarray(value, dtype=float)
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    scale = np.broadcast_to(np.asarray(scale, dtype=float), value.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.where(den > 0, den, np.nan)
        # The numerator can be rebuilt from value and denominator (value = k / n * scale).
        num = np.where(np.isnan(num) & ~np.isnan(den), value * den / scale, num)
        if kind == "share":
            frac_raw = np.clip(value / scale, 0.0, 1.0)
            frac = np.clip((num + 0.375) / (den + 0.75), 0.0, 1.0)
            y = np.where(np.isnan(den), np.arcsin(np.sqrt(frac_raw)), np.arcsin(np.sqrt(frac)))
            v = np.where(np.isnan(den), 0.0, 1.0 / (4.0 * (den + 0.5)))
        elif kind == "rate":
            raw = np.maximum(value / scale, 0.0)
            y = np.where(np.isnan(den), np.sqrt(raw), np.sqrt((np.maximum(num, 0) + 0.375) / den))
            v = np.where(np.isnan(den), 0.0, 1.0 / (4.0 * den))
        elif kind == "count":
            y = np.sqrt(np.maximum(value, 0.0) + 0.375)
            v = np.full(value.shape, 0.25)
            num = value
        elif kind == "duration":
            y = np.log(np.maximum(value, 1e-3))
            if p90 is None:
                v = np.zeros(value.shape)
            else:
                sigma = pooled_log_sigma(value, np.asarray(p90, dtype=float), den)
                v = np.where(np.isnan(den) | np.isnan(sigma), 0.0, median_variance(sigma, den))
        else:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    y = np.where(np.isnan(value), np.nan, y)
    return WorkingScale(y=y, v=np.where(np.isnan(y), np.nan, v), events=num, volume=den)


def sample_quantile_gap(n: FloatArray) -> FloatArray:
    """E[q90 - q50] of n standard normal cases, with DuckDB's `quantile_cont` (type 7).

    Blom's scores Phi^-1((i - 3/8) / (n + 1/4)) approximate the expected order statistics;
    the interpolated quantiles of a small sample sit much closer together than the
    population's (0.37 z90 for two cases, 0.82 z90 for ten), so a sigma read from one day's
    p90 and median without this correction is far too small on small slices.
    """
    # Beyond a few hundred cases the shrinkage is under 0.5 %: sizes are capped there.
    n = np.minimum(np.asarray(n, dtype=float), _GAP_MAX_CASES)
    out = np.full(n.shape, np.nan)
    for size in np.unique(n[np.isfinite(n) & (n >= 2)]):
        size_i = int(size)
        scores = norm.ppf((np.arange(1, size_i + 1) - 0.375) / (size_i + 0.25))
        positions = np.arange(size_i) / (size_i - 1)
        gap = np.interp(0.9, positions, scores) - np.interp(0.5, positions, scores)
        out[n == size] = gap
    return out


def pooled_log_sigma(value: FloatArray, p90: FloatArray, cases: FloatArray) -> FloatArray:
    """Spread (sigma of log hours) of a duration series' cases, learned from past days.

    Rows are days (a 1-D array is one series). Each day gives sigma = (log p90 - log p50)
    / E[q90 - q50 | n]; the estimate used on a day is the case-weighted mean over the
    `SIGMA_WINDOW` days before it (that day's own until there are none): a mean, because
    the corrected gap is unbiased while its median on small days is not. Never today's
    own: on a small slice a high median pulls towards the p90, so today's gap shrinks
    exactly when the median rises -- a band that narrows on the days it must not.
    """
    value = np.asarray(value, dtype=float)
    flat = value.ndim == 1
    p90 = np.broadcast_to(np.asarray(p90, dtype=float), value.shape)
    cases = np.broadcast_to(np.asarray(cases, dtype=float), value.shape)
    if flat:
        value, p90, cases = (a.reshape(-1, 1) for a in (value, p90, cases))
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.log(np.maximum(p90, 1e-3)) - np.log(np.maximum(value, 1e-3))
        day = np.clip(gap / sample_quantile_gap(cases), 0.05, 3.0)
        weight = np.where(np.isnan(day), 0.0, cases)
        frame = pd.DataFrame(np.where(weight > 0, day * weight, 0.0))
        total = frame.rolling(SIGMA_WINDOW, min_periods=1).sum().shift(1).to_numpy()
        weights = (
            pd.DataFrame(weight).rolling(SIGMA_WINDOW, min_periods=1).sum().shift(1).to_numpy()
        )
        pooled = np.where(weights > 0, total / weights, day)
    return pooled.reshape(-1) if flat else pooled


def median_variance(sigma: FloatArray, cases: FloatArray) -> FloatArray:
    """Sampling variance of the log median of n cases with log-sd sigma: (pi/2) sigma^2 / n."""
    return _MEDIAN_VARIANCE_FACTOR * np.asarray(sigma) ** 2 / np.asarray(cases)


def from_working_scale(
    kind: str, y: FloatArray, denominator: FloatArray, scale: FloatArray
) -> FloatArray:
    """The indicator value (in its own unit) whose working-scale value is y on that day."""
    y = np.asarray(y, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.where(den > 0, den, np.nan)
        if kind == "share":
            s2 = np.sin(np.clip(y, 0.0, np.pi / 2)) ** 2
            exact = (s2 * (den + 0.75) - 0.375) / den
            frac = np.where(np.isnan(den), s2, exact)
            return np.clip(frac, 0.0, 1.0) * scale
        if kind == "rate":
            sq = np.maximum(y, 0.0) ** 2
            rate = np.where(np.isnan(den), sq, sq - 0.375 / den)
            return np.maximum(rate, 0.0) * scale
        if kind == "count":
            return np.maximum(np.maximum(y, 0.0) ** 2 - 0.375, 0.0)
        if kind == "duration":
            return np.exp(y)
    raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")


def expected_events(kind: str, y_expected: FloatArray, volume: FloatArray) -> FloatArray:
    """Events the baseline expects on a day (shares and rates), for the volume guard."""
    with np.errstate(invalid="ignore"):
        if kind == "share":
            return np.sin(np.clip(y_expected, 0.0, np.pi / 2)) ** 2 * volume
        if kind == "rate":
            return np.maximum(y_expected, 0.0) ** 2 * volume
        if kind == "count":
            return np.maximum(np.maximum(y_expected, 0.0) ** 2 - 0.375, 0.0)
    return np.full(np.shape(y_expected), np.nan)


def overdispersion_unit(kind: str, y: FloatArray) -> FloatArray:
    """Working-scale change per unit of relative (log / log-odds) change of the true rate.

    Day-to-day variation of a true rate is multiplicative: 10 % on a busy day and on a quiet
    one, in January and after a year of growth. Dividing residuals by this unit before learning
    the extra variance keeps that estimate valid when the level moves (trend, level shift).
    """
    y = np.asarray(y, dtype=float)
    with np.errstate(invalid="ignore"):
        if kind == "share":
            # d asin(sqrt(p)) / d logit(p) = sqrt(p (1 - p)) / 2 = sin(2y) / 4
            return np.maximum(np.sin(2 * np.clip(y, 0.0, np.pi / 2)) / 4, 1e-4)
        if kind in ("rate", "count"):
            # d sqrt(x) / d log(x) = sqrt(x) / 2
            return np.maximum(y / 2, 1e-6)
    return np.ones_like(y)
