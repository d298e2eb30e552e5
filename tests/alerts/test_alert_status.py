"""alerts.state.alert_status: the rules every surface renders."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from alerts.state.alert_status import (
    band_is_drawn,
    day_flag,
    detector_verdict,
    lifecycle,
    threshold_status,
)
from alerts.state.status_series import drawn_band, facts_frame, series_flags

APPEALS = {"warning": 0.2, "critical": 0.3, "side": "above", "min_volume": 20}
D = date(2026, 4, 1)


def test_a_value_beyond_critical_judged_warning_says_so_in_place() -> None:
    status = threshold_status(
        {**APPEALS, "value": 1 / 3, "denominator": 18, "level": "warning", "low_volume": True},
        "share",
        "appeal",
    )
    assert (status.level, status.word, status.capped) == ("warning", "Warning", True)
    assert status.reason == "33.3% of 18 appeals: too few to call critical"


def test_low_volume_day_is_not_judged_and_says_why() -> None:
    breach = threshold_status(
        {**APPEALS, "value": 1 / 3, "denominator": 3, "level": None, "low_volume": True},
        "share",
        "appeal",
    )
    assert (breach.level, breach.reason) == (
        "not_judged", "33.3% of 3 appeals: too few to call critical"
    )  # fmt: skip
    quiet = threshold_status(
        {**APPEALS, "value": 0.0, "denominator": 1, "level": None, "low_volume": True},
        "share",
        "appeal",
    )
    assert quiet.level == "not_judged"
    assert quiet.reason == "0.00% of 1 appeal: too few to judge (the rule needs 20 appeals)"


@pytest.mark.parametrize(
    ("value", "level", "expected", "reason"),
    [
        (0.35, "critical", "critical", "35.0% is above the critical threshold 30.0%"),
        (0.25, "warning", "warning", "25.0% is above the warning threshold 20.0%"),
        (0.10, "ok", "on_target", "10.0% is within target (warning above 20.0%)"),
        (None, None, "no_data", "no value for this day"),
    ],
)
def test_threshold_levels_follow_the_rule_book(value, level, expected, reason) -> None:  # type: ignore[no-untyped-def]
    row = {**APPEALS, "value": value, "denominator": 40, "level": level, "low_volume": False}
    status = threshold_status(row, "share", "appeal")
    assert (status.level, status.reason, status.capped) == (expected, reason, False)


def test_no_rule_means_no_target() -> None:
    assert threshold_status({"value": 5.0}, "rate", "live listing").level == "no_target"


def test_a_band_covering_the_whole_range_is_not_drawn() -> None:
    assert not band_is_drawn("share", 0.5, 0.0, 1.0, 1.2)  # 0-100% of a share
    assert band_is_drawn("share", 0.5, 0.01, 1.0, 1.2)
    assert band_is_drawn("share", 0.5, 0.0, 0.9, 1.2)  # a value above 90% is outside
    assert not band_is_drawn("rate", 5.0, 0.0, float("inf"), 1.0)  # no finite upper edge
    assert not band_is_drawn("rate", 5.0, 3.0, 7.0, None)  # the detector did not judge
    verdict = detector_verdict(
        {"value": 0.4, "expected": 0.5, "lower": 0.0, "upper": 1.0, "score": 0.3},
        "share",
        "removal",
    )
    assert (verdict.verdict, verdict.band_drawn) == ("too_wide", False)
    assert verdict.reason == (
        "the detector: too few removals to judge (its expected range 0.00% to 100.0% covers "
        "every possible value)"
    )


def test_a_band_from_zero_with_a_finite_upper_edge_says_something() -> None:
    # Rule 2c: a rate or count band [0, upper] is drawn, even when upper is over twice the
    # expected value: a value above upper is outside it.
    assert band_is_drawn("count", 8.0, 0.0, 20.0, 1.0)
    assert band_is_drawn("rate", 4.0, 0.0, 10.19, 2.0)


def test_a_flagged_day_above_its_stored_range_is_outside_even_if_undrawn() -> None:
    # Rule 2a (Takedown rate · market PL): 11.93 above the stored upper 10.19 is outside the
    # expected range, and the sentence gives the range; never "inside its range".
    row = {"value": 11.93, "expected": 4.0, "lower": 0.0, "upper": 10.19, "score": 5.1,
           "is_alert": True, "direction": "up"}  # fmt: skip
    verdict = detector_verdict(row, "rate", "live listing")
    assert verdict.verdict == "flagged_above" and verdict.counts
    assert verdict.reason == "11.9 is above the expected range 0.00 to 10.2"
    # ...and so even when no score was stored (the band is then not drawn).
    undrawn = detector_verdict({**row, "score": None}, "rate", "live listing")
    assert (undrawn.verdict, undrawn.band_drawn) == ("flagged_above", False)
    on_target = threshold_status({"value": 11.93}, "rate", "live listing")
    assert day_flag(on_target, undrawn) == "outside_range"


def test_a_sustained_shift_never_claims_a_range_it_does_not_have() -> None:
    # Rule 2b: "part of a sustained shift" only inside [lower, upper] or with no range, and
    # then it does not say "inside its range".
    base = {"expected": 4.0, "score": 4.2, "is_alert": True, "direction": "up"}
    inside = detector_verdict({**base, "value": 6.0, "lower": 0.0, "upper": 10.19}, "rate")
    assert inside.verdict == "shift_above"
    assert inside.reason.endswith("though the day alone is within its expected range 0.00 to 10.2")
    none = detector_verdict({**base, "value": 6.0, "lower": None, "upper": None}, "rate")
    assert none.verdict == "shift_above"
    assert "within" not in none.reason and "inside" not in none.reason
    assert none.reason.endswith("with no expected range for the day itself")


def test_a_day_sentence_says_whose_verdict_each_part_is() -> None:
    # Rule 1 (Removed before first sale · whole platform, 9 Sep): the threshold judged 49
    # removals; the detector did not judge the day. Never an unattributed "too few cases".
    days = [date(2026, 9, 9)]
    series = pd.DataFrame({"date": days, "value": [0.918], "denominator": [49.0]})
    detections = pd.DataFrame(
        {"date": days, "expected": [0.95], "lower": [0.8], "upper": [1.0], "score": [None],
         "is_anomaly": [False], "is_alert": [False]}
    )  # fmt: skip
    rated = pd.DataFrame(
        {"date": days, "warning": [0.93], "critical": [0.9], "side": ["below"],
         "min_volume": [20], "level": ["warning"], "low_volume": [False]}
    )  # fmt: skip
    flags = series_flags(facts_frame(series, detections, rated), "share", "removal")
    rec = flags.iloc[0]
    assert (rec["flag"], rec["detector"]) == ("beyond_threshold", "not_judged")
    assert rec["note"] == (
        "91.8% is below the warning threshold 93.0% (49 removals); the detector: too few "
        "removals or too little history to judge against its expected range"
    )
    assert "too few cases" not in rec["note"]


def test_flagged_means_outside_the_drawn_band_else_a_sustained_shift() -> None:
    base = {"expected": 0.5, "lower": 0.4, "upper": 0.6, "is_alert": True, "direction": "up"}
    outside = detector_verdict({**base, "value": 0.7, "score": 4.5}, "share")
    inside = detector_verdict({**base, "value": 0.55, "score": 4.5}, "share")
    assert outside.verdict == "flagged_above" and outside.counts
    assert outside.reason == "70.0% is above the expected range 40.0% to 60.0%"
    assert inside.verdict == "shift_above" and inside.counts
    assert "sustained rise" in inside.reason and "within its expected range" in inside.reason
    below = detector_verdict({**base, "value": 0.3, "score": -4.5, "direction": "up"}, "share")
    assert below.verdict == "flagged_below"  # the picture decides, not the stored direction
    quiet = detector_verdict({**base, "value": 0.5, "score": None, "is_alert": False}, "share")
    assert quiet.verdict == "not_judged" and not quiet.counts


def test_day_flag_prefers_the_threshold_then_the_band() -> None:
    warning = threshold_status(
        {**APPEALS, "value": 0.25, "level": "warning", "low_volume": False}, "share", "appeal"
    )
    on_target = threshold_status(
        {**APPEALS, "value": 0.1, "level": "ok", "low_volume": False}, "share", "appeal"
    )
    band = {"expected": 0.1, "lower": 0.05, "upper": 0.15, "score": 4.0, "is_alert": True}
    out = detector_verdict({**band, "value": 0.25}, "share")
    assert day_flag(warning, out) == "beyond_threshold"
    assert day_flag(on_target, out) == "outside_range"
    assert day_flag(on_target, detector_verdict({**band, "value": 0.12}, "share")) == "shift"
    assert day_flag(on_target, detector_verdict({**band, "value": 0.1,
                                                 "is_alert": False}, "share")) is None  # fmt: skip


def test_series_flags_and_the_drawn_band_agree() -> None:
    days = pd.date_range("2026-03-01", periods=4).date
    series = pd.DataFrame({"date": days, "value": [0.5, 0.9, 0.55, 0.5], "denominator": 50})
    detections = pd.DataFrame(
        {"date": days, "expected": 0.5, "lower": [0.4, 0.4, 0.4, 0.0],
         "upper": [0.6, 0.6, 0.6, 1.0], "score": [0.1, 5.0, 4.2, 0.1],
         "is_anomaly": [False, True, True, False], "is_alert": [False, True, True, False]}
    )  # fmt: skip
    flags = series_flags(facts_frame(series, detections, pd.DataFrame()), "share", "removal")
    assert list(flags["flag"]) == [None, "outside_range", "shift", None]
    assert list(flags["detector"]) == ["within", "flagged_above", "shift_above", "too_wide"]
    band = drawn_band(flags)
    assert band["upper"].isna().tolist() == [False, False, False, True]
    # Every day flagged "outside" is outside the band as drawn.
    for rec in band[band["flag"] == "outside_range"].to_dict("records"):
        assert not rec["lower"] <= rec["value"] <= rec["upper"]


@pytest.mark.parametrize(
    ("state", "severity", "since", "before", "resolved", "word"),
    [
        ("firing", "warning", D, None, None, "new"),
        ("firing", "warning", date(2026, 3, 20), "warning", None, "still firing"),
        ("firing", "critical", date(2026, 3, 20), "warning", None, "escalated"),
        ("recovering", "warning", date(2026, 3, 20), "warning", None, "recovering"),
        ("pending", "warning", None, None, None, "pending"),
        ("no_data", "warning", date(2026, 3, 20), "warning", None, "no data"),
        ("normal", None, None, "warning", D, "resolved"),
        ("normal", None, None, None, None, "normal"),
    ],
)
def test_lifecycle_words(state, severity, since, before, resolved, word) -> None:  # type: ignore[no-untyped-def]
    held = "firing" if state == "no_data" else None
    result = lifecycle(state, held, severity, since, None, resolved, D, before)
    assert result.word == word
    if word == "escalated":
        assert result.label == "Escalated · critical"
    if word == "resolved":
        assert result.label == "Resolved"  # no severity on a resolved alert


def test_a_volume_collapse_is_named_as_such_not_as_a_sustained_fall() -> None:
    # The demo's outage day: 6 of 11 removals proactive, inside the band 11 cases make wide;
    # the detector flagged the collapse of removals (test "volume").
    day = {
        "value": 0.545, "expected": 0.978, "lower": 0.419, "upper": 1.0, "score": -11.7,
        "is_anomaly": True, "is_alert": True, "direction": "down", "test": "volume",
    }  # fmt: skip
    verdict = detector_verdict(day, "share", "removal")
    assert verdict.verdict == "volume_below" and verdict.counts
    assert verdict.reason == (
        "54.5%, but the removals themselves collapsed far below their recent level (score "
        "11.7): the detector flags the volume, whatever the value"
    )
    no_threshold = threshold_status({"value": 0.545, "level": None}, "share", "removal")
    assert day_flag(no_threshold, verdict) == "volume"
    # A store written before detections named their test: the old reading, a sustained fall.
    old = detector_verdict({**day, "test": None}, "share", "removal")
    assert old.verdict == "shift_below"
