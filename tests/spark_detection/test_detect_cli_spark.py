"""`govkpi detect --engine spark` (and GOVKPI_ENGINE=spark) writes the same detections into
the store as the DuckDB engine, through the Spark session the settings describe."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import SparkSession

from govkpi.cli import main
from metrics.metric_store import MetricStore
from tests.dashboard_fixtures import build_store

COLUMNS = "metric_id, slice, date, value, expected, lower, upper, score, is_anomaly, direction, " \
    "is_alert, test"  # fmt: skip


def _detections(store: MetricStore) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(f"SELECT {COLUMNS} FROM detections ORDER BY metric_id, slice, date").df()


def test_detect_on_spark_writes_what_duckdb_writes(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOVKPI_CONFIG", raising=False)
    store = build_store(tmp_path / "store.duckdb", detections=False, alerts=False)
    assert main(["-q", "detect", "--store", store.path, "--engine", "duckdb"]) == 0
    local = _detections(store)
    assert len(local) > 0 and local["is_alert"].any()  # the fixture plants an incident
    with store.write() as con:
        con.execute("DELETE FROM detections")
    monkeypatch.setenv("GOVKPI_ENGINE", "spark")
    assert main(["-q", "detect", "--store", store.path]) == 0
    pd.testing.assert_frame_equal(_detections(store), local)
