"""bench.holdout_b_suite: deterministic draws that cover issue 12's cases, labelled by
bench.detect_scoring's convention, and scored by bench_detect as the `holdout-b` suite."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.bench_detect import main
from bench.detect_scoring import SHIFT_LABEL_DAYS
from bench.holdout_b_suite import (
    HOLDOUT_B_SEEDS,
    INCIDENT_TYPES,
    KINDS,
    N_DAYS,
    TIERS,
    HoldoutBSuite,
    make_holdout_b,
)

DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module", params=HOLDOUT_B_SEEDS)
def suite(request: pytest.FixtureRequest) -> HoldoutBSuite:
    return make_holdout_b(request.param)


def test_the_default_seeds_are_stated_and_a_draw_is_deterministic() -> None:
    assert HOLDOUT_B_SEEDS == (303, 404)
    first, again = make_holdout_b(303, n_series=24), make_holdout_b(303, n_series=24)
    pd.testing.assert_frame_equal(first.frame, again.frame)
    assert first.incidents == again.incidents
    assert first.festival_days == again.festival_days
    other = make_holdout_b(404, n_series=24)
    assert not first.frame["value"].equals(other.frame["value"])


def test_a_draw_is_160_series_of_420_days_in_the_detectors_frame_format(
    suite: HoldoutBSuite,
) -> None:
    frame = suite.frame
    assert list(frame.columns) == ["series_id", "date", "value", "numerator", "denominator", "p90"]
    assert len(suite.series) == 160 and frame["series_id"].nunique() == 160
    days = frame.groupby("series_id")["date"].agg(["min", "max", "size"])
    assert ((days["max"] - days["min"]).dt.days == N_DAYS - 1).mean() > 0.9
    assert days["size"].max() == N_DAYS and days["size"].min() < N_DAYS  # some days missing
    kind = frame["series_id"].map(lambda s: suite.series[s].kind)
    share, rate = frame[kind == "share"], frame[kind == "rate"]
    count, duration = frame[kind == "count"], frame[kind == "duration"]
    assert np.allclose(share["value"], share["numerator"] / share["denominator"])
    assert np.allclose(rate["value"], rate["numerator"] / rate["denominator"] * 10_000)
    assert count["denominator"].isna().all() and (count["value"] == count["numerator"]).all()
    assert duration["numerator"].isna().all() and (duration["p90"] >= duration["value"]).all()
    assert frame.loc[kind != "duration", "p90"].isna().all()
    assert {suite.series[s].scale for s in suite.series if suite.series[s].kind == "rate"} == {
        10_000.0
    }


def test_every_kind_tier_and_incident_type_is_present(suite: HoldoutBSuite) -> None:
    seen = {(suite.series[i.series_id].kind, suite.series[i.series_id].tier, i.incident_type)
            for i in suite.incidents}  # fmt: skip
    assert seen == {(k, t, i) for k in KINDS for t in TIERS for i in INCIDENT_TYPES}
    clean = {s for s in suite.series} - {i.series_id for i in suite.incidents}
    assert {(suite.series[s].kind, suite.series[s].tier) for s in clean} == {
        (k, t) for k in KINDS for t in TIERS
    }
    features = {f for s in clean for f in suite.series[s].features}
    assert {"drift", "festival", "weekly", "trend", "missing days"} <= features


def test_incidents_go_the_bad_way_and_are_sized_as_the_docstring_says(
    suite: HoldoutBSuite,
) -> None:
    for inc in suite.incidents:
        better = suite.series[inc.series_id].better
        if better is not None:
            assert inc.direction == ("down" if better == "higher" else "up"), inc
        if inc.kind in ("spike", "dip"):
            assert inc.direction == ("up" if inc.kind == "spike" else "down")
            days = (inc.end - inc.start).days + 1
            low, high = {1: (4.0, 8.0), 2: (3.0, 6.0), 3: (2.5, 5.0)}[days]
            assert low <= inc.size_sd <= high
            # Every day of it is moved by size_sd of that day's noise sd.
            s = suite.series[inc.series_id]
            for offset in range(days):
                d = (inc.start - pd.Timestamp("2023-09-04")).days + offset
                link = np.log(s.truth / (1 - s.truth)) if s.kind == "share" else np.log(s.truth)
                # against the same weekday a week before: the weekly pattern cancels
                week = link[d] - link[d - 7]
                assert np.sign(week) == (1 if inc.direction == "up" else -1), inc
                assert abs(week) == pytest.approx(inc.size_sd * s.sd[d], rel=0.05, abs=0.02)


def test_label_windows_follow_the_scoring_convention(suite: HoldoutBSuite) -> None:
    last = pd.Timestamp("2023-09-04") + (N_DAYS - 1) * DAY
    rows = suite.frame.groupby("series_id")["date"].apply(set)
    for inc in suite.incidents:
        w = inc.window
        assert (w.series_id, w.start) == (inc.series_id, inc.start)
        if inc.kind in ("spike", "dip"):
            assert w.end == inc.end and 1 <= (inc.end - inc.start).days + 1 <= 3
        elif inc.kind == "shift":
            assert w.end == inc.start + (SHIFT_LABEL_DAYS - 1) * DAY
            if inc.returns:
                assert 30 <= (inc.end - inc.start).days + 1 <= 90 and inc.end < last
            else:
                assert inc.end == last
        else:
            assert inc.kind == "ramp" and inc.ramp_end is not None
            assert w.end == inc.ramp_end and 14 <= (inc.ramp_end - inc.start).days + 1 <= 21
            assert inc.end == last
        window_days = set(pd.date_range(w.start, w.end))
        assert window_days <= rows[inc.series_id], f"a label-window day is missing: {inc}"


def test_drift_series_stay_within_about_30_percent_of_their_start(suite: HoldoutBSuite) -> None:
    labelled = {i.series_id for i in suite.incidents}
    drift = [s for s, x in suite.series.items() if "drift" in x.features]
    assert len(drift) == 6 and not set(drift) & labelled
    for sid in drift:
        s = suite.series[sid]
        assert s.kind in ("share", "rate") and s.tier == "large"
        ratio = s.truth / s.truth[0]
        assert 0.7 <= ratio.min() and ratio.max() <= 1.3, sid
        # it does drift: at least 8 % over the draw, never a jump
        assert np.abs(ratio - 1).max() >= 0.08
        assert np.abs(np.diff(np.log(s.truth))).max() < 0.002
        den = suite.frame.loc[suite.frame["series_id"] == sid, "denominator"]
        assert 8_000 <= den.median() <= 120_000
        assert 200 <= s.concentration <= 3_000


def test_festival_days_raise_the_volume_and_leave_the_rate_flat(suite: HoldoutBSuite) -> None:
    labelled = {i.series_id for i in suite.incidents}
    festive = [s for s, x in suite.series.items() if "festival" in x.features]
    assert festive and not set(festive) & labelled
    on = suite.frame["date"].isin(suite.festival_days)
    for sid in festive:
        s = suite.series[sid]
        assert s.kind != "count"
        rows = suite.frame["series_id"] == sid
        den_on = suite.frame.loc[rows & on, "denominator"].median()
        den_off = suite.frame.loc[rows & ~on, "denominator"].median()
        assert den_on > 1.5 * den_off, sid
        # the true rate on a festival day is the one of the same weekday a week before
        # (up to its trend)
        for day in suite.festival_days:
            d = (day - pd.Timestamp("2023-09-04")).days
            if d >= 7:
                assert s.truth[d] == pytest.approx(s.truth[d - 7], rel=0.01)


def test_bench_detect_scores_holdout_b_as_held_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--suites", "holdout-b", "--no-baselines", "--speed-series", "0"]) == 0
    out = capsys.readouterr().out
    assert "holdout-b seeds 303, 404" in out
    for seed in HOLDOUT_B_SEEDS:
        assert (
            f"holdout-b suite, seed {seed} (HELD OUT, never seen while developing,"
            f" 160 series of 420 days)"
        ) in out
    assert out.count("  govkpi ") == 2 and "rolling 3 sigma" not in out
    assert out.count("recalled by kind: dip ") == 2
    assert "clean series, false events / series-year by feature: drift " in out
    for other in ("synthetic suite", "holdout suite", "NAB nyc_taxi passengers"):
        assert other not in out
