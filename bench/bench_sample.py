"""Benchmark of `govkpi sample` against its targets (180 s, 8 GB at 20M listings / 400 days).

    .venv/bin/python bench/bench_sample.py [--listings 20000000] [--days 400] [--out DIR]

Runs the generator as a subprocess and measures its wall time and peak resident memory
(getrusage of the finished child), then, in the same run, a reference: DuckDB writing as many
rows of a plain range() to Parquet, so the ratio generator/reference says how much the
generator costs beyond the bare write on this machine at this moment (the machine may be
shared: the load average is printed too).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

TARGET_SECONDS = 180.0
TARGET_BYTES = 8 * 1024**3
TABLES = ("listings", "complaints", "appeals", "traffic")
ROOT = Path(__file__).resolve().parent.parent

REFERENCE = """
import sys, duckdb
con = duckdb.connect()
con.sql("SELECT range AS i FROM range(" + str(int(sys.argv[1])) + ")").write_parquet(sys.argv[2])
"""


def _run_child(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of a child process (run after no other child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib <= before:
        print("note: peak memory not above an earlier child's; it may be understated")
    return seconds, peak_kib * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=20_000_000)
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--out", help="keep the sample here (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench_sample-"))
    out = Path(args.out).resolve() if args.out else work / "data"
    try:
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        cmd = [sys.executable, "-m", "govkpi", "-q", "sample", "--out", str(out)]
        cmd += ["--listings", str(args.listings), "--days", str(args.days)]
        seconds, peak = _run_child(cmd)
        rows = {t: pq.ParquetFile(out / f"{t}.parquet").metadata.num_rows for t in TABLES}
        total = sum(rows.values())

        ref_file = work / "reference.parquet"
        ref_cmd = [sys.executable, "-c", REFERENCE, str(total), str(ref_file)]
        ref_started = time.perf_counter()
        subprocess.run(ref_cmd, check=True)
        ref_seconds = time.perf_counter() - ref_started

        print(f"govkpi sample --listings {args.listings:,} --days {args.days}")
        for table, count in rows.items():
            size = (out / f"{table}.parquet").stat().st_size / 1024**2
            print(f"  {table:<11} {count:>12,} rows  {size:>8.1f} MiB")
        print(f"  total       {total:>12,} rows")
        print(
            f"wall time     {seconds:8.1f} s   ({seconds / TARGET_SECONDS:.2f} of the 180 s target)"
        )
        print(
            f"peak memory   {peak / 1024**3:8.2f} GB  "
            f"({peak / TARGET_BYTES:.2f} of the 8 GB target)"
        )
        print(f"reference     {ref_seconds:8.1f} s   (DuckDB writes {total:,} range() rows)")
        print(f"ratio         {seconds / ref_seconds:8.1f}x  generator / reference")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        ok = seconds <= TARGET_SECONDS and peak <= TARGET_BYTES
        print("within targets" if ok else "TARGET MISSED")
        return 0 if ok else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
