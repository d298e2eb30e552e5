"""bench.holdout_suite: the held-out generator gives what its docstring promises."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alerts.detection.scoring import SeriesSpec, score_frame
from bench.detect_scoring import SHIFT_LABEL_DAYS
from bench.holdout_suite import (
    HOLDOUT_SEEDS,
    INCIDENT_TYPES,
    KINDS,
    START,
    TIERS,
    HoldoutSuite,
    make_holdout,
)


@pytest.fixture(scope="module")
def suite() -> HoldoutSuite:
    return make_holdout(HOLDOUT_SEEDS[0])


def test_the_same_seed_gives_the_same_suite_and_another_seed_another(suite: HoldoutSuite) -> None:
    again = make_holdout(HOLDOUT_SEEDS[0])
    pd.testing.assert_frame_equal(suite.frame, again.frame)
    assert suite.incidents == again.incidents and suite.series == again.series
    other = make_holdout(HOLDOUT_SEEDS[1])
    assert not other.frame["value"].head(100).equals(suite.frame["value"].head(100))


def test_shape_kinds_volumes_and_columns(suite: HoldoutSuite) -> None:
    assert len(suite.series) >= 150 and suite.frame["series_id"].nunique() == len(suite.series)
    assert list(suite.frame.columns) == [
        "series_id", "kind", "date", "value", "numerator", "denominator", "p90",
    ]  # fmt: skip
    assert suite.frame.groupby("series_id").size().max() == 420
    assert len({i.series_id for i in suite.incidents}) == len(suite.series) // 2
    seen = {(t.kind, t.tier) for t in suite.series.values()}
    assert seen == {(k, t) for k in KINDS for t in TIERS}
    planted = {(suite.series[i.series_id].kind, i.kind) for i in suite.incidents}
    assert planted == {(k, i) for k in KINDS for i in INCIDENT_TYPES}
    f = suite.frame
    before = pd.to_datetime(f["date"]) < START + pd.Timedelta(days=100)  # before any incident
    counts = f[(f["kind"] == "count") & before].groupby("series_id")["value"].median()
    tiers = {sid: suite.series[sid].tier for sid in counts.index}
    small = counts[[s for s, t in tiers.items() if t == "small"]]
    large = counts[[s for s, t in tiers.items() if t == "large"]]
    assert small.between(1, 20).all() and (large > 10_000).all()
    assert f.loc[f["kind"] == "count", "denominator"].isna().all()
    duration = f[f["kind"] == "duration"]
    assert (duration["p90"] > duration["value"]).all() and (duration["denominator"] >= 1).all()
    rate = f[f["kind"] == "rate"]
    assert np.allclose(rate["value"], rate["numerator"] / rate["denominator"] * 10000)


def test_drift_series_are_clean_high_volume_overdispersed_and_drift_about_a_quarter(
    suite: HoldoutSuite,
) -> None:
    drift = [sid for sid, t in suite.series.items() if "drift" in t.features]
    assert len(drift) >= 8
    assert not {i.series_id for i in suite.incidents} & set(drift)
    for sid in drift:
        truth = suite.series[sid]
        assert truth.kind in ("share", "rate") and 200 <= truth.concentration <= 3000
        rows = suite.frame[suite.frame["series_id"] == sid]
        assert rows["denominator"].between(1e4, 1e5).all()
        monthly = rows["numerator"].rolling(28).sum() / rows["denominator"].rolling(28).sum()
        minority = np.minimum(monthly, 1 - monthly)  # a rate's is itself
        swing = (minority / minority.median() - 1).abs().max()
        assert 0.08 < swing < 0.45, (sid, swing)


def test_label_windows_follow_the_scoring_convention(suite: HoldoutSuite) -> None:
    day = pd.Timedelta(days=1)
    for inc in suite.incidents:
        w, truth = inc.window, suite.series[inc.series_id]
        assert w.series_id == inc.series_id and w.start == inc.start
        if inc.kind in ("spike", "dip"):
            assert w.end == inc.end and 1 <= (w.end - w.start) / day + 1 <= 3
            assert inc.direction == ("up" if inc.kind == "spike" else "down")
        elif inc.kind == "shift":
            assert (w.end - w.start) / day + 1 == SHIFT_LABEL_DAYS
            assert (inc.end - inc.start) / day + 1 >= 30
        else:
            assert inc.ramp_end is not None and w.end == inc.ramp_end
            assert 10 <= (w.end - w.start) / day + 1 <= 25 and not inc.returns
        bad = {"higher": "down", "lower": "up"}.get(truth.better or "", inc.direction)
        assert inc.direction == bad
    shifts = [i for i in suite.incidents if i.kind == "shift"]
    assert {i.returns for i in shifts} == {True, False}
    assert all(i.returns == ((i.end - i.start) / day + 1 <= 90) for i in shifts)


def test_every_label_day_has_data(suite: HoldoutSuite) -> None:
    dates = pd.to_datetime(suite.frame["date"])
    for inc in suite.incidents:
        w = inc.window
        own = suite.frame["series_id"] == w.series_id
        rows = suite.frame[own & dates.between(w.start, w.end)]
        assert len(rows) == (w.end - w.start).days + 1


def test_verdicts_on_holdout_series_are_causal(suite: HoldoutSuite) -> None:
    """Truncating the series at a day changes no verdict before it."""
    ids = [i.series_id for i in suite.incidents[:6]]
    ids += [s for s, t in suite.series.items() if {"drift", "festivals"} & set(t.features)][:4]
    frame = suite.frame[suite.frame["series_id"].isin(ids)]
    specs = {s: SeriesSpec(t.kind, t.better, t.scale) for s, t in suite.series.items() if s in ids}
    full = score_frame(frame, specs)
    for last in sorted({i.start for i in suite.incidents[:6]})[:2]:
        part = score_frame(frame[pd.to_datetime(frame["date"]) <= last], specs)
        same = full[pd.to_datetime(full["date"]) <= last]
        key = ["series_id", "date"]
        part, same = (x.sort_values(key).reset_index(drop=True) for x in (part, same))
        numbers = ["expected", "lower", "upper", "score"]
        pd.testing.assert_frame_equal(part[numbers], same[numbers], rtol=1e-9)
        for column in ("series_id", "date", "is_anomaly", "is_alert", "direction"):
            assert part[column].fillna("").tolist() == same[column].fillna("").tolist(), column
    assert full["is_alert"].any()
