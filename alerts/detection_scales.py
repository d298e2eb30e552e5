"""Working scales: each indicator kind is mapped to a scale where its sampling noise is known.

The detector tests every kind the same way -- a standardised residual on a transformed scale --
so each kind needs a variance-stabilising transform `y`, the known sampling variance `v` of `y`
on a day (which depends on that day's volume) and the way back to the indicator's unit:

- share (k of n, binomial): Anscombe arcsine, y = asin(sqrt((k + 3/8) / (n + 3/4))),
  v = 1 / (4 (n + 1/2)).
- rate (k events per exposure n, Poisson): y = sqrt((k + 3/8) / n), v = 1 / (4 n).
- count (Poisson-like): y = sqrt(k + 3/8), v = 1/4.
- duration (median hours of n cases): y = log(median). The median of n log-normal cases has
  variance (pi/2) sigma^2 / n, sigma estimated from that day's p90 (log p90 - log p50 = 1.2816
  sigma); without a p90, v = 0 and the day-to-day spread is learned from history alone.

Because v shrinks when the volume grows, a festival day with three times the listings and the
same rate is held to a tighter sampling band but the same value -- no alert -- and a
1-in-20 day in a small category carries a wide band. Overdispersion (real day-to-day variation
of the true rate, which a binomial or Poisson test alone would call significant every day on
huge denominators) is *not* modelled here: it is learned per series by `alerts.baselines` as
an additive variance on top of v (the random-effects form of Spiegelhalter's funnel plots).
When numerator or denominator are missing the value itself is transformed and v = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("share", "rate", "count", "duration")

# log p90 - log p50 of a log-normal, in units of its sigma: norm.ppf(0.9).
_Z90 = 1.2815515655446004
_MEDIAN_VARIANCE_FACTOR = np.pi / 2


@dataclass
class WorkingScale:
    """Transformed values, their known sampling variance and the day's event counts."""

    y: np.ndarray
    v: np.ndarray
    # Counts on both sides of a share (events, non-events) or events of a rate/count, for the
    # minimum-volume guard; NaN when unknown.
    events: np.ndarray
    volume: np.ndarray


def to_working_scale(
    kind: str,
    value: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
    scale: np.ndarray,
    p90: np.ndarray | None = None,
) -> WorkingScale:
    """Transforms arrays of one kind (any shape, broadcast together) to the working scale."""
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
                p90 = np.asarray(p90, dtype=float)
                sigma = np.clip((np.log(np.maximum(p90, 1e-3)) - y) / _Z90, 0.05, 3.0)
                v = np.where(
                    np.isnan(den) | np.isnan(p90), 0.0, _MEDIAN_VARIANCE_FACTOR * sigma**2 / den
                )
        else:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
    y = np.where(np.isnan(value), np.nan, y)
    return WorkingScale(y=y, v=np.where(np.isnan(y), np.nan, v), events=num, volume=den)


def from_working_scale(
    kind: str, y: np.ndarray, denominator: np.ndarray, scale: np.ndarray
) -> np.ndarray:
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


def expected_events(kind: str, y_expected: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """Events the baseline expects on a day (shares and rates), for the volume guard."""
    with np.errstate(invalid="ignore"):
        if kind == "share":
            return np.sin(np.clip(y_expected, 0.0, np.pi / 2)) ** 2 * volume
        if kind == "rate":
            return np.maximum(y_expected, 0.0) ** 2 * volume
        if kind == "count":
            return np.maximum(np.maximum(y_expected, 0.0) ** 2 - 0.375, 0.0)
    return np.full(np.shape(y_expected), np.nan)


def overdispersion_unit(kind: str, y: np.ndarray) -> np.ndarray:
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
