"""The detection step as settings describe it: one function for `govkpi detect` and the job.

The `[detection]` section (decision limit, FDR, known-events calendar) becomes the detector's
parameters here only, so the daily job scores the store exactly as `govkpi detect` with the
same settings does and never overwrites its detections with defaults.
"""

from __future__ import annotations

import logging
from functools import partial

import pandas as pd

from alerts.detection.detectors import DetectorParams
from alerts.detection.known_events import load_known_events
from alerts.detection.store_scoring import detect_store
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
    log.info(
        "detecting anomalies (threshold %s, fdr %s) on %s",
        detection.threshold,
        detection.fdr or "off",
        engine,
    )
    params = detector_params(detection)
    if engine != "spark":
        return detect_store(store, params=params, fdr=detection.fdr)
    from alerts.detection.engines.spark_scoring import score_store_series_spark
    from metrics.engines.spark_session import start_session

    # A missing Java or pyspark, or an unreachable master, is one UserError line (exit 2).
    session = start_session(spark or SparkSettings())
    try:
        return detect_store(
            store,
            params=params,
            fdr=detection.fdr,
            score=partial(score_store_series_spark, session.spark),
        )
    finally:
        session.stop()
