"""Benchmark of detection on the two engines (issue 13): a metric store's series scored in
this process (`score_store_series`: pandas and numpy, one core) and on Apache Spark
(`score_store_series_spark`: blocks of series on executors), same store, same settings.

    .venv/bin/python -m bench.engines.bench_detect_engines --store STORE [--master local[2]]
        [--fdr Q] [--no-warm]

The store is only read. Printed: series and rows scored; wall seconds, CPU seconds (this
process and its children: the JVM and Spark's Python workers) and series per second of the
local path and of Spark; Spark's session start (JVM) apart; Spark's first call (its Python
workers start and import the detector) and a warm second call; the ratios to the local
path; and whether the detections are identical (exit code 1 if they are not). Run it from
the repository root (or with govkpi installed): Spark's Python workers import this
checkout's packages.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import pandas as pd

from alerts.detection.engines.spark_scoring import score_store_series_spark
from alerts.detection.store_scoring import catalogue_specs, read_store_series, score_store_series
from metrics.metric_store import MetricStore

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class Timed(NamedTuple):
    seconds: float
    cpu: float | None  # CPU seconds of this process and its descendants (JVM, workers)


class Race(NamedTuple):
    series: int
    rows: int
    alerts: int
    local: Timed
    session: Timed
    first: Timed
    warm: Timed | None
    identical: bool


def cpu_seconds() -> float | None:
    """CPU seconds used so far by this process and its descendants: Spark's JVM and its
    Python workers (reaped ones through their parent's children times). None without /proc.
    On a shared machine wall time says little; the CPU spent says what an engine costs."""
    if not Path("/proc/self/stat").exists():
        return None
    parent, used = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        used[pid] = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    tree, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [child for child, up in parent.items() if up == pid and child not in tree]
    return sum(used.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def timed(step: Callable[[], T]) -> tuple[T, Timed]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = step()
    after = cpu_seconds()
    spent = after - cpu if after is not None and cpu is not None else None
    return result, Timed(time.perf_counter() - wall, spent)


def race(
    start: Callable[[], SparkSession], series: pd.DataFrame, fdr: float | None, warm: bool = True
) -> tuple[Race, SparkSession]:
    """Scores `series` locally, then starts Spark and scores them there (twice if warm)."""
    specs = catalogue_specs()
    local, local_t = timed(lambda: score_store_series(series, specs, fdr=fdr))
    spark, session_t = timed(start)
    on_spark, first_t = timed(lambda: score_store_series_spark(spark, series, specs, fdr=fdr))
    warm_t = None
    if warm:
        on_spark, warm_t = timed(lambda: score_store_series_spark(spark, series, specs, fdr=fdr))
    try:
        pd.testing.assert_frame_equal(on_spark, local, check_exact=True)
        identical = True
    except AssertionError as exc:
        print(f"DIFFERENT: {exc}", file=sys.stderr)
        identical = False
    n_series = local[["metric_id", "slice"]].drop_duplicates().shape[0]  # those scored
    alerts = int(local["is_alert"].sum()) if len(local) else 0
    result = Race(n_series, len(local), alerts, local_t, session_t, first_t, warm_t, identical)
    return result, spark


def report(result: Race, master: str) -> str:
    def line(step: str, t: Timed, rate: bool = True) -> str:
        cpu = f"{t.cpu:8.1f}" if t.cpu is not None else f"{'n/a':>8}"
        per_s = f"{result.series / t.seconds:10.0f}" if rate and t.seconds > 0 else " " * 10
        ratio = f"{t.seconds / result.local.seconds:7.2f}x" if rate else ""
        return f"{step:44} {t.seconds:8.1f} {cpu} {per_s} {ratio}".rstrip()

    def plus(a: Timed, b: Timed) -> Timed:
        cpu = a.cpu + b.cpu if a.cpu is not None and b.cpu is not None else None
        return Timed(a.seconds + b.seconds, cpu)

    lines = [
        f"scored: {result.series:,} series, {result.rows:,} rows; {result.alerts:,} alerts",
        f"{'step':44} {'seconds':>8} {'CPU s':>8} {'series/s':>10} {'/ local':>8}",
        line("local (score_store_series, this process)", result.local),
        line(f"Spark {master}: session start (JVM)", result.session, rate=False),
        line(f"Spark {master}: first call (workers start)", result.first),
    ]
    if result.warm is not None:
        lines.append(line(f"Spark {master}: warm call", result.warm))
    lines.append(
        line(f"Spark {master}: session start + first call", plus(result.session, result.first))
    )
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
    result, spark = race(lambda: start_spark(args.master), series, args.fdr, not args.no_warm)
    spark.stop()
    print(report(result, args.master))
    return 0 if result.identical else 1


if __name__ == "__main__":
    sys.exit(main())
