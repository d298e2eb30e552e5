"""The engines' detection benchmark runs and reports what it compared (no timing asserted)."""

from __future__ import annotations

from bench.engines.bench_detect_engines import race, report
from tests.spark_detection.test_spark_synthetic_series import _series


def test_the_benchmark_compares_and_reports(spark) -> None:
    series = _series()
    result, session = race(lambda: spark, series, fdr=0.05, warm=False)
    assert result.identical and session is spark
    assert (result.series, result.rows) == (6, len(series) - 240)  # not the unknown metric
    assert result.first.cpu is None or result.first.cpu > 0  # the workers' CPU counted
    text = report(result, master="local[2]")
    assert "scored: 6 series, 1,440 rows" in text
    assert "detections identical: yes" in text
    assert "warm call" not in text
