"""One alert event per lasting change: hold a change while its level stays, and let a return
to the level before it pass quietly.

The baselines keep learning, so a level that shifted and stays is the new normal after about
four weeks (`alerts.detection.baselines`). In between the point test fades as the level half
adapts, and the accumulators, whose long baseline lags two weeks more, fire again later: a
lasting change was flagged at its start, went quiet, and was flagged again days or weeks
later on an unchanged level -- several alert events, and several emails, for one change.
And once the level had been learned, its return to where it was before read as a change too.

So each series walks its days in order (causal: a day's verdict uses that day and the days
before it) with an *episode*:

- It starts on an anomalous day, with that day's direction, and freezes the baseline as it
  stood then: the deseasonalised level and the extra variance (today's season, volume and
  sampling variance are still applied, so a weekend or a festival is not read as a change).
- Each later day with a value, the day's z against that frozen reference, signed in the
  episode's direction, feeds a one-sided CUSUM for "the level went back": increments
  delta / 2 - z, where delta is the episode's typical distance so far, per day and in sd,
  from the level before it (between 2 and 4; not the tests' scores, which for a shift the
  accumulators found are far larger than any one day's distance). While the
  CUSUM stays under `end_limit` the level is still where the change took it, and the day is
  held: anomalous, scored against the frozen reference, its band the frozen one. A shift of
  3 sd or more holds. A change flagged on fewer than `lasting_days` days is held only while
  the day itself is still half a threshold out, so a one-to-three-day spike ends with it.
- It ends when the level has gone back, or after `max_days`, by when both baselines have
  learned the new level (the long one ends 15 days back and spans 28).
- For `memory_days` after its start, an anomaly in the opposite direction whose value is
  not beyond the frozen reference by a full threshold is dropped: going back to the level
  before the change is a recovery, not a new anomaly.
- After an episode held for `max_days` (its level stayed), for `memory_days` after its start,
  an anomaly in its direction is dropped unless the day is a full threshold beyond the
  change's own level: the baselines still catching up with a change already flagged is a
  re-alert, not news; a further move is.

Stocks (a backlog, live listings: judged by their change from yesterday) have no episodes.
A known-event day never ends an episode (the detector allows for its own move) and never
stretches a spike, whose frozen reference knows nothing of the festival's own move. It holds
a lasting change while the day still shows half of it, and one that is `festival_hold_days`
old or more whatever the festival does to the day: a day left unflagged in the middle of a
change (New Year's Eve inside a shift that began in December) split one alert event into
two, while a holiday's own dip of a few days (Thanksgiving to Cyber Monday: eight) is over
well before two weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from alerts.detection.arrays import BoolArray, FloatArray


@dataclass(frozen=True)
class EpisodeParams:
    end_limit: float = 2.0
    min_delta: float = 2.0
    max_delta: float = 4.0
    max_days: int = 56
    lasting_days: int = 3
    memory_days: int = 120
    festival_hold_days: int = 14


@dataclass
class Episodes:
    """What the episodes changed, per day and series."""

    is_anomaly: BoolArray
    score: FloatArray
    sign: FloatArray
    held: BoolArray  # anomalous only because the change's level stayed
    reference: FloatArray  # the frozen expectation on held days (working scale), else NaN
    reference_sd: FloatArray


def follow_episodes(
    y: FloatArray,
    expected: FloatArray,
    centre: FloatArray,
    sd: FloatArray,
    sampling: FloatArray,
    score: FloatArray,
    judged: BoolArray,
    neutral: BoolArray,
    threshold: float,
    p: EpisodeParams | None = None,
) -> Episodes:
    """Episodes over a days x series matrix.

    y: working-scale values (NaN: no value); expected: the day's expectation; centre: the
    deseasonalised level it came from (frozen at an episode's start); sd: the predictive sd;
    sampling: the day's known sampling variance; score: the detector's score (NaN: not
    tested); judged: days an episode may hold or end on; neutral: judged days that may hold
    but not end one (1-D, per day: known-event days).
    """
    p = p or EpisodeParams()
    days, n = y.shape
    is_anomaly = np.abs(np.nan_to_num(score)) >= threshold
    sign = np.where(is_anomaly, np.sign(np.nan_to_num(score)), 0.0)
    out_score = score.copy()
    held = np.zeros(y.shape, dtype=bool)
    reference = np.full(y.shape, np.nan)
    reference_sd = np.full(y.shape, np.nan)

    active = np.zeros(n, dtype=bool)
    direction = np.zeros(n)
    start = np.full(n, -(10**9))
    ref_centre = np.zeros(n)
    ref_extra = np.zeros(n)
    z_sum = np.zeros(n)
    z_count = np.zeros(n)
    back = np.zeros(n)  # the "level went back" CUSUM
    # After an episode that lasted `max_days` (the level stayed; the baselines have learned
    # it), the change's frozen reference and typical distance, for `memory_days` from its start.
    stayed = np.zeros(n, dtype=bool)
    stayed_delta = np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        for t in range(days):
            # The day against each series' frozen reference (today's season and sampling).
            ref = expected[t] - centre[t] + ref_centre
            ref_sd = np.sqrt(np.fmax(sampling[t], 0.0) + ref_extra)
            z_ref = np.where(np.isnan(y[t]), np.nan, (y[t] - ref) / ref_sd) * direction
            recent = (t - start) < p.memory_days
            # A return towards the level before the change: not a new anomaly.
            returning = (
                is_anomaly[t]
                & recent
                & (direction != 0)
                & (sign[t] == -direction)
                & (z_ref > -threshold)
            )
            is_anomaly[t] &= ~returning
            sign[t] = np.where(returning, 0.0, sign[t])
            # The same direction again on a level that has not moved on from the change: a
            # re-alert, not news. A further move (a threshold beyond the change's level) is.
            again = (
                is_anomaly[t]
                & ~active
                & stayed
                & recent
                & (sign[t] == direction)
                & (z_ref < stayed_delta + threshold)
            )
            is_anomaly[t] &= ~again
            sign[t] = np.where(again, 0.0, sign[t])
            # An active episode on a judged day that is not anomalous: hold or end. A neutral
            # day (a festival, whose own move the detector allows for) never ends one; which
            # changes it holds is decided below.
            open_day = active & ~is_anomaly[t] & judged[t] & ~np.isnan(z_ref)
            delta = np.clip(z_sum / np.fmax(z_count, 1.0), p.min_delta, p.max_delta)
            counts = open_day & ~neutral[t]
            back = np.where(counts, np.fmax(back + delta / 2 - z_ref, 0.0), back)
            # A change seen on fewer than `lasting_days` days is held only while the day itself
            # is still half a threshold out: a one-to-three-day spike is over when it is over.
            lasting = z_count >= p.lasting_days
            hold = open_day & (back < p.end_limit) & ((t - start) < p.max_days)
            hold &= lasting | (z_ref >= threshold / 2)
            ended = counts & ~hold
            # A festival day's own move is in z_ref too. It never stretches a spike; it holds a
            # lasting change that still shows half of itself, or one two weeks old or more
            # whatever the festival does to the day (a holiday's few days are over by then).
            settled = (t - start) >= p.festival_hold_days
            hold &= ~neutral[t] | (lasting & (settled | (z_ref >= delta / 2)))
            capped = open_day & ((t - start) >= p.max_days)
            stayed = np.where(capped, True, stayed)
            stayed_delta = np.where(capped, delta, stayed_delta)
            active &= ~ended
            is_anomaly[t] |= hold
            sign[t] = np.where(hold, direction, sign[t])
            out_score[t] = np.where(hold, z_ref * direction, out_score[t])
            held[t] = hold
            reference[t] = np.where(hold, ref, np.nan)
            reference_sd[t] = np.where(hold, ref_sd, np.nan)
            # Anomalous days: continue the episode in their direction or start a new one.
            flagged = is_anomaly[t] & ~hold
            same = flagged & active & (sign[t] == direction)
            new = flagged & ~same
            direction = np.where(new, sign[t], direction)
            start = np.where(new, t, start)
            ref_centre = np.where(new, centre[t], ref_centre)
            ref_extra = np.where(new, np.fmax(sd[t] ** 2 - sampling[t], 0.0), ref_extra)
            # The change's typical size per day is the days' distance from the level before it
            # (a new episode's day: from today's expectation), not the test's score: a shift of
            # 2.5 sd that the accumulators flagged at 4 would read as "gone back" within weeks.
            z_start = (y[t] - expected[t]) / sd[t] * sign[t]
            z_now = np.clip(np.nan_to_num(np.where(new, z_start, z_ref)), 0.0, 6.0)
            z_sum = np.where(new, z_now, np.where(same, z_sum + z_now, z_sum))
            z_count = np.where(new, 1.0, np.where(same, z_count + 1.0, z_count))
            back = np.where(new | same, 0.0, back)
            active |= new
            stayed &= ~new
    return Episodes(is_anomaly, out_score, sign, held, reference, reference_sd)
