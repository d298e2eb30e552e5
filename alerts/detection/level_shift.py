"""Likelihood-ratio test of a level shift that began on one of the last few days.

For a shift of unknown size that began on an unknown day s, the generalised likelihood ratio
(GLR) test is the largest, over candidate starts s, of the standardised evidence from s to
today -- the efficient sequential test when the start is not known (Lai 1995; Siegmund and
Venkatraman 1995). What makes it fast here is the reference: each candidate window is tested
against the baseline *as it stood on its first day* -- level, trend, extra variance -- learned
only from days before the shift. The point test and the accumulators are measured against a
baseline that keeps learning, so a small slice whose share triples re-learns the change as
extra variance within a week and its evidence stalls (a day at 2 sd scored 1.5, then 1).

The variance of a window's evidence counts what its days share: sampling and extra variance,
their lag-1 autocorrelation (AR(1), learned two weeks back like the accumulator's), the error
of the frozen level (a mean of about 28 days, common to every day of the window) and, where a
trend is followed, the error of its slope. For shares and rates the window's pooled counts are
tested exactly (mid-p binomial or Poisson tail), with counts divided by the window's design
effect (total over sampling variance): at 0.5 complaints a day, 12 in four days against 2
expected is z = 4.8 exactly but 3.0 as a sum of square-root-scale days, which compress the
upper tail of small counts.

It runs only where the model of a day's noise is mostly known: shares and rates (binomial or
Poisson sampling from their denominators), on windows whose first day's sampling variance is
at least `min_sampling_share` of the predictive variance. Where learned extra variance
dominates (big slices, counts and durations, whose `v` is an assumption or an estimate), the
sum of many days is only as good as the learned spread and autocorrelation, whose errors it
multiplies -- and there the daily evidence is strong enough for the point test anyway. A
point-flagged day is held out (a spike must not leave a tail); a missing or known-event day
counts as not observed. Stocks (`alerts.detection.baselines`) have no trend here and are not tested.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, gammainc, gammaincc
from scipy.stats import norm

from alerts.detection.arrays import BoolArray, FloatArray
from alerts.detection.baselines import Baseline
from alerts.detection.volume.level_at_volume import true_rate

KINDS = ("share", "rate")
# The exact tail is computed only where the normal approximation reaches this |z|; below it
# the exact z of these windows stays well under the limit, and skipping keeps scoring fast.
_EXACT_FROM = 2.0


def exact_z(kind: str, k: FloatArray, n: FloatArray, e: FloatArray) -> FloatArray:
    """Signed mid-p z of k events where e are expected among n (binomial share, Poisson rate).

    Counts may be fractional (divided by a design effect): the tails are the continuous
    extensions through the regularised incomplete beta and gamma functions.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if kind == "share":
            p = np.clip(e / n, 1e-12, 1 - 1e-12)
            k = np.clip(k, 0.0, n)

            def at_least(j: FloatArray) -> FloatArray:
                inside = (j > 0) & (j <= n)
                tail = betainc(np.where(inside, j, 1.0), np.where(inside, n - j + 1, 1.0), p)
                return np.where(j <= 0, 1.0, np.where(j > n, 0.0, tail))

            up = 0.5 * (at_least(k) + at_least(k + 1))
            down = 1.0 - up
        else:
            lam = np.maximum(e, 1e-12)
            k_pos = np.maximum(k, 1e-12)
            up = 0.5 * (np.where(k > 0, gammainc(k_pos, lam), 1.0) + gammainc(k + 1, lam))
            down = 0.5 * (gammaincc(k + 1, lam) + np.where(k > 0, gammaincc(k_pos, lam), 0.0))
        up, down = np.maximum(up, 1e-300), np.maximum(down, 1e-300)
        # scipy has no type information: its results are annotated where they come back.
        score_up: FloatArray = norm.isf(up)
        score_down: FloatArray = norm.isf(down)
        return np.where(k >= e, score_up, -score_down)


def _window_sum(cum: FloatArray, m: int) -> FloatArray:
    """Sum over the last m rows of the series whose cumulative sum (with a zero row) is cum."""
    out = np.full((cum.shape[0] - 1, cum.shape[1]), np.nan)
    out[m - 1 :] = cum[m:] - cum[:-m]
    return out


def _lagged(x: FloatArray, lag: int) -> FloatArray:
    """x as it stood `lag` rows earlier (NaN before the start)."""
    out = np.full(x.shape, np.nan)
    if lag < x.shape[0]:
        out[lag:] = x[: x.shape[0] - lag]
    return out


def _cumulative(x: FloatArray, keep: BoolArray) -> FloatArray:
    """Cumulative sum down the rows of x where keep, with a leading zero row."""
    zero = np.zeros((1, x.shape[1]))
    return np.vstack([zero, np.cumsum(np.where(keep, x, 0.0), axis=0)])


def shift_glr(
    kind: str,
    y: FloatArray,
    v: FloatArray,
    counts: tuple[FloatArray, FloatArray],
    learned_at: FloatArray,
    base: Baseline,
    rho: FloatArray,
    held: BoolArray,
    windows: int,
    min_sampling_share: float,
    level_window: int,
) -> FloatArray:
    """Signed GLR z (the largest over windows of 2..`windows` days ending today).

    y and v are the working-scale values and sampling variances (days x series), counts the
    day's events and volume, learned_at the volume each day's baseline was learned at (the
    frozen level is read as a true share or rate there:
    `alerts.detection.volume.level_at_volume`), rho the residuals' lag-1 autocorrelation,
    held the days left out. `level_window` is the
    baseline's (for the error of the frozen level and trend). NaN where no window of at
    least two observed days qualifies, and for other kinds.
    """
    if kind not in KINDS:
        return np.full(y.shape, np.nan)
    events, volume = counts
    season = base.season.to_numpy()
    centre = base.expected.to_numpy() - season
    trend = base.trend.to_numpy()
    variance = base.variance.to_numpy()
    extra = np.fmax(variance - v, 0.0)
    history = np.fmax(base.history.to_numpy(), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        trusted = v / variance >= min_sampling_share

    ys = np.where(held, np.nan, y - season)
    seen = ~np.isnan(ys)
    counted = seen & ~np.isnan(events) & ~np.isnan(volume)
    days = np.broadcast_to(np.arange(y.shape[0], dtype=float)[:, None], y.shape)
    cum_y, cum_n = _cumulative(ys, seen), _cumulative(np.ones(y.shape), seen)
    cum_v, cum_t = _cumulative(v, seen), _cumulative(days, seen)
    cum_k, cum_vol = _cumulative(events, counted), _cumulative(volume, counted)
    cum_c = _cumulative(np.ones(y.shape), counted)
    powers = [rho**k for k in range(1, windows)]
    half = (level_window + 1) / 2

    best = np.full(y.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        for m in range(2, windows + 1):
            lag = m - 1
            n = _window_sum(cum_n, m)
            offsets = _window_sum(cum_t, m) - (days - lag) * n
            start_var, start_hist = _lagged(variance, lag), _lagged(history, lag)
            # Residuals against the baseline frozen on the window's first day.
            resid = _window_sum(cum_y, m) - n * _lagged(centre, lag) - _lagged(trend, lag) * offsets
            # AR(1): the variance of a sum of m days is m (1 + 2 sum_k (1 - k/m) rho^k).
            acf = 1.0 + 2.0 * sum((1.0 - k / m) * powers[k - 1] for k in range(1, m))
            sampling = _window_sum(cum_v, m)
            day_var = (sampling + n * _lagged(extra, lag)) * acf
            # The frozen level is a mean of about `history` days; a followed trend is the
            # smaller of two slopes of such levels `level_window` days apart.
            level_var = n**2 * start_var / start_hist
            lead = n * half + offsets
            slope_var = 2 * start_var / start_hist / level_window**2
            level_var = level_var + np.where(_lagged(trend, lag) != 0, lead**2 * slope_var, 0.0)
            total = day_var + level_var
            stat = resid / np.sqrt(total)
            stat = np.where((n >= 2) & (_lagged(trusted, lag) == 1), stat, np.nan)
            exact = (_window_sum(cum_c, m) == n) & (np.abs(np.nan_to_num(stat)) >= _EXACT_FROM)
            if exact.any():
                rows, cols = np.nonzero(exact)
                start = rows - lag
                expected = np.zeros(rows.shape)
                for j in range(m):
                    day = start + j
                    e_y = centre[start, cols] + trend[start, cols] * j + season[day, cols]
                    rate = true_rate(kind, e_y, learned_at[start, cols])
                    e_k = rate * volume[day, cols]
                    expected += np.where(seen[day, cols], e_k, 0.0)
                deff = np.fmax(total[rows, cols] / sampling[rows, cols], 1.0)
                k_w = _window_sum(cum_k, m)[rows, cols]
                n_w = _window_sum(cum_vol, m)[rows, cols]
                stat[rows, cols] = exact_z(kind, k_w / deff, n_w / deff, expected / deff)
            bigger = np.abs(np.nan_to_num(stat)) > np.abs(np.nan_to_num(best))
            best = np.where(bigger, stat, best)
    return best
