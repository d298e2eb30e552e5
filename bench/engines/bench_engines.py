"""Benchmark of the compute engines (issue 13): the same full compute on DuckDB and on Spark
in local mode on the same cores, side by side.

    .venv/bin/python -m bench.engines.bench_engines --listings 1000000        # a 1M-listing sample
    .venv/bin/python -m bench.engines.bench_engines                           # the 20M x 400 sample
    .venv/bin/python -m bench.engines.bench_engines --data DIR                # your own exports
    .venv/bin/python -m bench.engines.bench_engines --data DIR --engine spark # Spark alone

Each engine runs `govkpi compute --full` as its own process, so Spark's figures include
starting its JVM. Peak memory is that of the whole process tree (the command and, for Spark,
its JVM), the sum of their resident memory sampled every 0.2 s. Rows per core-second count
the listings and complaints rows read, per second of wall time and per core given to the
engine; rows per CPU-second divide by the CPU time the process tree used instead, which still
means something when other work shares the machine. The DuckDB memory limit
(`memory_limit`, GOVKPI_MEMORY_LIMIT) is also the Spark driver's heap in local mode. Both
stores are compared: same series rows, numerators and denominators equal, values within 1e-9
relative.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import duckdb
import numpy as np

from metrics.exports import locate

SAMPLE_EVERY_S = 0.2
RELATIVE = 1e-9


def _tree(pid: int) -> dict[int, tuple[int, float]]:
    """Resident bytes and CPU seconds so far of a process and each of its descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    found, todo = {}, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                rss = sum(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
            with open(f"/proc/{current}/stat") as fh:
                # utime and stime: fields 14 and 15, counted after the parenthesised name.
                fields = fh.read().rsplit(")", 1)[1].split()
            found[current] = (rss, (int(fields[11]) + int(fields[12])) / tick)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall
    cpu: float  # CPU seconds of the process tree (its JVM included), as last sampled
    gb: float  # peak resident memory of the process tree


def run_measured(cmd: list[str], env: dict[str, str]) -> Measured:
    """Wall seconds, CPU seconds and peak GB of the process tree of one command. CPU seconds
    say what the work cost when other processes share the cores; wall seconds do not."""
    peak = 0
    cpu: dict[int, float] = {}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            tree = _tree(proc.pid)
            peak = max(peak, sum(rss for rss, _ in tree.values()))
            cpu.update({pid: spent for pid, (_, spent) in tree.items()})
            done.wait(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if code != 0:
        sys.exit(f"failed ({code}): {' '.join(cmd)}")
    # The command's own total is exact once it has exited; its children as last sampled.
    cpu[proc.pid] = usage.ru_utime + usage.ru_stime
    return Measured(seconds, sum(cpu.values()), peak / 1024**3)


def govkpi(*args: str) -> list[str]:
    return [sys.executable, "-m", "govkpi", "-q", *args]


def _rows(data: str) -> dict[str, int]:
    counts = {}
    with duckdb.connect() as con:
        for table in ("listings", "complaints"):
            source = locate(data, table)
            if source is not None:
                found = con.execute("SELECT count(*) FROM read_parquet(?)", [list(source.files)])
                counts[table] = int(found.fetchall()[0][0])
    return counts


def _compare(duckdb_store: str, spark_store: str) -> str:
    query = (
        "SELECT metric_id, slice, date, value, numerator, denominator, p90 FROM series "
        "ORDER BY metric_id, slice, date"
    )
    with (
        duckdb.connect(duckdb_store, read_only=True) as a,
        duckdb.connect(spark_store, read_only=True) as b,
    ):
        left, right = a.execute(query).df(), b.execute(query).df()
    if len(left) != len(right) or not left[["metric_id", "slice", "date"]].equals(
        right[["metric_id", "slice", "date"]]
    ):
        return f"DIFFERENT series rows: {len(left):,} vs {len(right):,}"
    exact = all(
        np.array_equal(left[c].to_numpy(float), right[c].to_numpy(float), equal_nan=True)
        for c in ("numerator", "denominator")
    )
    worst = 0.0
    for column in ("value", "p90"):
        x, y = left[column].to_numpy(float), right[column].to_numpy(float)
        both = ~np.isnan(x) & ~np.isnan(y)
        scale = np.maximum(np.abs(x[both]), np.abs(y[both]))
        diff = np.abs(x[both] - y[both])
        worst = max(worst, float(np.max(diff / np.where(scale > 0, scale, 1), initial=0.0)))
    same = exact and worst <= RELATIVE
    return (
        f"{'same' if same else 'DIFFERENT'} series: {len(left):,} rows, numerators and "
        f"denominators {'equal' if exact else 'DIFFER'}, max relative difference {worst:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="exports to compute (default: generate the sample)")
    parser.add_argument("--listings", type=int, default=20_000_000, help="sample size")
    parser.add_argument("--days", type=int, default=400, help="sample days")
    parser.add_argument("--workdir", default="bench_out", help="where sample and stores go")
    parser.add_argument("--cores", type=int, default=2, help="Spark's local[N] (DuckDB: all)")
    parser.add_argument("--memory-limit", default="4GB", help="DuckDB's limit, Spark's heap")
    parser.add_argument(
        "--spark-conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra Spark settings (default: spark.sql.shuffle.partitions=8, no UI)",
    )
    parser.add_argument(
        "--engine",
        action="append",
        choices=("duckdb", "spark"),
        help="run only this engine (repeatable; default both); the stores are compared when "
        "both are in --workdir, e.g. from an earlier run of the other engine",
    )
    args = parser.parse_args()
    engines = args.engine or ["duckdb", "spark"]

    os.makedirs(args.workdir, exist_ok=True)
    data = args.data or os.path.join(args.workdir, f"sample_{args.listings}_{args.days}")
    if not args.data and locate(data, "listings") is None:
        print(f"generating sample into {data} ...", flush=True)
        sample = [
            "sample",
            "--out",
            data,
            "--listings",
            str(args.listings),
            "--days",
            str(args.days),
        ]
        subprocess.run(govkpi(*sample), check=True)
    rows = _rows(data)
    conf = {"spark.sql.shuffle.partitions": "8", "spark.ui.enabled": "false"}
    conf.update(dict(kv.split("=", 1) for kv in args.spark_conf))
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVKPI_")}
    env = {
        **base,
        "GOVKPI_MEMORY_LIMIT": args.memory_limit,
        "GOVKPI_SPARK_MASTER": f"local[{args.cores}]",
        "GOVKPI_SPARK__CONF": json.dumps(conf),
    }
    cores = {"duckdb": os.cpu_count() or 1, "spark": args.cores}
    results: dict[str, Measured] = {}
    for engine in engines:
        store = os.path.join(args.workdir, f"bench_{engine}.duckdb")
        if os.path.exists(store):
            os.unlink(store)
        print(f"computing on {engine} ...", flush=True)
        compute = ["compute", "--data", data, "--store", store, "--full", "--engine", engine]
        results[engine] = run_measured(govkpi(*compute), env)

    total = sum(rows.values())
    print()
    print(f"exports: {', '.join(f'{t} {n:,}' for t, n in rows.items())} ({data})")
    print(f"memory_limit {args.memory_limit}; Spark local[{args.cores}], conf {conf}")
    print(
        f"{'engine':8} {'cores':>5} {'seconds':>8} {'CPU s':>8} {'peak GB':>8} "
        f"{'rows/core-s':>12} {'rows/CPU-s':>11}"
    )
    for engine, m in results.items():
        per_core = total / m.seconds / cores[engine]
        print(
            f"{engine:8} {cores[engine]:5d} {m.seconds:8.1f} {m.cpu:8.1f} {m.gb:8.2f} "
            f"{per_core:12,.0f} {total / m.cpu:11,.0f}"
        )
    if len(results) == 2:
        duck, spark = results["duckdb"], results["spark"]
        print(
            f"ratio spark / duckdb: {spark.seconds / duck.seconds:.1f}x the time, "
            f"{spark.cpu / duck.cpu:.1f}x the CPU, {spark.gb / duck.gb:.1f}x the memory"
        )
    stores = {e: os.path.join(args.workdir, f"bench_{e}.duckdb") for e in ("duckdb", "spark")}
    if all(os.path.exists(s) for s in stores.values()):
        print(_compare(stores["duckdb"], stores["spark"]))


if __name__ == "__main__":
    main()
