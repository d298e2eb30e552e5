"""The card's figures in words: the normal level (the detector's expected value and the range
it judges by) and the volume behind the value beside the usual day's, per kind of indicator."""

from __future__ import annotations

import math

from alerts.notify.card_lines import Volume, about, normal_text, volume_text
from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue().metrics


def test_normal_level_in_the_indicators_unit_with_the_range_where_it_says_something() -> None:
    band = {"expected": 0.712, "lower": 0.64, "upper": 0.784, "score": 5.1}
    assert normal_text("share", band) == "71.2% (range 64.0% to 78.4%)"
    # A share's range from 0% to 100% says nothing: the expected value alone.
    assert normal_text("share", {**band, "lower": 0.0, "upper": 1.0}) == "71.2%"
    hours = {"expected": 18.5, "lower": 12.0, "upper": 25.0, "score": 1.0}
    assert normal_text("duration", hours) == "18.5 h (range 12.0 h to 25.0 h)"
    # Not scored that day, or no detector row at all: nothing rather than `n/a`.
    assert normal_text("rate", {"expected": None, "lower": None}) == ""
    assert normal_text("rate", {"expected": math.nan}) == ""
    assert normal_text("rate", None) == ""
    # An expected value without a score (no range judged): the value alone.
    assert normal_text("rate", {"expected": 5.32, "lower": 4.0, "upper": 7.0}) == "5.32"


def test_volume_behind_the_value_per_kind() -> None:
    share = CATALOGUE["proactive_rate"]
    assert volume_text(share, Volume(6, 11, 75, 82.5)) == (
        "6 of 11 removals; usually about 82 removals a day"
    )
    assert volume_text(share, Volume(None, 11)) == "11 removals"  # never `0 of 11`
    assert volume_text(share, Volume(1, 1)) == "1 of 1 removal"
    rate = CATALOGUE["complaint_rate"]
    assert volume_text(rate, Volume(1_079, 947_588, 1_013, 940_000)) == (
        "1,079 complaints on 947,588 live listings; usually about 1,000 complaints a day"
    )
    assert volume_text(rate, Volume(None, 947_588)) == ""
    duration = CATALOGUE["time_to_decision"]
    assert volume_text(duration, Volume(None, 929, None, 881)) == (
        "median of 929 complaints; usually about 880 complaints a day"
    )
    # A count is its own volume; a day without a row says nothing.
    assert volume_text(CATALOGUE["new_listings"], Volume(1_259, None, 1_300)) == ""
    assert volume_text(share, None) == "" and volume_text(share, Volume()) == ""


def test_about_keeps_two_significant_figures() -> None:
    assert [about(v) for v in (0.4, 7.6, 82.5, 99.4, 1_013.5, 947_588)] == [
        0,
        8,
        82,
        99,
        1_000,
        950_000,
    ]
