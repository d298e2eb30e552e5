"""One alert event per lasting change (alerts.detection.episodes), with the real detector.

A lasting shift is flagged from its first day in one unbroken run until the baselines have
learned it (not flagged, quiet, flagged again on an unchanged level); a return to the level
before it is not an anomaly; a one-day spike is not stretched into a run; held days name
the shift test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alerts.detection.detectors import DetectorParams
from alerts.detection.episodes import EpisodeParams, follow_episodes
from alerts.detection.scoring import score_series
from tests.detection.test_detection_phenomena import SCALE, build, days


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) day of each run of consecutive flagged days."""
    out: list[tuple[int, int]] = []
    for day in np.flatnonzero(flags):
        if out and out[-1][1] == day - 1:
            out[-1] = (out[-1][0], int(day))
        else:
            out.append((int(day), int(day)))
    return out


@pytest.mark.parametrize("seed", [3, 11, 21])
def test_a_lasting_shift_is_one_unbroken_run(seed: int) -> None:
    # A small slice's share that doubles on day 150 and stays: the point test fades as the
    # level half adapts and the accumulators fire again weeks later -- without episodes,
    # several runs on an unchanged level.
    shift = np.where(np.arange(320) >= 150, np.log(2.0), 0.0)
    df = build("share", level=0.05, volume=400, days=320, seed=seed, effect=shift)
    out = score_series(df, "share", "lower")
    after = runs(out["is_alert"].to_numpy()[140:])
    assert after and after[0][0] + 140 <= 152, after
    assert len(after) == 1, after
    # Flagged while the baselines learn the new level (weeks), the held days by the shift test.
    first, last = after[0]
    assert last - first >= 21, after
    assert (out["test"].iloc[first + 140 : last + 141] == "shift").any()


def test_without_episodes_the_same_shift_alerts_more_than_once() -> None:
    """The test above can fail: with episodes switched off the runs break."""
    shift = np.where(np.arange(320) >= 150, np.log(2.0), 0.0)
    broken = 0
    for seed in (3, 11, 21):
        df = build("share", level=0.05, volume=400, days=320, seed=seed, effect=shift)
        off = DetectorParams(episodes=EpisodeParams(max_days=0, memory_days=0))
        out = score_series(df, "share", "lower", params=off)
        broken += len(runs(out["is_alert"].to_numpy()[140:])) > 1
    assert broken >= 1


def test_a_return_to_the_old_level_is_not_an_anomaly() -> None:
    # A rate that steps up by half for 60 days, then back; no better direction, so a flagged
    # return would alert.
    step = np.where((np.arange(320) >= 150) & (np.arange(320) < 210), 0.5, 0.0)
    df = build("rate", level=20e-4, volume=100_000, days=320, seed=8, effect=step)
    out = score_series(df, "rate", None, SCALE["rate"])
    flags = out["is_alert"].to_numpy()
    assert flags[150] and out["direction"].iloc[150] == "up"
    assert not (out["direction"].iloc[200:] == "down").any()
    assert not flags[215:].any()


def test_a_one_day_spike_stays_one_day() -> None:
    df = build("rate", level=20e-4, volume=100_000, days=260, seed=5, effect=days(260, [200], 1.0))
    out = score_series(df, "rate", "lower", SCALE["rate"])
    assert runs(out["is_alert"].to_numpy()[150:]) == [(50, 50)]
    assert out["test"].iloc[200] == "point"


def test_verdicts_stay_causal_with_episodes() -> None:
    shift = np.where(np.arange(300) >= 150, np.log(2.0), 0.0)
    df = build("share", level=0.05, volume=400, days=300, seed=3, effect=shift)
    full = score_series(df, "share", "lower")
    for cut in (160, 175, 200):
        part = score_series(df.iloc[:cut], "share", "lower")
        columns = ["expected", "lower", "upper", "score", "is_anomaly", "test"]
        pd.testing.assert_frame_equal(
            part[columns], full[columns].iloc[:cut], check_dtype=False, rtol=1e-9
        )


def test_after_a_change_held_its_full_term_the_same_move_is_not_news_again() -> None:
    # A level 3 sd up from day 10 that stays: held for `max_days`, then the baselines still
    # lag and a test fires again on day 80 on the same level (a re-alert), and on day 90 the
    # level moves a full threshold further (news).
    n = 120
    y = np.where(np.arange(n) >= 10, 3.0, 0.0)
    y[90] = 8.0
    score = np.zeros(n)
    score[[10, 80, 90]] = [4.5, 4.5, 5.0]
    zeros = np.zeros((n, 1))
    ep = follow_episodes(
        y[:, None], zeros, zeros, np.ones((n, 1)), np.full((n, 1), 0.5), score[:, None],
        np.ones((n, 1), dtype=bool), np.zeros(n, dtype=bool), 4.0, EpisodeParams(),
    )  # fmt: skip
    flagged = ep.is_anomaly[:, 0]
    assert flagged[10:66].all() and not flagged[66:80].any()  # held for its 56 days
    assert not flagged[80]  # the same level again: not a second alert
    assert flagged[90]  # a further move is


def test_a_festival_inside_a_lasting_change_does_not_split_it() -> None:
    # Complaints per live listing up by half from 17 Dec (after 12.12) and staying; on New
    # Year's Eve and Day (known "down" days) the holiday takes them back to the old level.
    # Those days used to go unflagged, splitting one change into two alert events.
    n = 400
    day_of = {pd.Timestamp(d): (pd.Timestamp(d) - pd.Timestamp("2025-01-05")).days
              for d in ("2025-12-17", "2025-12-31", "2026-01-01")}  # fmt: skip
    start, eve, new_year = day_of.values()
    effect = np.where(np.arange(n) >= start, 0.5, 0.0)
    effect[[eve, new_year]] = 0.0
    df = build("rate", level=20e-4, volume=100_000, days=n, seed=4, effect=effect)
    out = score_series(df, "rate", "lower", SCALE["rate"])
    flagged = out["is_alert"].to_numpy()
    assert flagged[start]
    assert flagged[eve] and flagged[new_year]  # held through the holiday
    assert len(runs(flagged[start - 5 : new_year + 10])) == 1
