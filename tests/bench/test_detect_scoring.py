"""bench.detect_scoring: the event-level scoring convention on hand-made flags."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.detect_scoring import (
    SHIFT_LABEL_DAYS,
    SLACK_DAYS,
    Window,
    label_window,
    score_events,
    window_delays,
)

T = pd.Timestamp
DAY0 = T("2025-03-01")


def day(i: int) -> pd.Timestamp:
    return DAY0 + pd.Timedelta(days=i)


def flags(series_id: str, *days: int) -> pd.DataFrame:
    return pd.DataFrame({"series_id": series_id, "date": [day(i).date() for i in days]})


def test_label_windows_follow_the_convention() -> None:
    assert SHIFT_LABEL_DAYS == 7 and SLACK_DAYS == 2
    assert label_window("s", "shift", day(0), day(59)) == Window("s", day(0), day(6))
    assert label_window("s", "shift", day(0), day(3)) == Window("s", day(0), day(3))
    assert label_window("s", "ramp", day(0), day(40), ramp_end=day(14)) == Window(
        "s", day(0), day(14)
    )
    for kind in ("spike", "dip", "drop"):
        assert label_window("s", kind, day(5), day(7)) == Window("s", day(5), day(7))


def test_label_window_rejects_what_it_cannot_label() -> None:
    with pytest.raises(ValueError, match="rising day"):
        label_window("s", "ramp", day(0), day(30))
    with pytest.raises(ValueError, match="unknown incident kind"):
        label_window("s", "wobble", day(0), day(3))
    with pytest.raises(ValueError, match="before it starts"):
        label_window("s", "spike", day(3), day(0))


def test_a_re_alert_weeks_into_a_lasting_shift_is_a_false_event() -> None:
    shift = label_window("s", "shift", day(0), day(59))
    score = score_events(flags("s", 0, 1, 2, 3, 20), [shift], 365, 0.0)
    assert (score.events, score.true_events, score.recalled) == (2, 1, 1)
    assert score.false_per_series_year == 1.0
    assert score.precision == 0.5 and score.median_delay == 0.0


@pytest.mark.parametrize(
    ("flag_day", "true"),
    [(9, False), (10, True), (12, True), (12 + SLACK_DAYS, True), (12 + SLACK_DAYS + 1, False)],
)
def test_the_window_is_widened_after_its_end_only(flag_day: int, true: bool) -> None:
    spike = label_window("s", "spike", day(10), day(12))
    score = score_events(flags("s", flag_day), [spike], 365, 0.0)
    assert (score.true_events, score.recalled) == (int(true), int(true))
    assert window_delays(flags("s", flag_day), [spike]) == [flag_day - 10 if true else None]


def test_an_event_running_into_the_window_from_before_counts_from_the_start() -> None:
    spike = label_window("s", "spike", day(10), day(10))
    assert window_delays(flags("s", 8, 9, 10, 11), [spike]) == [0]
    assert score_events(flags("s", 8, 9, 10), [spike], 365, 0.0).true_events == 1


def test_flags_of_another_series_are_false_unless_related_says_otherwise() -> None:
    spike = label_window("a", "spike", day(10), day(10))
    plain = score_events(flags("b", 10), [spike], 365, 0.0)
    assert (plain.true_events, plain.recalled) == (0, 0)
    hooked = score_events(flags("b", 10), [spike], 365, 0.0, related=lambda x, y: True)
    assert hooked.true_events == 1
