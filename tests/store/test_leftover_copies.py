"""A writer killed mid-write leaves its working copy; the next write removes it, and never a
copy another store or a running writer could be using."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from metrics.metric_store import LEGACY_COPY_PREFIX, MetricStore, set_meta

WRITER = """
import sys, time
from metrics.metric_store import MetricStore, set_meta
with MetricStore(sys.argv[1]).write() as con:
    set_meta(con, "half", "written")
    print("writing", flush=True)
    time.sleep(120)
"""


def _copies(folder: Path, prefix: str) -> list[str]:
    return sorted(p for p in os.listdir(folder) if p.startswith(prefix))


def test_a_killed_writers_copy_is_removed_by_the_next_write(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    with store.write() as con:
        set_meta(con, "first", "write")
    before = Path(store.path).read_bytes()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, store.path],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    assert _copies(tmp_path, store.copy_prefix), "the killed writer left its copy"
    assert Path(store.path).read_bytes() == before  # the store itself is untouched

    # Another store in the same folder, mid-write, and an old-style copy from today: kept.
    other = MetricStore(tmp_path / "other.duckdb")
    (tmp_path / f"{other.copy_prefix}abc.duckdb").write_bytes(b"in use")
    (tmp_path / f"{LEGACY_COPY_PREFIX}new.duckdb").write_bytes(b"maybe in use")
    old = tmp_path / f"{LEGACY_COPY_PREFIX}old.duckdb"
    old.write_bytes(b"days old")
    a_week_ago = time.time() - 7 * 86_400
    os.utime(old, (a_week_ago, a_week_ago))

    with store.write() as con:
        set_meta(con, "second", "write")
    assert _copies(tmp_path, store.copy_prefix) == []
    assert _copies(tmp_path, other.copy_prefix) == [f"{other.copy_prefix}abc.duckdb"]
    assert _copies(tmp_path, LEGACY_COPY_PREFIX) == [f"{LEGACY_COPY_PREFIX}new.duckdb"]
    with store.read() as con:
        keys = {k for (k,) in con.execute("SELECT key FROM meta").fetchall()}
    assert {"first", "second"} <= keys and "half" not in keys
