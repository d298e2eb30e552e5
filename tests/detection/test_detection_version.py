"""The detector's version tag: changed by parameters, calendar and code; written with detections."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

from alerts.detection import version
from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import NO_EVENTS
from alerts.detection.store_scoring import detect_store
from alerts.detection.version import code_digest, code_files, detector_version
from metrics.metric_store import MetricStore, get_meta
from tests.detection.test_detection_cli import _store_with_series


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


def test_every_module_of_the_detection_package_is_part_of_the_version(tmp_path: Path) -> None:
    """Derived, not listed: changing any one file of the package changes the code digest."""
    copy = tmp_path / "detection"
    shutil.copytree(version.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    files = code_files(copy)
    names = {path.name for path in files}
    # The modules that decide verdicts, including the two a hand-kept list once missed.
    assert {"detectors.py", "autocorrelation.py", "scoring.py", "known_events.toml"} <= names
    assert {p.name for p in version.PACKAGE_DIR.glob("*.py")} <= names
    base = code_digest(copy)
    assert base == code_digest(version.PACKAGE_DIR)
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# changed\n")
        assert code_digest(copy) != base, path.name
        path.write_bytes(original)
    assert code_digest(copy) == base
