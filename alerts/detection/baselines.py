"""Causal robust baselines, computed for many series at once (rows = days, columns = series).

Every statistic for day t is a rolling statistic over days strictly before t (shifted by one),
so the verdict of a day depends only on data up to and including that day. All of it is
vectorised with pandas rolling windows over the whole matrix: no model is refitted per day.

On the working scale of `alerts.detection.scales` (y, with known sampling variance v):

1. Weekly seasonality. The deviation of each day from the centred 7-day median (available
   three days later) is collected per weekday over the previous `season_weeks` weeks; the
   mean per weekday of the weeks near its usual deviation, centred to sum to zero, is shrunk
   towards zero by its own estimation noise (James-Stein style), so series without a weekly
   pattern do not pay for one.
2. Robust screen (pass 1). Level = median of the deseasonalised last 56 days (so an incident
   of up to four weeks stays a minority of it); scale = MAD of the one-step residuals over
   the last 56 days. Points beyond `winsor` (2.5) predictive standard deviations are
   outliers for the next pass.
3. Baseline (pass 2). Level = mean of the last 28 days without the pass-1 outliers (where
   fewer than 14 are left, outlier days count as the screen's prediction for them):
   efficient when clean, and an incident does not leak into the days after it. Plus a
   trend that counts only when two consecutive 4-week slopes agree in sign (the smaller one
   is used): a real trend is followed, a level shift or a 2-3 week ramp is not mistaken for
   one.
4. Predictive variance = v(t) + the series' own extra variance. The extra variance is
   learned from the one-step residuals of the last 56 days, pass-1 outliers left out (so a
   past incident does not widen the band): their truncation-corrected mean square, minus
   their typical sampling variance -- the additive random-effects overdispersion of
   Spiegelhalter (2005). It is learned in relative units (residual / `unit`, the working-
   scale change per unit change of the log or log-odds rate, never below the sampling sd)
   and scaled back by today's unit, so it follows the level through a trend or a shift.
5. A long baseline (the same level over days t-42..t-15) for the slow-ramp accumulator.

A lasting level shift is flagged until the pass-1 median has crossed over and the
outlier-free level has followed (about four weeks in all); then it is the new normal -- the
alert has done its job and the team has decided whether to act.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.robust.scale import mad as _mad

# Consistency constant of the MAD for a normal distribution (1 / Phi^-1(3/4)); taken from
# statsmodels so the two never disagree.
MAD_TO_SD = float(_mad(np.array([-1.0, 1.0]), center=0.0))


def truncated_variance(c: float) -> float:
    """E[Z^2 | |Z| < c] for a standard normal: the variance left after a c sd screen."""
    return float(1.0 - 2 * c * norm.pdf(c) / (2 * norm.cdf(c) - 1))


@dataclass(frozen=True)
class BaselineParams:
    level_window: int = 28
    screen_window: int = 56
    scale_window: int = 56
    season_weeks: int = 8
    winsor: float = 2.5
    # A weekday's deviation this many sd away from its usual one (an incident, a festival
    # echo) stays out of the weekday's mean.
    season_screen: float = 3.0
    long_lag: int = 14
    min_level_points: int = 14
    min_scale_points: int = 14
    # A series whose day-to-day changes vary less than this fraction (in variance) of its
    # residuals around the level -- typically over its past days, or on the day -- is a stock
    # (live listings, a backlog): see _stock_baseline.
    stock_ratio: float = 0.25


@dataclass
class Baseline:
    """Per day and series, on the working scale."""

    expected: pd.DataFrame
    variance: pd.DataFrame
    expected_long: pd.DataFrame
    history: pd.DataFrame  # observed days in the level window: the "enough history" guard
    # The parts of `expected`, for tests that freeze the baseline at a candidate change
    # point (`level_shift`): the weekday effect and the daily trend (NaN for stocks).
    season: pd.DataFrame
    trend: pd.DataFrame
    # The level model's expected value and variance on every day, stock days included (where
    # `expected` is the stock model's): the residuals the accumulators' persistence is
    # learned from (`alerts.detection.detectors._persistence`).
    level_expected: pd.DataFrame
    level_variance: pd.DataFrame
    level_expected_long: pd.DataFrame
    # True on the days judged by the stock model (see _stock_baseline), and on the days of a
    # series that is a stock by its past (not only right after a level shift of any series).
    stock: pd.DataFrame
    stock_series: pd.DataFrame


def _past(frame: pd.DataFrame, window: int, how: str, min_periods: int) -> pd.DataFrame:
    """Rolling statistic over the `window` days before each day (today excluded)."""
    roll = frame.rolling(window, min_periods=min_periods)
    past: pd.DataFrame = getattr(roll, how)().shift(1)
    return past


def seasonal_profile(
    y: pd.DataFrame, weeks: int, screen: float = BaselineParams.season_screen
) -> pd.DataFrame:
    """Causal weekday effect per day, zero mean over a week, shrunk by its noise.

    Each weekday's effect is the mean of its deviations from the centred weekly median over
    the previous `weeks` weeks, those far from the weekday's usual deviation (its median)
    left out. A mean of clean weeks has about 2/pi the variance of their median, and this
    estimate's error is a large part of every day's predictive spread on a series with a
    weekly pattern: with medians, a one-day spike of 4.5 sd of the day's own noise read as
    about 4 of the band's.
    """
    centre = y.rolling(7, min_periods=4, center=True).median()
    dev = y - centre  # known three days after the day itself
    usual = _per_weekday(dev, lambda rows: rows.rolling(weeks, min_periods=2).median())
    off = dev - usual
    clean = dev.where(~(off.abs() > screen * _recent_sd(off)))
    raw = _per_weekday(clean, lambda rows: rows.rolling(weeks, min_periods=2).mean()).fillna(0.0)
    counts = _per_weekday(clean, lambda rows: rows.rolling(weeks, min_periods=1).count())
    # The other weekdays' latest estimates are the previous six rows (all causal).
    centred = raw - raw.rolling(7, min_periods=1).mean()
    amplitude = (centred**2).rolling(7, min_periods=1).mean()
    # Variance of a mean of m values: sd^2 / m.
    noise = _recent_sd(dev) ** 2 / counts.clip(lower=1).rolling(7, min_periods=1).mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = (1.0 - noise / amplitude).clip(lower=0.0).fillna(0.0)
    return centred * shrink


def _recent_sd(dev: pd.DataFrame) -> pd.DataFrame:
    """Robust sd (MAD) of the deviations of the last 8 weeks known on each day (a centred
    weekly median's deviation is known three days later)."""
    return MAD_TO_SD * dev.abs().rolling(8 * 7, min_periods=14).median().shift(4)


def _per_weekday(
    frame: pd.DataFrame, statistic: Callable[[pd.DataFrame], pd.DataFrame]
) -> pd.DataFrame:
    """`statistic` over each weekday's own rows, from the weeks before (shifted by a week)."""
    found = pd.DataFrame(np.nan, index=frame.index, columns=frame.columns)
    for phase in range(7):
        found.iloc[phase::7] = statistic(frame.iloc[phase::7]).shift(1).to_numpy()
    return found


def _trend(level: pd.DataFrame, span: int) -> pd.DataFrame:
    """Per-day slope, counted only when the last two `span`-day slopes agree in sign."""
    recent = (level - level.shift(span)) / span
    before = (level.shift(span) - level.shift(2 * span)) / span
    agree = np.sign(recent) == np.sign(before)
    # A numpy ufunc on a DataFrame returns a DataFrame (pandas' __array_ufunc__), which
    # numpy's type stubs cannot express.
    slope = cast(pd.DataFrame, np.sign(recent) * np.minimum(recent.abs(), before.abs()))
    return slope.where(agree, 0.0).fillna(0.0)


def _extra_variance(
    resid: pd.DataFrame,
    v: pd.DataFrame,
    unit: pd.DataFrame,
    exclude: pd.DataFrame | None,
    p: BaselineParams,
) -> pd.DataFrame:
    """Extra (overdispersion) variance in relative units, from the residuals before each day.

    Without an exclusion mask (the screen) the scale is the MAD, which needs no outlier list;
    with one, it is the root mean square of the residuals that were not outliers, corrected
    for the truncation -- about 2.5 times as efficient as the MAD, which matters: a scale
    underestimated by 15 % turns a 4 sd threshold into 3.4 sd and ten times the false alarms.
    """
    rel = resid.abs() / unit
    rel_v = (v / unit**2).where(rel.notna())  # only the days the scale is learned from
    if exclude is None:
        scale2 = (MAD_TO_SD * _past(rel, p.scale_window, "median", p.min_scale_points)) ** 2
    else:
        rel, rel_v = rel.where(~exclude), rel_v.where(~exclude)
        scale2 = _past(rel**2, p.scale_window, "mean", p.min_scale_points) / truncated_variance(
            p.winsor
        )
    typical_v = _past(rel_v, p.scale_window, "median", p.min_scale_points)
    return (scale2 - typical_v).clip(lower=0.0)


def _stock_baseline(
    y: pd.DataFrame, anchor: pd.DataFrame, v: pd.DataFrame, p: BaselineParams
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Random walk with drift: expected = last value + the median daily change.

    A stock (live listings, an open backlog) carries its history in every value: it ramps
    with the flow into it and steps up for good after a festival's extra listings. Against a
    28-day level it looks like a run of same-signed residuals -- exactly what the ramp
    accumulator is built to flag -- even when the flow never changed. Its news is in the
    daily change, so for a stock the expectation is yesterday's value (`anchor`, the
    unmasked series: a known-event day's step is kept) plus the recent median change, the
    spread is that of the changes, and the long expectation (for the accumulator) uses the
    median change of two weeks earlier: a change in trend, not the trend, is what alerts.
    Returns expected, variance, long expected and the changes' variance.
    """
    observed = anchor.notna()
    prev = anchor.ffill().shift(1)
    last_seen = pd.DataFrame(
        np.where(observed, np.arange(len(y))[:, None], np.nan), index=y.index, columns=y.columns
    )
    gap = np.arange(len(y))[:, None] - last_seen.ffill().shift(1)
    change = y - y.shift(1)  # consecutive observed, non-event days only
    drift = _past(change, p.level_window, "median", p.min_level_points)
    spread = MAD_TO_SD * _past((change - drift).abs(), p.scale_window, "median", p.min_scale_points)
    var_change = spread**2
    expected = prev + gap * drift
    expected_long = prev + gap * drift.shift(p.long_lag)
    # np.fmax of two DataFrames is a DataFrame (see _trend).
    variance = cast(pd.DataFrame, np.fmax(var_change, v))
    return expected, variance, expected_long, var_change


def compute_baseline(
    y: pd.DataFrame,
    v: pd.DataFrame,
    p: BaselineParams,
    unit: Callable[[np.ndarray], np.ndarray] = np.ones_like,
    anchor: pd.DataFrame | None = None,
) -> Baseline:
    """Expected value and predictive variance of every day from the days before it.

    `unit(expected)` converts a relative change of the true rate to the working scale
    (`alerts.detection.scales.overdispersion_unit`).
    """

    def unit_of(expected: pd.DataFrame) -> pd.DataFrame:
        # Near zero a relative change means nothing: the unit is at least the sampling sd.
        floored = np.fmax(unit(expected.to_numpy()), np.sqrt(v.to_numpy()))
        return pd.DataFrame(floored, index=y.index, columns=y.columns)

    season = seasonal_profile(y, p.season_weeks, p.season_screen)
    ys = y - season
    half = (p.level_window + 1) / 2  # a window mean sits half a window behind today

    # Pass 1: median level, MAD scale; marks the outliers.
    level1 = _past(ys, p.screen_window, "median", p.min_level_points)
    half1 = (p.screen_window + 1) / 2
    expected1 = level1 + half1 * _trend(level1, p.level_window) + season
    resid1 = y - expected1
    unit1 = unit_of(expected1)
    var1 = v + _extra_variance(resid1, v, unit1, None, p) * unit1**2
    band = p.winsor * np.sqrt(var1)
    outlier = (resid1.abs() > band).fillna(False)

    # Pass 2: winsorised mean level; scale without the pass-1 outliers.
    centre1 = expected1 - season
    lo, hi = (centre1 - band).to_numpy(), (centre1 + band).to_numpy()
    raw = ys.to_numpy()
    known = ~(np.isnan(lo) | np.isnan(hi))
    clipped = pd.DataFrame(
        np.where(known, np.minimum(np.maximum(raw, lo), hi), raw), index=y.index, columns=y.columns
    )
    kept = ys.where(~outlier)
    level = _past(kept, p.level_window, "mean", p.min_level_points)
    # Too few clean days left (an incident of more than two weeks): outlier days count as the
    # screen's own prediction for them. Clipped to the screen's band instead, they dragged
    # the level along (and, through the residuals of the days after, widened the band for
    # the next eight weeks).
    imputed = ys.where(~outlier, centre1)
    level = level.fillna(_past(imputed, p.level_window, "mean", p.min_level_points))
    level = level.fillna(_past(clipped, p.level_window, "mean", p.min_level_points))
    slope = _trend(level, p.level_window)
    expected = level + half * slope + season
    unit2 = unit_of(expected)
    variance = v + _extra_variance(y - expected, v, unit2, outlier, p) * unit2**2

    long_level = level.shift(p.long_lag)
    expected_long = long_level + (half + p.long_lag) * slope + season
    history = _past(y.notna().astype(float), p.level_window, "sum", 1)

    # Stocks: chosen per day and series from the past spreads (see _stock_baseline).
    s_expected, s_variance, s_long, var_change = _stock_baseline(
        y, y if anchor is None else anchor, v, p
    )
    level_spread = (
        MAD_TO_SD * _past((y - expected).abs(), p.scale_window, "median", p.min_scale_points)
    ) ** 2
    # Being a stock is a property of the series, not of the day: the median ratio over all
    # past days decides (the day's own ratio until two weeks of them exist). Day by day, a
    # steady ramp that the trending level happens to follow closely (ratio 0.3 on a series
    # whose median is 0.03) flipped to the level model, which then could not follow a
    # festival's step and alerted for weeks. The day's own ratio still counts too: right
    # after a level shift of any series, yesterday's value is the better expectation.
    ratio = (var_change / level_spread).where(level_spread > 0)
    typical_ratio = ratio.expanding(min_periods=p.min_scale_points).median().fillna(ratio)
    stock = ((typical_ratio < p.stock_ratio) | (ratio < p.stock_ratio)) & s_expected.notna()
    level_expected, level_variance, level_expected_long = expected, variance, expected_long
    expected = expected.mask(stock, s_expected)
    variance = variance.mask(stock, s_variance)
    expected_long = expected_long.mask(stock, s_long)
    return Baseline(
        expected=expected,
        variance=variance,
        expected_long=expected_long,
        history=history,
        season=season,
        trend=slope.mask(stock),
        level_expected=level_expected,
        level_variance=level_variance,
        level_expected_long=level_expected_long,
        stock=stock,
        stock_series=(typical_ratio < p.stock_ratio) & s_expected.notna(),
    )
