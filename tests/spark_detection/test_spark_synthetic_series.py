"""Spark keeps each series' verdicts on its own rows.

Series built in code (seeded): a proactive share that falls on day SHIFT in Spain beside a
calm France, removals collapsing on day OUTAGE under two indicators that share them, a
duration and a rate of other kinds, and a metric the catalogue does not know; rows
shuffled, scored in the store's blocks and in blocks of two series. Spark must give the
local frame exactly, and the planted events must be where they were planted: a result
moved to another series' rows fails both.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from alerts.detection import scoring
from alerts.detection.detectors import DetectorParams
from alerts.detection.engines.spark_scoring import score_store_series_spark
from alerts.detection.known_events import NO_EVENTS
from alerts.detection.store_scoring import catalogue_specs, score_store_series
from tests.detection.test_detection_phenomena import build

DAYS, SHIFT, OUTAGE = 240, 190, 200


def _series() -> pd.DataFrame:
    fall = np.where(np.arange(DAYS) >= SHIFT, -0.7, 0.0)  # log-odds: 90% -> 82%
    collapse = np.ones(DAYS)
    collapse[OUTAGE] = 11 / 80  # removals: 80 a day, 11 that day
    parts = {
        ("proactive_rate", "market=ES"): build("share", level=0.9, volume=400, seed=1, effect=fall),
        ("proactive_rate", "market=FR"): build("share", level=0.9, volume=400, seed=2),
        ("proactive_rate", "all"): build("share", level=0.95, volume=80, seed=4,
                                         volume_factor=collapse),
        ("prepublish_block_share", "all"): build("share", level=0.5, volume=80, seed=8,
                                                 volume_factor=collapse),
        ("time_to_decision", "all"): build("duration", level=20.0, volume=300, seed=5),
        ("complaint_rate", "all"): build("rate", level=20e-4, volume=50_000, seed=6),
        ("retired_metric", "all"): build("count", level=100.0, volume=1, seed=7),
    }  # fmt: skip
    rows = pd.concat(
        [df.assign(metric_id=m, slice=s) for (m, s), df in parts.items()], ignore_index=True
    )
    rows["date"] = pd.to_datetime(rows["date"])  # as the store gives them
    columns = ["metric_id", "slice", "date", "value", "numerator", "denominator", "p90"]
    return rows[columns].sample(frac=1.0, random_state=3).reset_index(drop=True)


def _days(out: pd.DataFrame, metric: str, slice_: str, column: str) -> list[int]:
    """Days (from the first) of one series where `column` is true."""
    rows = out[(out["metric_id"] == metric) & (out["slice"] == slice_) & out[column]]
    return sorted((pd.to_datetime(rows["date"]) - pd.Timestamp("2025-01-05")).dt.days)


@pytest.mark.parametrize("block", [scoring.BLOCK, 2])
def test_each_series_keeps_its_own_verdicts(spark, monkeypatch, caplog, block) -> None:
    monkeypatch.setattr(scoring, "BLOCK", block)
    series, specs = _series(), catalogue_specs()
    with caplog.at_level(logging.WARNING):
        local = score_store_series(series, specs)
        on_spark = score_store_series_spark(spark, series, specs)
    pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
    unknown = [r for r in caplog.records if "retired_metric is not in the catalogue" in r.message]
    assert len(unknown) == 2  # one warning from each path
    assert "retired_metric" not in set(on_spark["metric_id"])

    es = _days(on_spark, "proactive_rate", "market=ES", "is_alert")
    assert es and SHIFT <= es[0] <= SHIFT + 2  # none before the fall, caught within 2 days
    es_alerts = on_spark[(on_spark["slice"] == "market=ES") & on_spark["is_alert"]]
    assert set(es_alerts["direction"]) == {"down"}
    assert not _days(on_spark, "proactive_rate", "market=FR", "is_alert")
    volume = on_spark[(on_spark["test"] == "volume")]
    assert sorted(zip(volume["metric_id"], volume["is_alert"], strict=True)) == [
        ("prepublish_block_share", False),  # the flag, not the alert: the headline says it
        ("proactive_rate", True),
    ]
    assert set(_days(volume, "proactive_rate", "all", "is_alert")) == {OUTAGE}


def test_no_known_series_gives_the_local_empty_detections(spark) -> None:
    series = _series()
    retired = series[series["metric_id"] == "retired_metric"].reset_index(drop=True)
    for rows in (retired, retired.iloc[:0]):
        local = score_store_series(rows, catalogue_specs())
        on_spark = score_store_series_spark(spark, rows, catalogue_specs())
        pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
        assert on_spark.empty


def test_the_detector_settings_travel_to_the_executors(spark) -> None:
    # A lower limit and no known-events calendar: more anomalies, the same on both engines.
    params = DetectorParams(threshold=2.5, known_events=NO_EVENTS)
    series, specs = _series(), catalogue_specs()
    local = score_store_series(series, specs, params)
    on_spark = score_store_series_spark(spark, series, specs, params)
    pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
    assert on_spark["is_anomaly"].sum() > score_store_series(series, specs)["is_anomaly"].sum()


def test_a_day_given_twice_is_read_as_the_local_path_reads_it(spark) -> None:
    series = _series()
    again = series[series["metric_id"] == "complaint_rate"].iloc[::3].copy()
    again[["value", "numerator"]] *= 3.0  # the later row of a day is the one scored
    twice = pd.concat([series, again], ignore_index=True)
    local = score_store_series(twice, catalogue_specs())
    on_spark = score_store_series_spark(spark, twice, catalogue_specs())
    pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
    assert local["is_alert"].sum() > score_store_series(series, catalogue_specs())["is_alert"].sum()
