"""The detector against what real governance series do: one test per phenomenon.

Series are built in code (seeded), scored with the real detector (statsmodels, pandas), and
the verdicts asserted: alert where an incident is, none where a festival, a tiny
denominator, overdispersion, seasonality, a trend or missing days would fool a naive test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import NO_EVENTS
from alerts.detection.scoring import SeriesSpec, score_frame, score_series

START = pd.Timestamp("2025-01-05")
SCALE = {"share": 1.0, "rate": 10000.0, "count": 1.0, "duration": 1.0}


def build(
    kind: str,
    *,
    level: float,
    volume: float,
    days: int = 240,
    od: float = 0.03,
    weekly: float = 0.0,
    trend: float = 0.0,
    seed: int = 0,
    effect: np.ndarray | None = None,
    volume_factor: np.ndarray | None = None,
) -> pd.DataFrame:
    """One series: `effect` is added to the log (log-odds) true rate, `volume_factor`
    multiplies the day's denominator (cases for durations)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(START, periods=days, freq="D")
    weekend = (dates.day_of_week >= 5).astype(float)
    log_effect = (
        od * rng.normal(size=days) + np.log(1 - weekly * weekend) + trend * np.arange(days) / days
    )
    if effect is not None:
        log_effect = log_effect + effect
    vol = volume * (1 - weekly * weekend) * (volume_factor if volume_factor is not None else 1)
    den = np.maximum(np.round(vol), 1)
    num = np.full(days, np.nan)
    p90 = np.full(days, np.nan)
    if kind == "share":
        odds = np.log(level / (1 - level)) + log_effect
        num = rng.binomial(den.astype(np.int64), 1 / (1 + np.exp(-odds))).astype(float)
        value = num / den
    elif kind == "rate":
        num = rng.poisson(den * level * np.exp(log_effect)).astype(float)
        value = num / den * SCALE["rate"]
    elif kind == "count":
        value = rng.poisson(level * np.exp(log_effect)).astype(float)
        den = np.full(days, np.nan)
    else:
        median = level * np.exp(log_effect + rng.normal(size=days) * 0.8 * np.sqrt(np.pi / 2 / den))
        value, p90 = median, median * np.exp(1.2816 * 0.8)
    return pd.DataFrame(
        {"date": dates.date, "value": value, "numerator": num, "denominator": den, "p90": p90}
    )


def score(df: pd.DataFrame, kind: str, better: str | None = None) -> pd.DataFrame:
    return score_series(df, kind, better, SCALE[kind])


def stray(alerts: pd.Series) -> int:
    """Alert days on a clean stretch. The false-alarm budget (~0.1 per series-year) allows a
    stray day now and then; a detector that misses the phenomenon fires on dozens."""
    return int(alerts.sum())


def days(n: int, at: list[int], size: float, length: int = 1) -> np.ndarray:
    out = np.zeros(n)
    for i in at:
        out[i : i + length] = size
    return out


def test_weekly_seasonality_and_trend_raise_no_alert() -> None:
    df = build("rate", level=20e-4, volume=200_000, weekly=0.35, trend=0.5, od=0.04)
    out = score(df, "rate")
    assert out["score"].notna().sum() > 150
    assert stray(out["is_alert"]) <= 1


def test_count_with_weekday_pattern_raises_no_alert_but_a_drop_to_zero_does() -> None:
    drop = days(240, [200], -9.0, 2)
    out = score(build("count", level=800, volume=1, weekly=0.4, effect=drop), "count")
    assert stray(out["is_alert"].iloc[:200]) <= 1
    assert out["is_alert"].iloc[200] and out["direction"].iloc[200] == "down"


def test_festival_volume_jump_with_unchanged_rate_is_not_an_alert() -> None:
    festival = np.ones(240)
    festival[[150, 151, 200]] = 3.0
    for kind, level in (("share", 0.12), ("rate", 15e-4)):
        df = build(kind, level=level, volume=40_000, volume_factor=festival, seed=3)
        out = score(df, kind)
        festival_scores = out["score"].iloc[[150, 151, 200]]
        assert festival_scores.notna().all()
        assert (festival_scores.abs() < 3).all(), kind  # nothing special on those days
        assert not out["is_alert"].iloc[[149, 150, 151, 152, 199, 200, 201]].any(), kind


def test_tiny_denominator_one_in_twenty_is_not_an_alert() -> None:
    df = build("rate", level=5e-4, volume=20, od=0.0, seed=1)
    df.loc[180, ["numerator", "value"]] = [1.0, 1 / 20 * 10000]
    out = score(df, "rate", "lower")
    assert np.isnan(out["score"].iloc[180])  # below the minimum volume: no verdict
    assert not out["is_alert"].any()
    share = build("share", level=0.02, volume=20, od=0.0, seed=2)
    share.loc[180, ["numerator", "value"]] = [3.0, 3 / 20]
    assert not score(share, "share", "lower")["is_alert"].any()


def test_overdispersion_on_huge_denominators_is_learned() -> None:
    df = build("share", level=0.03, volume=2_000_000, od=0.06, seed=4)
    # A plain binomial test would fire on most days...
    p = df["numerator"].sum() / df["denominator"].sum()
    binomial_z = (df["value"] - p) / np.sqrt(p * (1 - p) / df["denominator"])
    assert (binomial_z.abs() > 4).mean() > 0.5
    # ...the detector learns the day-to-day spread from the series' own history.
    out = score(df, "share", "lower")
    assert out["score"].notna().sum() > 150
    assert stray(out["is_alert"]) <= 1


def test_missing_days_are_skipped_and_a_spike_after_a_gap_is_found() -> None:
    df = build("rate", level=30e-4, volume=50_000, seed=5, effect=days(240, [190], 0.8))
    rng = np.random.default_rng(0)
    keep = rng.random(240) > 0.1
    keep[170:180] = False  # a ten-day gap
    keep[190] = True
    # The series spans 618: its five known-event days would leave fewer than 14 baseline
    # days before day 190 on top of the gap; this test is about gaps alone.
    out = score_series(
        df[keep], "rate", "lower", SCALE["rate"], DetectorParams(known_events=NO_EVENTS)
    )
    assert len(out) == keep.sum()
    flagged = pd.to_datetime(out.loc[out["is_alert"], "date"])
    assert list(flagged) == [START + pd.Timedelta(days=190)]


@pytest.mark.parametrize("length", [10, 18, 21])
def test_a_past_incident_does_not_widen_the_band(length: int) -> None:
    # Two to three weeks leave fewer than 14 clean days in the 28-day level window: the level
    # used to fall back on a mean of days clipped to the screen's band, which the incident
    # dragged up, and the band after an 18-day incident came out 13-15x as wide for weeks.
    incident = days(280, [120], 1.5, length)
    clean = score(build("rate", level=20e-4, volume=100_000, days=280, seed=6), "rate")
    hit = score(
        build("rate", level=20e-4, volume=100_000, days=280, seed=6, effect=incident), "rate"
    )
    after = slice(120 + length + 3, 120 + length + 60)
    width_clean = (clean["upper"] - clean["lower"]).iloc[after]
    width_hit = (hit["upper"] - hit["lower"]).iloc[after]
    assert (width_hit / width_clean).max() < 1.25
    assert hit["is_alert"].iloc[120 : 120 + length].all()  # flagged for as long as it lasts
    assert not hit["is_alert"].iloc[after].any()


@pytest.mark.parametrize("length", [1, 2, 3])
def test_short_spikes_alert_from_their_first_day(length: int) -> None:
    df = build("share", level=0.05, volume=30_000, seed=7, effect=days(240, [170], 0.6, length))
    out = score(df, "share", "lower")
    flagged = [i for i in np.flatnonzero(out["is_alert"]) if 150 <= i < 200]
    assert flagged and flagged[0] == 170
    assert all(i <= 170 + length + 3 for i in flagged)  # no tail after the spike


def test_a_lasting_level_shift_is_flagged_then_becomes_the_new_normal() -> None:
    shift = np.where(np.arange(300) >= 150, 0.5, 0.0)
    out = score(build("rate", level=20e-4, volume=100_000, days=300, seed=8, effect=shift), "rate")
    alerts = out["is_alert"].to_numpy()
    assert alerts[150] and out["direction"].iloc[150] == "up"
    assert not alerts[120:150].any()
    assert stray(out["is_alert"].iloc[220:]) <= 1  # adapted: the new level is normal


def test_a_slow_ramp_is_caught_before_it_ends() -> None:
    ramp = np.zeros(260)
    ramp[150:171] = np.linspace(0.02, 0.35, 21)
    ramp[171:190] = 0.35
    df = build("rate", level=25e-4, volume=100_000, days=260, od=0.05, seed=9, effect=ramp)
    out = score(df, "rate", "lower")
    flagged = np.flatnonzero(out["is_alert"].iloc[120:]) + 120
    assert flagged.size and 150 <= flagged[0] <= 170


def test_a_drop_to_near_zero_alerts_in_the_bad_direction_only() -> None:
    outage = days(240, [180], -6.0, 3)
    df = build("share", level=0.95, volume=5_000, seed=10, effect=outage)
    higher = score(df, "share", "higher")
    assert higher["is_alert"].iloc[180:183].all()
    assert higher["direction"].iloc[180] == "down"
    lower = score(df, "share", "lower")  # a drop is good news for a lower-is-better share
    assert lower["is_anomaly"].iloc[180] and not lower["is_alert"].iloc[180:183].any()


def test_durations_are_judged_on_a_log_scale_with_their_case_count() -> None:
    cases = np.ones(240)
    cases[[100, 101]] = 3.0  # festival: three times the cases, same handling time
    backlog = days(240, [200], 0.9, 4)
    df = build("duration", level=30.0, volume=400, seed=11, volume_factor=cases, effect=backlog)
    out = score(df, "duration", "lower")
    assert not out["is_alert"].iloc[99:103].any()
    assert stray(out["is_alert"].iloc[:200]) <= 1
    assert out["is_alert"].iloc[200]


def test_verdicts_are_causal_truncating_a_series_changes_no_earlier_day() -> None:
    effect = days(300, [120], 0.7, 2) + np.where(np.arange(300) >= 200, 0.4, 0.0)
    frames = {
        "a": build(
            "rate", level=20e-4, volume=80_000, days=300, weekly=0.3, seed=12, effect=effect
        ),
        "b": build("share", level=0.1, volume=3_000, days=300, seed=13, effect=-effect),
        "c": build("count", level=300, volume=1, days=300, weekly=0.2, seed=14, effect=effect),
    }
    frame = pd.concat([f.assign(series_id=k) for k, f in frames.items()], ignore_index=True)
    frame = frame.drop(index=frame.index[::17])  # missing days too
    specs = {"a": SeriesSpec("rate", None, 1e4), "b": SeriesSpec("share"), "c": SeriesSpec("count")}
    full = score_frame(frame, specs)
    columns = ["expected", "lower", "upper", "score"]
    for cut in (130, 205, 260):
        last = (START + pd.Timedelta(days=cut)).date()
        part = score_frame(frame[frame["date"] <= last], specs)
        same = full[full["date"] <= last].reset_index(drop=True)
        pd.testing.assert_frame_equal(part[columns], same[columns], rtol=1e-9)
        assert (part["is_anomaly"] == same["is_anomaly"]).all()
        assert (part["is_alert"] == same["is_alert"]).all()
    assert full["is_alert"].any()


def _burst_caught(seed: int, params: DetectorParams | None = None) -> bool:
    # Three days at about 2.6 sd each (log-sd 0.046: Poisson on 800 plus 3 % overdispersion).
    df = build("count", level=800, volume=1, seed=seed, effect=days(240, [180], 0.12, 3))
    out = score_series(df, "count", None, 1.0, params)
    return bool(out["is_alert"].iloc[180:185].any())


def test_a_spike_over_three_days_none_extreme_alone_is_caught_by_the_burst_test() -> None:
    caught = [_burst_caught(seed) for seed in range(6)]
    assert sum(caught) >= 5, caught
    without = [_burst_caught(seed, DetectorParams(burst_days=1)) for seed in range(6)]
    assert sum(without) <= 2, without  # the point test alone sees no day at 4 sd
    df = build("count", level=800, volume=1, seed=1, effect=days(240, [180], 0.12, 3))
    out = score_series(df, "count", None, 1.0)
    assert "burst" in set(out["test"].iloc[180:185])
    assert stray(out["is_alert"].iloc[:180]) <= 1


def test_slow_smooth_drift_of_a_share_rarely_alerts() -> None:
    # The true share wanders about +-25 % over a year (two slow waves) on 4,000 cases a day
    # (160 events: sampling noise is most of the spread, and the drift still moves the
    # share by several sampling sd over two months). Before the accumulators summed against
    # the short level, five of these six series alerted for days on end.
    t = np.arange(420)
    drift = 0.22 * (0.6 * np.sin(2 * np.pi * t / 250) + 0.4 * np.sin(2 * np.pi * t / 390 + 1))
    alerting = []
    for seed in range(6):
        df = build("share", level=0.04, volume=4_000, days=420, od=0.01, seed=seed, effect=drift)
        out = score(df, "share")
        assert out["score"].notna().sum() > 300
        alerting.append(stray(out["is_alert"]) > 1)
    assert sum(alerting) <= 1, alerting


def test_a_small_count_that_stops_is_caught() -> None:
    # Three a day, then nothing for three weeks: no single day is evidence, the run is.
    stop = np.where((np.arange(240) >= 190) & (np.arange(240) < 211), -20.0, 0.0)
    df = build("count", level=3, volume=1, od=0.0, seed=12, effect=stop)
    out = score(df, "count", "higher")
    assert stray(out["is_alert"].iloc[:190]) <= 1
    flagged = np.flatnonzero(out["is_alert"].iloc[190:211])
    assert flagged.size and flagged[0] <= 14


def test_a_share_on_a_dozen_cases_gets_no_band_spanning_the_range() -> None:
    # The demo's outage day: removals fall from ~80 to 11 and a share near one half would get
    # a band from 0 % to 99.7 %. No band and no share verdict; the volume collapse still alerts.
    df = build("share", level=0.5, volume=80, od=0.0, seed=13)
    df.loc[200, ["numerator", "denominator", "value"]] = [0.0, 11.0, 0.0]
    # Without the festival calendar: 618 (day 164) widens its band on purpose.
    out = score_series(df, "share", "higher", 1.0, DetectorParams(known_events=NO_EVENTS))
    assert np.isnan(out["lower"].iloc[200]) and np.isnan(out["upper"].iloc[200])
    assert out["is_alert"].iloc[200] and out["test"].iloc[200] == "volume"
    usual = out.iloc[100:200]
    assert usual["lower"].notna().all()
    assert ((usual["lower"] > 0.05) & (usual["upper"] < 0.95)).all()


def test_a_small_rate_that_falls_silent_is_caught() -> None:
    # Four complaints a day on 600 orders, then none for three weeks: below five events no
    # single day is judged, but the days pooled are (as for a small count).
    stop = np.where((np.arange(240) >= 190) & (np.arange(240) < 211), -20.0, 0.0)
    caught = []
    for seed in range(3):
        df = build("rate", level=4 / 600, volume=600, od=0.0, seed=20 + seed, effect=stop)
        out = score(df, "rate", "lower")
        assert stray(out["is_anomaly"].iloc[:190]) <= 1
        flagged = np.flatnonzero(out["is_anomaly"].iloc[190:211])
        caught.append(bool(flagged.size) and flagged[0] <= 10)
        assert (out["direction"].iloc[190:211][out["is_anomaly"].iloc[190:211]] == "down").all()
    assert all(caught), caught


def test_falling_silent_looks_at_the_rarer_side_and_names_the_falling_direction() -> None:
    from alerts.detection.detectors import _falling_silent
    from alerts.detection.scales import to_working_scale

    def judge(kind: str, events: float, volume: float, expected_value: float) -> tuple[bool, float]:
        value = np.array([[expected_value]])
        unit = np.ones((1, 1))
        work = to_working_scale(kind, value, value * volume, np.array([[volume]]), unit)
        silent, falling = _falling_silent(kind, np.array([[events]]), np.array([[volume]]), work.y)
        return bool(silent[0, 0]), float(falling[0, 0])

    # A rate expecting 4 events that saw 1: silent, and a fall is the bad news looked for.
    assert judge("rate", 1, 600, 4 / 600) == (True, -1.0)
    assert judge("rate", 6, 600, 4 / 600)[0] is False  # more than expected: not silent
    assert judge("rate", 0, 600, 1.5 / 600)[0] is False  # under two events expected: never
    # A share near 1 (closed-loop 99 % of 400): its rare side is the 4 non-events; all 400
    # closed is that side falling silent, which reads as the share going up.
    assert judge("share", 400, 400, 0.99) == (True, 1.0)
    assert judge("share", 392, 400, 0.99)[0] is False
    # A share near 1 on 16 cases expects 0.16 non-events: never judged on pooled days.
    assert judge("share", 16, 16, 0.99)[0] is False


def test_one_empty_day_of_a_small_count_is_judged_by_its_exact_chance() -> None:
    # Eight new listings a day and one day with none: a 1-in-3,000 day (mid-p -3.6 sd), not
    # the -4.6 sd the square-root scale makes of it. Two weeks with none are still caught.
    for seed in range(4):
        df = build("count", level=8, volume=1, od=0.0, seed=50 + seed)
        df.loc[200, "value"] = 0.0
        out = score(df, "count", "higher")
        assert -4.0 < out["score"].iloc[200] < -3.0, out["score"].iloc[200]
        df.loc[200:213, "value"] = 0.0
        flagged = np.flatnonzero(score(df, "count", "higher")["is_alert"].iloc[200:214])
        assert flagged.size and flagged[0] <= 3
