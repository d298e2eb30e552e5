"""Benchmark of `govkpi compute` (issue 3): full compute, one-day incremental update, and a
plain DuckDB scan of the columns the catalogue reads, measured in the same run.

    .venv/bin/python bench/bench_compute.py                 # 20M listings x 400 days sample
    .venv/bin/python bench/bench_compute.py --data DIR      # your own exports

Each step runs as its own process so wall time and peak memory (max RSS, from wait4) are
the process's own. Targets: full <= 60 s and <= 6 GB; incremental <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta

import duckdb

TARGET_FULL_S = 60.0
TARGET_FULL_GB = 6.0
TARGET_INCREMENTAL_S = 5.0

# Columns the catalogue's SQL and the engine's facts read, per export.
SCANNED = {
    "listings": [
        "listing_id", "seller_id", "seller_tier", "market", "category_l1",
        "is_regulated_category", "has_required_certs", "created_at", "published_at",
        "removed_at", "detection_channel", "first_sale_at",
    ],
    "complaints": [
        "complaint_id", "listing_id", "received_at", "channel", "issue_type", "decided_at",
        "outcome", "complainant_informed_at",
    ],
    "appeals": ["appeal_id", "listing_id", "filed_at", "decided_at", "outcome"],
    "traffic": ["date", "market", "category_l1", "orders"],
}  # fmt: skip

SCAN_SCRIPT = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
for path, columns in eval(sys.argv[1]):
    cols = ", ".join(f"count({c})" for c in columns)
    con.execute(f"SELECT {cols} FROM read_parquet(?)", [path]).fetchall()
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in GB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024 / 1024


def govkpi(*args: str) -> list[str]:
    return [sys.executable, "-m", "govkpi", "-q", *args]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="exports to compute (default: generate the sample)")
    parser.add_argument("--listings", type=int, default=20_000_000, help="sample size")
    parser.add_argument("--days", type=int, default=400, help="sample days")
    parser.add_argument("--workdir", default="bench_out", help="where sample and store go")
    args = parser.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    data = args.data or os.path.join(args.workdir, f"sample_{args.listings}_{args.days}")
    if not os.path.exists(os.path.join(data, "listings.parquet")) and not args.data:
        print(f"generating sample into {data} ...", flush=True)
        subprocess.run(
            govkpi(
                "sample", "--out", data, "--listings", str(args.listings), "--days", str(args.days)
            ),
            check=True,
        )
    store = os.path.join(args.workdir, "bench_store.duckdb")
    if os.path.exists(store):
        os.unlink(store)

    con = duckdb.connect()
    rows = {
        t: con.execute(
            "SELECT count(*) FROM read_parquet(?)", [os.path.join(data, f"{t}.parquet")]
        ).fetchone()[0]
        for t in SCANNED
        if os.path.exists(os.path.join(data, f"{t}.parquet"))
    }
    con.close()
    targets = [
        (os.path.join(data, f"{t}.parquet"), cols) for t, cols in SCANNED.items() if t in rows
    ]
    scan_s, scan_gb = timed([sys.executable, "-c", SCAN_SCRIPT, repr(targets)])
    full_s, full_gb = timed(govkpi("compute", "--data", data, "--store", store, "--full"))
    with duckdb.connect(store, read_only=True) as s:
        last = date.fromisoformat(
            s.execute("SELECT value FROM meta WHERE key = 'last_day'").fetchone()[0]
        )
        series_rows = s.execute("SELECT count(*) FROM series").fetchone()[0]
    inc_s, inc_gb = timed(
        govkpi("compute", "--data", data, "--store", store, "--since", last.isoformat())
    )
    week_s, _ = timed(
        govkpi(
            "compute",
            "--data",
            data,
            "--store",
            store,
            "--since",
            (last - timedelta(days=13)).isoformat(),
        )
    )

    print()
    print(f"exports: {', '.join(f'{t} {n:,}' for t, n in rows.items())}")
    print(f"store:   {series_rows:,} series rows, last day {last}")
    print(f"{'step':34} {'seconds':>8} {'peak GB':>8} {'target':>10}")
    print(f"{'plain DuckDB scan (reference)':34} {scan_s:8.1f} {scan_gb:8.2f} {'':>10}")
    print(
        f"{'full compute':34} {full_s:8.1f} {full_gb:8.2f} "
        f"{f'{TARGET_FULL_S:.0f}s/{TARGET_FULL_GB:.0f}GB':>10}"
    )
    print(
        f"{'incremental, one day (--since)':34} {inc_s:8.1f} {inc_gb:8.2f} "
        f"{f'{TARGET_INCREMENTAL_S:.0f}s':>10}"
    )
    print(f"{'incremental, default 14 days':34} {week_s:8.1f}")
    print(f"ratio full compute / plain scan: {full_s / scan_s:.1f}x")
    print(
        f"full vs target: {full_s / TARGET_FULL_S:.2f} of the time, "
        f"{full_gb / TARGET_FULL_GB:.2f} of the memory; incremental "
        f"{inc_s / TARGET_INCREMENTAL_S:.2f} of the time"
    )


if __name__ == "__main__":
    main()
