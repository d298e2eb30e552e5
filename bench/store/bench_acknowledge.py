"""Benchmark of the alert ledger (issue 16): seconds to record one acknowledgement, before
(the alert tables inside the metric store: every acknowledgement copied and swapped in the
whole store) and after (the alert ledger beside the store: only the ledger is copied).

    .venv/bin/python -m bench.store.bench_acknowledge                      # the 20M store
    .venv/bin/python -m bench.store.bench_acknowledge --store PATH --evaluation-days 0 30 400

The store is copied into a scratch folder first; the original is never written (checked).
For each size of the evaluation log (`--evaluation-days`: one evaluation per series and day,
the last N days of the store's series, as the daily job logs them; 400 is the default
`retention_days`), the scratch store gets the alert tables of the release before the ledger
(schema 2: firing alert, evaluation log) and then:

- before: `--repeat` acknowledgements the way that release wrote them, a copy-change-swap of
  the whole store (the same `SwappedFile.write_copy` the store still uses) with its SQL;
- after: the store's first write under this release moves the alert tables to the ledger
  (timed once: the migration), then `--repeat` acknowledgements through
  `alerts.state.alert_store.acknowledge`, which copy the ledger only.

The figure that counts is the median of the repeats; the ratio is before / after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

DEFAULT_STORE = "/work/big/bench_store.duckdb"
METRIC, RULE = "proactive_rate", "anomaly"


def _mb(path: str) -> float:
    return os.path.getsize(path) / 1e6


def _add_alert_tables(path: str, days: int) -> tuple[str, int]:
    """The tables of a schema-2 store that ran alerts: one firing alert (the one
    acknowledged) and `days` days of the evaluation log; returns its slice and log rows."""
    from alerts.state.alert_store import ensure_schema

    con = duckdb.connect(path)
    try:
        ensure_schema(con)
        (last,) = con.execute("SELECT max(date) FROM series").fetchone() or (None,)
        (slice_key,) = con.execute(
            "SELECT slice FROM series WHERE metric_id = ? ORDER BY slice LIMIT 1", [METRIC]
        ).fetchone() or ("all",)
        con.execute(
            "INSERT INTO alert_state (metric_id, slice, rule_id, rule_kind, state, severity, "
            "since, firing_since, as_of, updated_at) "
            "VALUES (?, ?, ?, 'anomaly', 'firing', 'warning', ?, ?, ?, now())",
            [METRIC, slice_key, RULE, last, last, last],
        )
        con.execute(
            """
            INSERT INTO alert_evaluations
            SELECT 'run-' || strftime(date, '%Y%m%d'), date + INTERVAL 7 HOUR, date, date,
                   metric_id, slice, ?, 'anomaly', 'v1', 'fp', value, value * 1.01,
                   value * 0.95, value * 1.05, (value - value * 1.01) / 0.02, NULL, NULL,
                   'below', 'ok', NULL, 'complete', 'normal', 'normal', NULL, NULL, 0, 1,
                   NULL, NULL, NULL, NULL, NULL, NULL
            FROM series WHERE date > ? - CAST(? AS INTEGER)
            """,
            [RULE, last, days],
        )
        (rows,) = con.execute("SELECT count(*) FROM alert_evaluations").fetchone() or (0,)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return str(slice_key), int(rows)


def _legacy_acknowledge(path: str, slice_key: str) -> None:
    """An acknowledgement as the release before the ledger wrote it: its `MetricStore.write()`
    (schema check, the whole store copied, stamps, swap) around its `acknowledge` body (alert
    schema ensured, the firing episode found, the row added)."""
    from alerts.state.alert_store import ensure_schema
    from metrics.metric_store import check_schema_version, set_meta
    from metrics.store_files import SwappedFile

    def stamp(con: duckdb.DuckDBPyConnection) -> None:
        set_meta(con, "store_version", uuid.uuid4().hex)
        set_meta(con, "written_at", datetime.now(UTC).isoformat(timespec="seconds"))

    legacy = SwappedFile(path)
    with legacy.write_copy(lambda con: check_schema_version(con, path), stamp) as con:
        ensure_schema(con)
        (episode,) = con.execute(
            """
            SELECT firing_since FROM alert_state
            WHERE metric_id = ? AND slice = ? AND rule_id = ? AND firing_since IS NOT NULL
              AND (state IN ('firing', 'recovering')
                   OR (state = 'no_data' AND held_state IN ('firing', 'recovering')))
            """,
            [METRIC, slice_key, RULE],
        ).fetchone() or (None,)
        con.execute(
            "INSERT INTO acknowledgements (metric_id, slice, rule_id, episode, author, note, "
            "acknowledged_at, action_url) VALUES (?, ?, ?, ?, 'bench', 'n', ?, NULL)",
            [METRIC, slice_key, RULE, episode, datetime.now(UTC)],
        )


def _timed(action: object, repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        seconds.append(time.perf_counter() - started)
    return seconds


def scenario(original: str, scratch: Path, days: int, repeat: int) -> dict[str, float]:
    from alerts.state.alert_store import acknowledge
    from metrics.metric_store import MetricStore

    folder = scratch / f"days-{days}"
    folder.mkdir()
    before_path = str(folder / "before.duckdb")
    shutil.copyfile(original, before_path)
    slice_key, log_rows = _add_alert_tables(before_path, days)
    after_path = str(folder / "store.duckdb")
    shutil.copyfile(before_path, after_path)

    before = _timed(lambda: _legacy_acknowledge(before_path, slice_key), repeat)

    store = MetricStore(after_path)
    started = time.perf_counter()
    with store.write():
        pass  # schema 3: the alert tables move to the ledger
    migration = time.perf_counter() - started
    stat = os.stat(store.path)
    after = _timed(lambda: acknowledge(store, METRIC, slice_key, RULE, "bench", "n"), repeat)
    unchanged = os.stat(store.path)
    assert (unchanged.st_ino, unchanged.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)
    return {
        "log_rows": log_rows,
        "before_mb": _mb(before_path),
        "store_mb": _mb(store.path),
        "ledger_mb": _mb(store.ledger.path),
        "before_s": statistics.median(before),
        "after_s": statistics.median(after),
        "migration_s": migration,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=DEFAULT_STORE, help="store to copy (never written)")
    parser.add_argument(
        "--evaluation-days", type=int, nargs="+", default=[0, 400],
        help="days of evaluation log in the alert tables, one run each (default: 0 400)",
    )  # fmt: skip
    parser.add_argument("--repeat", type=int, default=5, help="acknowledgements timed (5)")
    parser.add_argument("--scratch", help="folder for the copies (default: a temporary one)")
    args = parser.parse_args(argv)

    original = os.path.abspath(args.store)
    fingerprint = os.stat(original)
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="govkpi-bench-ack-"))
    scratch.mkdir(parents=True, exist_ok=True)
    print(f"store: {original}, {_mb(original):.1f} MB (copied to {scratch})")
    print(f"median of {args.repeat} acknowledgements, seconds")
    header = (
        f"{'log days':>8} {'log rows':>10} {'store+alerts':>12} {'ledger':>8} "
        f"{'before':>8} {'after':>8} {'ratio':>7} {'migration':>10}"
    )
    print(header)
    try:
        for days in args.evaluation_days:
            r = scenario(original, scratch, days, args.repeat)
            print(
                f"{days:8d} {int(r['log_rows']):10,d} {r['before_mb']:10.1f}MB "
                f"{r['ledger_mb']:6.1f}MB {r['before_s']:7.3f}s {r['after_s']:7.3f}s "
                f"{r['before_s'] / r['after_s']:6.1f}x {r['migration_s']:9.2f}s",
                flush=True,
            )
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    after = os.stat(original)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        fingerprint.st_ino, fingerprint.st_mtime_ns, fingerprint.st_size,
    ), "the original store changed"  # fmt: skip
    print("before: the whole store copied per acknowledgement; after: the ledger only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
