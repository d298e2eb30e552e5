"""The anomaly detector: a point test, slow-shift accumulators and a shift test, on the
working scale.

For one kind of indicator, many series at once (rows = days, columns = series):

- Point test: z = (y - expected) / sqrt(predictive variance) against the causal robust
  baseline of `baselines`; catches spikes, drops to zero and the start of level shifts.
  For shares and rates the baseline's level is read at the day's own volume
  (`alerts.detection.volume.level_at_volume`): on a small slice the scale's mean depends on
  the cases a day.
- Accumulator: an EWMA (lambda 0.15) of the residuals -- of counts against the *long*
  baseline (days t-42..t-15), of shares, rates and durations against the short one, which a
  slowly drifting true rate does not leave behind -- each clipped to +/-3 and held on days
  the point test already flags, so a one-to-three-day spike leaves no tail. Its control
  limit (4.5 sd) is widened by the residuals' own persistence, because real governance
  series drift in runs: their autocorrelation is read as rho * phi^(h-1) at lag h
  (ARMA(1,1): a persistent part plus white sampling noise), learned over 56 days ending two
  weeks back, so an incident's own run does not inflate it (`_persistence`). It catches
  14-21 day ramps, and runs of days at ~3 sd in small slices, that never make a single day
  extreme. Both accumulators start (from zero) once that autocorrelation can be learned: a
  series' first ~9 weeks are judged by the point test alone. Beside it, a two-sided CUSUM of
  the same residuals (de-correlated by the same persistence) catches a lasting shift of
  1.5-2.5 sd -- a share that triples on ~100 cases a day -- which the EWMA, discounting old
  days, can miss for good.
- Shift GLR (`alerts.detection.level_shift`), for shares and rates in slices where sampling noise is
  most of the variance: the largest standardised window of the last 2-14 days, each window
  against the baseline frozen on its first day and, where counts are known, tested exactly
  on its pooled counts. The accumulators' references keep learning and re-learn a small
  slice's shift as extra variance; this one does not (a tripled share on ~130 cases a day:
  caught in 5-6 days instead of 14).
- Score: the point z, the accumulator statistic (EWMA or CUSUM, the larger) or the GLR, the
  latter two rescaled so that their control limits map to the same threshold, whichever is
  largest in size. A day is anomalous when |score| reaches the threshold of
  `false_alarm_control` and it is testable: a baseline from at least 14 observed days
  of the last 28, a learned spread, and enough volume -- shares and rates need `min_events`
  events observed or expected on their rarer side (non-events for a share near 1), durations
  `min_events` cases; a count day, one expected event (below five, only the accumulators
  can reach the threshold: a count of three a day that stops). A share or rate below
  `min_events` is judged the same way on the days its rarer side falls short of at least two
  expected events, and only for a fall (`_falling_silent`): a slice of four complaints a day
  that goes quiet. An untestable day gets a band but no score and no verdict: one complaint
  among 20 listings is not evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alerts.detection.arrays import BoolArray, FloatArray, IntArray
from alerts.detection.autocorrelation import rolling_autocorrelation
from alerts.detection.baselines import Baseline, BaselineParams, compute_baseline
from alerts.detection.episodes import EpisodeParams, follow_episodes
from alerts.detection.false_alarm_control import (
    DEFAULT_THRESHOLD,
    accumulator_limit,
    cusum_limit,
    shift_limit,
)
from alerts.detection.known_events import KnownEvents, packaged_known_events
from alerts.detection.level_shift import exact_z, shift_glr
from alerts.detection.scales import (
    expected_events,
    from_working_scale,
    overdispersion_unit,
    to_working_scale,
)
from alerts.detection.volume.collapse import VolumeParams, volume_anomalies
from alerts.detection.volume.level_at_volume import at_volume, expected_value, reference_volume

# Which test decided an anomalous day (`Scores.test`; named in `TEST_NAMES`).
TEST_NONE, TEST_POINT, TEST_SHIFT, TEST_RAMP, TEST_VOLUME, TEST_BURST = 0, 1, 2, 3, 4, 5
TEST_NAMES = {
    TEST_POINT: "point",
    TEST_SHIFT: "shift",
    TEST_RAMP: "ramp",
    TEST_VOLUME: "volume",
    TEST_BURST: "burst",
}

# Kinds whose denominator is a volume of cases checked in its own right (volume.collapse).
VOLUME_KINDS = ("share", "rate", "duration")

# A share whose band would cover all but this much at both ends is not judged that day.
WHOLE_RANGE_MARGIN = 0.05
# A count day is judged when the baseline expects at least this many events (see _volume_ok).
MIN_COUNT_EXPECTED = 1.0
# A share or rate day with fewer than `min_events` is judged by the pooled tests, and only for
# a fall, when its rarer side expects at least this many (`_falling_silent`): a tiny share's
# baseline runs high on a handful of cases (2 % of 20 reads as 6 %).
SILENT_MIN_EXPECTED = 2.0
# Below this many expected events a fall is capped at its exact tail (_no_deeper_than_exact).
EXACT_BELOW = 30.0
# Day pairs the residuals' lag-1 autocorrelation is learned from, at least.
RHO_MIN_PAIRS = 21
# The autocorrelation's decay beyond lag 1 is read from lags 1..PERSISTENCE_LAGS, and capped.
PERSISTENCE_LAGS = 4
MAX_DECAY = 0.9


@dataclass(frozen=True)
class DetectorParams:
    threshold: float = DEFAULT_THRESHOLD
    ewma_lambda: float = 0.15
    accumulator_clip: float = 3.0
    cusum_k: float = 0.75  # reference: most sensitive to shifts of about 1.5 sd
    cusum_cap: float = 1.25  # each side's ceiling, in limits: how fast it forgets a run
    # The shift GLR (`level_shift`): its longest window (days; below 2, none) and the
    # least share of a window's first-day variance that must be known sampling variance.
    shift_windows: int = 14
    shift_min_sampling_share: float = 0.5
    min_events: float = 5.0
    # The burst test (`_burst`): windows of 2..burst_days days, each day at least
    # burst_floor sd out; its limit, mapped onto the threshold. burst_days below 2: none.
    burst_days: int = 3
    burst_floor: float = 1.0
    burst_limit: float = 4.5
    # Days the residuals' persistence is learned from (ending two weeks back). 112 also
    # quieted backlogs whose last eight weeks happened to be calm, but caught a stock's
    # change of trend (its flow stopping) only after three weeks.
    persistence_window: int = 56
    min_history: int = 14
    # Without a known sampling variance (no denominator), a flat series still has to move
    # by a little (0.2 % of the working-scale value) before it counts.
    min_relative_sd: float = 0.002
    baseline: BaselineParams = field(default_factory=BaselineParams)
    # Known-event days (festivals, holidays; `alerts.detection.known_events`): the calendar, the
    # allowance before a series has `event_min_history` past event days of the same
    # direction (log 4: volumes up to 4x), and the margin on the largest effect learned.
    known_events: KnownEvents = field(default_factory=packaged_known_events)
    event_prior: float = float(np.log(4.0))
    event_margin: float = 1.5
    event_min_history: int = 2
    episodes: EpisodeParams = field(default_factory=EpisodeParams)
    volume: VolumeParams = field(default_factory=VolumeParams)


@dataclass
class Scores:
    """Per day and series, in the indicator's unit (band) and in z units (score)."""

    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    score: FloatArray
    is_anomaly: BoolArray
    sign: FloatArray  # +1 up, -1 down, 0 none
    test: IntArray  # which test decided an anomalous day: TEST_* (TEST_NONE otherwise)


def _ewma(x: FloatArray, lam: float) -> FloatArray:
    """EWMA down the rows; a missing day holds the previous value."""
    out = np.full(x.shape, np.nan)
    state = np.zeros(x.shape[1])
    started = np.zeros(x.shape[1], dtype=bool)
    for t in range(x.shape[0]):
        row = x[t]
        seen = ~np.isnan(row)
        state = np.where(seen, lam * np.where(seen, row, 0.0) + (1 - lam) * state, state)
        started |= seen
        out[t] = np.where(started, state, np.nan)
    return out


def _persistence(
    kind: str,
    y: pd.DataFrame,
    v: FloatArray,
    base: Baseline,
    sd: pd.DataFrame,
    p: DetectorParams,
) -> tuple[FloatArray, FloatArray]:
    """The residuals' autocorrelation as rho * phi^(h-1) at lag h: returns (rho, phi).

    rho is the lag-1 autocorrelation (clipped to 0..0.8), phi how slowly it decays after
    (the ratio of the sums over lags 2..4 and 1..3, between rho and `MAX_DECAY`). AR(1) is
    phi = rho. A persistent part plus white noise -- a small overdue backlog, whose stuck
    items stay for weeks among items decided a day or two late; a share whose true rate
    drifts under binomial noise -- has a low lag-1 autocorrelation that decays slowly
    (0.55, 0.46, 0.39, 0.30 at lags 1, 2, 3, 5 on the sample's backlogs): its two-week EWMA
    varies 1.5 times, its CUSUM sums 2 times as much as AR(1) at rho says, and the
    accumulators read its wander as a run. Learned over `persistence_window` days before the
    long baseline's gap, so an incident's own run does not inflate it.

    Where a share's, rate's or duration's day-to-day variance is mostly not sampling noise
    (large slices: less than `shift_min_sampling_share` of it is), it is learned from the
    level days' residuals against the long level, weeks older than the short one the
    accumulators sum against: there a true level that drifts slowly and smoothly (a quarter
    up or down over a year) keeps a lasting bias against a level weeks old, and learned there
    it widens the limits instead of being summed into an alarm. Small slices, whose spread is
    sampling noise that hides any drift, and counts (stocks among them, judged by their
    change from yesterday on stock days) keep today's expectation.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        drifting = (v / base.variance.to_numpy() < p.shift_min_sampling_share) & (kind != "count")
    level_reference = base.level_expected.mask(drifting, base.level_expected_long)
    reference = base.expected.mask(drifting & ~base.stock.to_numpy(), base.expected_long)
    z_short = ((y - reference) / sd).clip(-2.5, 2.5).to_numpy()
    stock = base.stock.to_numpy()
    gap = 1 + p.baseline.long_lag

    def autocorrelation(z: FloatArray, lag: int) -> FloatArray:
        acf = rolling_autocorrelation(z, lag, p.persistence_window, RHO_MIN_PAIRS)
        before_gap = np.full(acf.shape, np.nan)
        before_gap[gap:] = acf[:-gap]
        return before_gap

    acf = [autocorrelation(z_short, lag) for lag in range(1, PERSISTENCE_LAGS + 1)]
    # A series that switches between the models day by day (a small backlog, whose discrete
    # changes drop the day's own ratio under the stock threshold): its mixed residuals --
    # changes from yesterday on some days, deviations from the level on others -- hide the
    # persistence the accumulators meet on its level days, run against the long level. There
    # it is learned from the level model's residuals on every day. Only series with days of
    # both kinds differ (elsewhere these are the same residuals), so only they are recomputed.
    both = stock.any(axis=0) & (~stock & base.expected.notna().to_numpy()).any(axis=0)
    if both.any():
        level_sd = np.fmax(np.sqrt(base.level_variance.to_numpy()[:, both]), sd.to_numpy()[:, both])
        resid = y.to_numpy()[:, both] - level_reference.to_numpy()[:, both]
        z_level = (resid / level_sd).clip(-2.5, 2.5)
        on_level = ~stock[:, both]
        for lag in range(1, PERSISTENCE_LAGS + 1):
            mixed = acf[lag - 1][:, both]
            acf[lag - 1][:, both] = np.where(on_level, autocorrelation(z_level, lag), mixed)
    rho = np.clip(np.nan_to_num(acf[0]), 0.0, 0.8)
    later, earlier = sum(acf[1:]), sum(acf[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        decay = np.where(earlier > 0, later / earlier, 0.0)
    phi = np.clip(np.nan_to_num(decay), rho, MAX_DECAY)
    # A stock's day is judged by its change from yesterday, which already carries the
    # stock's persistence: AR(1) there, or a trend's change would never reach the limit.
    return rho, np.where(stock, rho, phi)


def _accumulator(
    kind: str,
    y: pd.DataFrame,
    base: Baseline,
    sd: pd.DataFrame,
    flagged: BoolArray,
    persistence: tuple[FloatArray, FloatArray],
    p: DetectorParams,
) -> tuple[FloatArray, BoolArray]:
    """EWMA of clipped long-baseline residuals in units of its own control limit, and where
    the CUSUM of the same residuals is the larger (and returned instead).

    `persistence` is (rho, phi) of `_persistence`: the residuals' autocorrelation at lag h
    is rho * phi^(h-1).
    """
    # Shares, rates and durations are summed against the short level: a true rate that drifts
    # slowly (a quarter up or down over a year) keeps a lasting bias against a level weeks old,
    # which summed for a week reads as a shift. Counts (stocks among them) keep the long one.
    reference = base.expected_long if kind == "count" else base.expected
    z_long = ((y - reference) / sd).clip(-p.accumulator_clip, p.accumulator_clip)
    # Days the point test already flags are held out: a spike must not leave a tail.
    z_long = z_long.where(~flagged)
    # Until the autocorrelation can be learned (about nine weeks into a series) a run cannot
    # be told from the series' own drift: a backlog filling up from zero after the data start,
    # its residuals against a lagging level same-signed for weeks, read as white noise and
    # alerted. Both accumulators start from zero once there are as many scored days as the
    # autocorrelation needs (counted, not consecutive: a sparse series gets there too).
    scored = ((y - base.expected) / sd).notna()
    learnable = scored.cumsum() > RHO_MIN_PAIRS + 1 + p.baseline.long_lag
    z_long = z_long.where(learnable)
    ewma = _ewma(z_long.to_numpy(), p.ewma_lambda)
    lam = p.ewma_lambda
    rho, phi = persistence
    # Stationary sd of an EWMA of unit-variance noise with that autocorrelation: its
    # variance is lam / (2 - lam) * (1 + 2 sum_h (1 - lam)^h acf(h)).
    carry = phi * (1 - lam)
    ewma_sd = np.sqrt(lam / (2 - lam) * (1 + 2 * rho * (1 - lam) / (1 - carry)))
    ewma_stat = ewma / ewma_sd
    # The same residuals, de-correlated to unit long-run variance (1 + 2 sum_h acf(h)), feed
    # the CUSUM.
    cusum_stat = _cusum(z_long.to_numpy() / np.sqrt(1 + 2 * rho / (1 - phi)), p)
    by_cusum = np.abs(np.nan_to_num(cusum_stat)) > np.abs(np.nan_to_num(ewma_stat))
    return np.where(by_cusum, cusum_stat, ewma_stat), by_cusum


def _cusum(z: FloatArray, p: DetectorParams) -> FloatArray:
    """Two-sided tabular CUSUM of standardised residuals, in units of the EWMA's limit.

    Page's CUSUM with reference k is the most efficient test of a sustained shift of 2k sd:
    a run of days at 1.5-2.5 sd -- a small slice whose share triples, where no day is extreme
    -- reaches its limit in about a week, before the EWMA (which discounts old evidence).
    Each side is capped a little above its limit, so it falls back within days once the run
    ends; a missing or point-flagged day holds it. Signed: + for the upper side.
    """
    k, h = p.cusum_k, cusum_limit()
    cap = p.cusum_cap * h
    up = np.zeros(z.shape[1])
    down = np.zeros(z.shape[1])
    out = np.full(z.shape, np.nan)
    for t in range(z.shape[0]):
        row = z[t]
        seen = ~np.isnan(row)
        x = np.where(seen, row, 0.0)
        up = np.where(seen, np.clip(up + x - k, 0.0, cap), up)
        down = np.where(seen, np.clip(down - x - k, 0.0, cap), down)
        out[t] = np.where(up >= down, up, -down)
    return out / h * accumulator_limit()


def _burst(z: FloatArray, rho: FloatArray, p: DetectorParams) -> FloatArray:
    """Signed burst score: the largest standardised sum of the last 2..`burst_days` days'
    point z, in units of the point threshold.

    A spike or dip of two or three days at 3-4 sd, none of them extreme alone, is as unlikely
    as one day at 4 sd. A window counts only when every day in it is at least `burst_floor`
    sd out in the same direction and none is point-flagged (a spike must not leave a tail).
    The sum's variance allows for the residuals' lag-1 autocorrelation (AR(1)). Its limit
    `burst_limit` holds the per-day false-alarm probability near the point test's: for
    unit-normal days, 4.5 is reached on 1.5e-5 of days, |z| >= 4 on 6.3e-5.
    Like the accumulators, it starts once that autocorrelation can be learned.
    """
    best = np.full(z.shape, np.nan)
    rho_now = np.nan_to_num(rho)
    usable = np.where(np.abs(z) >= p.threshold, np.nan, z)
    for m in range(2, p.burst_days + 1):
        window = np.full((m,) + z.shape, np.nan)
        for k in range(m):
            window[k, k:] = usable[: z.shape[0] - k]
        # AR(1): the variance of a sum of m days is m (1 + 2 sum_k (1 - k/m) rho^k).
        acf = 1.0 + 2.0 * sum((1.0 - k / m) * rho_now**k for k in range(1, m))
        with np.errstate(invalid="ignore"):
            total = window.sum(axis=0) / np.sqrt(m * acf)
            same = (window.min(axis=0) >= p.burst_floor) | (window.max(axis=0) <= -p.burst_floor)
        stat = np.where(same, total, np.nan)
        larger = np.abs(np.nan_to_num(stat)) > np.abs(np.nan_to_num(best))
        best = np.where(larger, stat, best)
    learnable = np.cumsum(~np.isnan(z), axis=0) > RHO_MIN_PAIRS + 1 + p.baseline.long_lag
    return np.where(learnable, best, np.nan) * (p.threshold / p.burst_limit)


def _band_spans_the_range(
    kind: str, expected_y: FloatArray, sd: FloatArray, denominator: FloatArray, threshold: float
) -> BoolArray:
    """Shares whose band (expected +/- threshold sd) would reach from near 0 to near 100 %:
    on a handful of cases no share is unusual, and such a band only looks like a verdict."""
    if kind != "share":
        return np.zeros(np.shape(expected_y), dtype=bool)
    unit = np.ones(np.shape(expected_y))
    lower = from_working_scale(kind, expected_y - threshold * sd, denominator, unit)
    upper = from_working_scale(kind, expected_y + threshold * sd, denominator, unit)
    with np.errstate(invalid="ignore"):
        return (lower <= WHOLE_RANGE_MARGIN) & (upper >= 1.0 - WHOLE_RANGE_MARGIN)


def _rarer_side(
    kind: str, events: FloatArray, volume: FloatArray, expected_y: FloatArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """A day's events seen and expected on its rarer side, and where that side is a share's
    non-events (a share near 1: non-proactive removals)."""
    expected = expected_events(kind, expected_y, volume)
    with np.errstate(invalid="ignore"):
        flip = (expected > volume - expected) if kind == "share" else np.zeros(expected.shape, bool)
        seen = np.where(flip, volume - events, events)
        expected = np.where(flip, volume - expected, expected)
    return seen, expected, flip


def _volume_ok(
    kind: str, events: FloatArray, volume: FloatArray, expected_y: FloatArray, min_events: float
) -> BoolArray:
    """Enough events, observed or expected, on the rarer side to call a day unusual."""
    if kind == "duration":
        return np.isnan(volume) | (volume >= min_events)
    seen, expected, _ = _rarer_side(kind, events, volume, expected_y)
    unknown = np.isnan(events) | np.isnan(expected)
    with np.errstate(invalid="ignore"):
        ok = np.fmax(seen, expected) >= min_events
        if kind == "count":
            # A count below `min_events` can never fall 4 sd on its own, so these days only
            # feed the accumulators: a slice of three a day that stops for a fortnight.
            ok |= expected >= MIN_COUNT_EXPECTED
    return unknown | ok


def _no_deeper_than_exact(
    kind: str, z: FloatArray, events: FloatArray, volume: FloatArray, expected_y: FloatArray
) -> FloatArray:
    """A day's fall on a few expected events, no deeper than its exact Poisson or binomial
    tail says: on the square-root scale nothing looks like zero (none of 9.4 expected new
    listings scored -5.0 sd; the chance of none is 8e-5, mid-p -3.9 sd)."""
    if kind not in ("share", "rate", "count"):
        return z
    with np.errstate(invalid="ignore"):
        expected = expected_events(kind, expected_y, volume)
        few = (z < 0) & (expected < EXACT_BELOW) & ~np.isnan(events)
        if not few.any():
            return z
        exact = exact_z("share" if kind == "share" else "rate", events, volume, expected)
        return np.where(few & (exact > z), np.minimum(exact, 0.0), z)


def _falling_silent(
    kind: str, events: FloatArray, volume: FloatArray, expected_y: FloatArray
) -> tuple[BoolArray, FloatArray]:
    """Days of a share or rate whose rarer side expects at least `SILENT_MIN_EXPECTED` events
    and saw fewer, and the score's sign that means that side falling (-1, or +1 for a share
    near 1 whose rare side is its non-events)."""
    if kind not in ("share", "rate"):
        return np.zeros(np.shape(expected_y), dtype=bool), np.zeros(np.shape(expected_y))
    seen, expected, flip = _rarer_side(kind, events, volume, expected_y)
    with np.errstate(invalid="ignore"):
        silent = (expected >= SILENT_MIN_EXPECTED) & (seen < expected)
    return silent, np.where(flip, 1.0, -1.0)


def _event_allowance(r: FloatArray, events: FloatArray, p: DetectorParams) -> FloatArray:
    """Allowed effect (relative units, in the event's direction) on each known-event day.

    `r` is the relative residual signed in the day's event direction. The allowance is
    `event_margin` x the largest effect of the same direction on that series' earlier event
    days (never below zero), or `event_prior` until there are `event_min_history` of them.
    """
    allow = np.zeros(r.shape)
    for sign in (1, -1):
        rows = events == sign
        if not rows.any():
            continue
        past = np.where(rows[:, None], r, np.nan)
        seen = np.cumsum(~np.isnan(past), axis=0)
        top = np.fmax.accumulate(np.where(np.isnan(past), -np.inf, past), axis=0)
        # Shift by one row: an event day's allowance comes from the event days before it.
        seen = np.vstack([np.zeros((1, r.shape[1])), seen[:-1]])
        top = np.vstack([np.full((1, r.shape[1]), -np.inf), top[:-1]])
        learned = p.event_margin * np.maximum(top, 0.0)
        allow[rows] = np.where(seen >= p.event_min_history, learned, p.event_prior)[rows]
    return allow


def score_matrix(
    kind: str,
    index: pd.DatetimeIndex,
    value: FloatArray,
    numerator: FloatArray,
    denominator: FloatArray,
    scale: FloatArray,
    p90: FloatArray | None = None,
    params: DetectorParams | None = None,
) -> Scores:
    """Scores a days x series matrix of one kind; index holds consecutive days."""
    p = params or DetectorParams()
    work = to_working_scale(kind, value, numerator, denominator, scale, p90)
    events = p.known_events.directions(index)
    on_event = events != 0
    # Known-event days stay out of the baseline, like missing days (see known_events).
    y = pd.DataFrame(np.where(on_event[:, None], np.nan, work.y), index=index)
    v = pd.DataFrame(work.v, index=index)
    base = compute_baseline(
        y, v, p.baseline, lambda e: overdispersion_unit(kind, e), pd.DataFrame(work.y, index=index)
    )
    # The level was learned at the past days' volume; today's may differ (volume.level_at_volume).
    level = base.expected.to_numpy()
    learned_at = reference_volume(work.volume, ~np.isnan(y.to_numpy()), p.baseline.level_window)
    expected_y = at_volume(kind, level, learned_at, work.volume)
    floor = np.where(work.v > 0, 0.0, (p.min_relative_sd * np.abs(expected_y)) ** 2) + 1e-12
    learned = base.variance.to_numpy()
    # No band (NaN) until the spread has been learned; then never below the floor.
    sd = np.sqrt(np.where(np.isnan(learned), np.nan, np.fmax(learned, floor)))
    sd_frame = pd.DataFrame(sd, index=index)

    with np.errstate(invalid="ignore"):
        z = (work.y - expected_y) / sd
        z = _no_deeper_than_exact(kind, z, work.events, work.volume, expected_y)
        flagged = np.abs(np.nan_to_num(z)) >= p.threshold
        # Event days: only the part of the move beyond the allowed event effect counts.
        unit = np.fmax(overdispersion_unit(kind, expected_y), np.sqrt(work.v))
        sign = events[:, None].astype(float)
        r = (work.y - expected_y) / unit * sign
        allow = np.where(on_event[:, None], _event_allowance(r, events, p), 0.0)
        excess = np.where(r > allow, r - allow, np.where(r > 0, 0.0, r))
        z = np.where(on_event[:, None], sign * excess * unit / sd, z)
        # A share whose band would span nearly 0-100 % gets no day verdict (point or burst)
        # and no band; its counts still feed the tests that pool days (a ring on a dozen
        # sellers a day), and its volume is still judged.
        spans = _band_spans_the_range(kind, expected_y, sd, denominator, p.threshold)
        enough_cases = _volume_ok(kind, work.events, work.volume, expected_y, p.min_events)
        z = np.where(spans | ~enough_cases, np.nan, z)
        # A rate or share of a few events a day that falls silent: no single day says much,
        # but the tests that pool days do (as for counts).
        silent, falling = _falling_silent(kind, work.events, work.volume, expected_y)
        silent &= ~enough_cases
        persistence = _persistence(kind, y, work.v, base, sd_frame, p)
        rho = persistence[0]  # the shift GLR's windows are short: AR(1) at lag 1 is enough
        acc, by_cusum = _accumulator(kind, y, base, sd_frame, flagged, persistence, p)
        acc = acc * (p.threshold / accumulator_limit())
        by_acc = np.abs(np.nan_to_num(acc)) > np.abs(np.nan_to_num(z))
        score = np.where(by_acc, acc, z)
        test = np.where(by_acc, np.where(by_cusum, TEST_SHIFT, TEST_RAMP), TEST_POINT)
        glr = shift_glr(
            kind,
            y.to_numpy(),
            work.v,
            (work.events, work.volume),
            learned_at,
            base,
            rho,
            flagged,
            p.shift_windows,
            p.shift_min_sampling_share,
            p.baseline.level_window,
        ) * (p.threshold / shift_limit())
        by_glr = np.abs(np.nan_to_num(glr)) > np.abs(np.nan_to_num(score))
        score = np.where(by_glr, glr, score)
        test = np.where(by_glr, TEST_SHIFT, test)
        if p.burst_days >= 2:
            # A stock's days are its changes from yesterday: their sum is the stock's own
            # wander over the window, which the point test already bounds (not tested here).
            judged = enough_cases & ~base.stock.to_numpy()  # a stock series' days among them
            if kind == "count":
                # A small count (a backlog of a few items filling up) wanders in runs that
                # its first weeks do not show: only counts of `min_events` a day or more.
                with np.errstate(invalid="ignore"):
                    judged &= expected_events(kind, expected_y, work.volume) >= p.min_events
            burst = _burst(np.where(judged, z, np.nan), rho, p)
            by_burst = np.abs(np.nan_to_num(burst)) > np.abs(np.nan_to_num(score))
            score = np.where(by_burst, burst, score)
            test = np.where(by_burst, TEST_BURST, test)
        # On such a day only a fall counts: an accumulator still high after an incident
        # must not read a quiet day as the incident going on.
        silent &= np.sign(np.nan_to_num(score)) == falling
        testable = (
            ~np.isnan(work.y)
            & ~np.isnan(expected_y)
            & ~np.isnan(sd)
            & (base.history.to_numpy() >= p.min_history)
            & (enough_cases | silent)
        )
        score = np.where(testable, score, np.nan)
        centre = level - base.season.to_numpy()
        judged = ~np.isnan(work.y) & ~base.stock_series.to_numpy()
        ep = follow_episodes(
            work.y, expected_y, centre, sd, work.v, score, judged, on_event, p.threshold, p.episodes
        )
    test = np.where(ep.held, TEST_SHIFT, test)
    test = np.where(ep.is_anomaly, test, TEST_NONE)
    # The denominator collapsing or exploding is a signal of its own (volume.collapse).
    # Counts have no denominator: the count is its own volume, judged by the tests above.
    by_volume = np.zeros(test.shape, dtype=bool)
    volume_score = np.full(test.shape, np.nan)
    if kind in VOLUME_KINDS:
        vol = volume_anomalies(work.volume, on_event, p.threshold, p.volume)
        by_volume, volume_score = vol.is_anomaly & ~ep.is_anomaly, vol.score
    is_anomaly = ep.is_anomaly | by_volume
    test = np.where(by_volume, TEST_VOLUME, test).astype(np.int8)
    half = p.threshold * sd
    widen = allow * unit
    lower_y = expected_y - half - np.where(sign < 0, widen, 0.0)
    upper_y = expected_y + half + np.where(sign > 0, widen, 0.0)
    # Too few cases to judge the day: no band (rather than one covering the whole range).
    lower_y = np.where(enough_cases & ~spans, lower_y, np.nan)
    upper_y = np.where(enough_cases & ~spans, upper_y, np.nan)
    # A held day is judged against the level before the change: its band is that one.
    lower_y = np.where(ep.held, ep.reference - p.threshold * ep.reference_sd, lower_y)
    upper_y = np.where(ep.held, ep.reference + p.threshold * ep.reference_sd, upper_y)
    expected = expected_value(kind, level, learned_at, denominator, scale)
    held_expected = from_working_scale(kind, ep.reference, denominator, scale)
    return Scores(
        expected=np.where(ep.held, held_expected, expected),
        lower=from_working_scale(kind, lower_y, denominator, scale),
        upper=from_working_scale(kind, upper_y, denominator, scale),
        score=np.where(by_volume, volume_score, ep.score),
        is_anomaly=is_anomaly,
        sign=np.where(by_volume, np.sign(volume_score), ep.sign).astype(np.int8),
        test=test,
    )
