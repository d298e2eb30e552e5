"""Benchmark of detection on the two engines (issue 13): a metric store's series scored in
this process (`score_store_series`: pandas and numpy, one core) and on Apache Spark
(`score_store_series_spark`: blocks of series on executors), same store, same settings.

    .venv/bin/python -m bench.bench_detect_engines --store STORE [--master local[2]]
        [--fdr Q] [--no-warm]

The store is only read. Printed: series and rows; seconds and series per second of the
local path and of Spark; Spark's session start (JVM) apart; Spark's first call (its Python
workers start and import the detector) and a warm second call; the ratios; and whether the
detections are identical (exit code 1 if they are not). Run it from the repository root
(or with govkpi installed): Spark's Python workers import this checkout's packages.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from alerts.detection.engines.spark_scoring import score_store_series_spark
from alerts.detection.store_scoring import catalogue_specs, read_store_series, score_store_series
from metrics.metric_store import MetricStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parents[1]


class Race(NamedTuple):
    series: int
    rows: int
    alerts: int
    local_s: float
    spark_first_s: float
    spark_warm_s: float | None
    identical: bool


def race(spark: SparkSession, series: pd.DataFrame, fdr: float | None, warm: bool = True) -> Race:
    """Scores `series` locally and on `spark` (twice if warm); times each and compares."""
    specs = catalogue_specs()
    started = time.perf_counter()
    local = score_store_series(series, specs, fdr=fdr)
    local_s = time.perf_counter() - started
    started = time.perf_counter()
    on_spark = score_store_series_spark(spark, series, specs, fdr=fdr)
    first_s = time.perf_counter() - started
    warm_s = None
    if warm:
        started = time.perf_counter()
        on_spark = score_store_series_spark(spark, series, specs, fdr=fdr)
        warm_s = time.perf_counter() - started
    try:
        pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
        identical = True
    except AssertionError as exc:
        print(f"DIFFERENT: {exc}", file=sys.stderr)
        identical = False
    n_series = local[["metric_id", "slice"]].drop_duplicates().shape[0]  # those scored
    alerts = int(local["is_alert"].sum()) if len(local) else 0
    return Race(n_series, len(local), alerts, local_s, first_s, warm_s, identical)


def report(result: Race, session_s: float, master: str) -> str:
    def line(step: str, seconds: float) -> str:
        rate = result.series / seconds if seconds > 0 else float("inf")
        return f"{step:44} {seconds:8.1f} {rate:10.0f} {seconds / result.local_s:7.2f}x"

    lines = [
        f"scored: {result.series:,} series, {result.rows:,} rows; {result.alerts:,} alerts",
        f"{'step':44} {'seconds':>8} {'series/s':>10} {'/ local':>8}",
        line("local (score_store_series, this process)", result.local_s),
        f"{f'Spark {master}: session start (JVM)':44} {session_s:8.1f}",
        line(f"Spark {master}: first call (workers start)", result.spark_first_s),
    ]
    if result.spark_warm_s is not None:
        lines.append(line(f"Spark {master}: warm call", result.spark_warm_s))
    total = session_s + result.spark_first_s
    lines.append(line(f"Spark {master}: session start + first call", total))
    lines.append(f"detections identical: {'yes' if result.identical else 'NO'}")
    return "\n".join(lines)


def start_spark(master: str) -> SparkSession:
    from pyspark.sql import SparkSession

    # The workers run this interpreter and import this checkout (unless told otherwise).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.getenv("PYTHONPATH")]))
    spark = (
        SparkSession.builder.master(master)
        .appName("govkpi-bench-detect")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="metric store to score (read only)")
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--fdr", type=float, default=None, help="BH level across series")
    parser.add_argument("--no-warm", action="store_true", help="skip Spark's second call")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    series = read_store_series(MetricStore(args.store))
    if series.empty:
        parser.error(f"{args.store} has no series; run `govkpi compute` first")
    started = time.perf_counter()
    spark = start_spark(args.master)
    session_s = time.perf_counter() - started
    try:
        result = race(spark, series, args.fdr, warm=not args.no_warm)
    finally:
        spark.stop()
    print(report(result, session_s, args.master))
    return 0 if result.identical else 1


if __name__ == "__main__":
    sys.exit(main())
