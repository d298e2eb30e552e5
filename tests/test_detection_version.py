"""The detector's version tag: written with the detections, changed by parameters and calendar."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from alerts.detection_store import detect_store, detector_version
from alerts.detectors import DetectorParams
from alerts.known_events import NO_EVENTS
from metrics.metric_store import MetricStore, get_meta
from tests.test_detection_cli import _store_with_series


def test_version_is_short_stable_and_follows_parameters_and_calendar() -> None:
    base = detector_version()
    assert re.fullmatch(r"detector-[0-9a-f]{8}", base)
    assert detector_version(DetectorParams()) == base  # stable across calls and instances
    assert detector_version(DetectorParams(threshold=4.5)) != base
    assert detector_version(DetectorParams(known_events=NO_EVENTS)) != base
    assert detector_version(fdr=0.05) != base
    # A nested parameter counts too.
    changed = dataclasses.replace(DetectorParams().baseline, winsor=3.0)
    assert detector_version(DetectorParams(baseline=changed)) != base


def test_detect_store_records_the_version_in_the_same_write(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    _store_with_series(store.path)
    before = store.version()
    detect_store(store, params=DetectorParams(threshold=4.5))
    with store.read() as con:
        assert get_meta(con, "detector_version") == detector_version(DetectorParams(threshold=4.5))
        assert con.execute("SELECT count(*) FROM detections").fetchone()[0] > 0
    assert store.version() != before
