"""Volume as a signal of its own (alerts.detection.volume.collapse) and "not judged" days.

The demo's model outage: removals fall from about 80 a day to 11 and the proactive share to
6 of 11, inside a band that 11 cases make wide; the collapse of removals is flagged that day.
A festival's threefold volume is not; a slice of four cases a day falling to one is not
evidence of anything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import NO_EVENTS
from alerts.detection.scoring import score_series
from alerts.detection.store_scoring import alert_order, alert_volume_once
from alerts.detection.volume.collapse import volume_anomalies
from tests.detection.test_detection_phenomena import build, days

OUTAGE = 200


def _outage_share() -> pd.DataFrame:
    factor = np.ones(240)
    factor[OUTAGE] = 11 / 80
    df = build("share", level=0.95, volume=80, days=240, seed=4, volume_factor=factor)
    df.loc[OUTAGE, ["numerator", "denominator"]] = [6.0, 11.0]
    df.loc[OUTAGE, "value"] = 6 / 11
    return df


def test_a_collapse_of_removals_is_flagged_on_its_first_day() -> None:
    out = score_series(_outage_share(), "share", "higher")
    day = out.iloc[OUTAGE]
    assert day["is_alert"] and day["test"] == "volume" and day["direction"] == "down"
    assert not out["is_alert"].iloc[150:OUTAGE].any()


def test_a_volume_collapse_alerts_whichever_way_the_indicator_is_better() -> None:
    out = score_series(_outage_share(), "share", "lower")  # a lower share would be good
    assert out["is_alert"].iloc[OUTAGE] and out["test"].iloc[OUTAGE] == "volume"


def test_a_festival_threefold_volume_with_a_flat_rate_is_not_flagged() -> None:
    factor = 1 + 2 * days(240, [180, 181, 200], 1.0)
    df = build("rate", level=20e-4, volume=50_000, days=240, seed=6, volume_factor=factor)
    params = DetectorParams(known_events=NO_EVENTS)  # not in any calendar: volume alone
    out = score_series(df, "rate", "lower", 10000.0, params)
    assert not out["is_alert"].iloc[150:].any()


def test_a_few_cases_falling_to_one_is_not_a_collapse() -> None:
    volume = np.full((60, 1), 4.0)
    volume[50, 0] = 1.0
    verdict = volume_anomalies(volume, np.zeros(60, dtype=bool), 4.0)
    assert not verdict.is_anomaly.any()
    busy = np.full((60, 1), 80.0)
    busy[50, 0] = 11.0
    assert volume_anomalies(busy, np.zeros(60, dtype=bool), 4.0).is_anomaly[50, 0]


def test_a_day_with_too_few_cases_has_no_band() -> None:
    # 1 complaint in 20 listings: no day verdict, and no band from 0% to 100% either. Only
    # the tests that pool days may score a day that falls short of one expected event.
    df = build("share", level=0.02, volume=20, days=120, seed=2)
    out = score_series(df, "share", "lower")
    quiet = out.iloc[60:]
    assert not quiet["is_anomaly"].any()
    assert (quiet["score"].isna() | (quiet["score"] <= 0)).all()
    assert quiet["score"].isna().mean() > 0.9
    assert quiet["lower"].isna().all() and quiet["upper"].isna().all()


def test_a_shared_denominator_that_collapses_alerts_once_per_slice_and_day() -> None:
    day = pd.Timestamp("2026-09-05").date()
    out = pd.DataFrame(
        {
            "metric_id": ["appeal_rate", "proactive_rate", "prepublish_block_share",
                          "proactive_rate", "repeat_offender_rate"],
            "slice": ["all", "all", "all", "market=ES", "all"],
            "date": [day] * 5,
            "test": ["volume"] * 5,
            "is_anomaly": [True] * 5,
            "is_alert": [True] * 5,
            "series_id": ["x"] * 5,
        }
    )  # fmt: skip
    removals = pd.Series([11.0, 11.0, 11.0, 2.0, 9.0])  # sellers with a removal: 9
    rank = out["metric_id"].map(alert_order())
    result = alert_volume_once(out, removals, rank)
    alerted = result.loc[result["is_alert"], ["metric_id", "slice"]].to_numpy().tolist()
    assert alerted == [
        ["proactive_rate", "all"],  # the headline indicator says it for removals
        ["proactive_rate", "market=ES"],
        ["repeat_offender_rate", "all"],  # its own denominator
    ]
    assert result["is_anomaly"].all()  # the others keep the flag
