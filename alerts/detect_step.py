"""The detection step as settings describe it: one function for `govkpi detect` and the job.

The `[detection]` section (decision limit, FDR, known-events calendar) becomes the detector's
parameters here only, so the daily job scores the store exactly as `govkpi detect` with the
same settings does and never overwrites its detections with defaults.
"""

from __future__ import annotations

import logging

import pandas as pd

from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import load_known_events
from alerts.detection.store_scoring import detect_store
from metrics.errors import ConfigError
from metrics.metric_store import MetricStore
from metrics.settings import DetectionSettings, SparkSettings

log = logging.getLogger(__name__)


def detector_params(detection: DetectionSettings) -> DetectorParams:
    """DetectorParams with the configured limit and calendar (else the packaged one)."""
    if detection.known_events:
        return DetectorParams(
            threshold=detection.threshold, known_events=load_known_events(detection.known_events)
        )
    return DetectorParams(threshold=detection.threshold)


def require_local_scoring(engine: str) -> None:
    """Scoring on Spark (alerts.detection.spark_scoring) is not part of this build."""
    if engine == "spark":
        raise ConfigError("detect --engine spark: not available in this build")


def detect_with_settings(
    store: MetricStore,
    detection: DetectionSettings,
    *,
    engine: str = "duckdb",
    spark: SparkSettings | None = None,
) -> pd.DataFrame:
    """Scores the store's series and replaces its detections table; returns the detections.

    `engine` "spark" scores the series grouped by series on Spark (with the `spark`
    settings) instead of in this process.
    """
    require_local_scoring(engine)
    log.info(
        "detecting anomalies (threshold %s, fdr %s)", detection.threshold, detection.fdr or "off"
    )
    return detect_store(store, params=detector_params(detection), fdr=detection.fdr)
