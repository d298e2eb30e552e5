"""Spark scores a store computed from a generated sample exactly as the local path does.

The store is filled by the real engine from `govkpi sample` exports (60,000 listings, 100
days); its whole and one-dimension slices (~700 series of every kind, in several blocks) are
scored by `score_store_series` and on Spark, with the FDR screen off and on. The frames must
be equal: columns, dtypes, row order, and every float to the bit.
"""

from __future__ import annotations

import pandas as pd
import pytest

from alerts.detection.engines.spark_scoring import score_store_series_spark
from alerts.detection.store_scoring import catalogue_specs, read_store_series, score_store_series
from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from sample_data.generator import generate_sample


@pytest.fixture(scope="module")
def store_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("spark_sample")
    generate_sample(folder / "data", listings=60_000, days=100)
    store = MetricStore(folder / "store.duckdb")
    compute_store(str(folder / "data"), store, full=True)
    series = read_store_series(store)
    # Crossed slices add thousands of series and nothing the engines could disagree on.
    return series[~series["slice"].str.contains(",")].reset_index(drop=True)


def test_spark_detections_equal_the_local_ones_with_fdr_off_and_on(spark, store_series) -> None:
    specs = catalogue_specs()
    assert store_series[["metric_id", "slice"]].drop_duplicates().shape[0] > 500
    anomalies = {}
    for fdr in (None, 0.05):
        local = score_store_series(store_series, specs, fdr=fdr)
        on_spark = score_store_series_spark(spark, store_series, specs, fdr=fdr)
        pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
        assert on_spark["is_alert"].sum() > 10
        assert on_spark["score"].notna().sum() > 5_000  # days with a verdict
        anomalies[fdr] = int(on_spark["is_anomaly"].sum())
    assert anomalies[0.05] < anomalies[None]  # the screen across series did run
