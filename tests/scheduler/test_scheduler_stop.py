"""`govkpi alerts schedule` stops cleanly on SIGTERM and SIGINT: exit 0 within seconds, the
lock released for the next scheduler, a run in progress abandoned without touching the store
(or, while mail is being sent, finished first)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.scheduler import run_scheduler, scheduler_lock
from alerts.state.alert_store import ensure_schema
from alerts.stop_request import finish_before_stopping
from metrics.metric_store import MetricStore, set_meta
from tests.alerts_support import make_config

# A slot far away: the scheduler waits for it, and is stopped while it waits.
FAR_CRON = "0 7 1 1 *"


def _config_file(tmp_path: Path) -> Path:
    store = tmp_path / "store.duckdb"
    config = tmp_path / "govkpi.toml"
    config.write_text(f'store = "{store}"\n\n[schedule]\ncron = "{FAR_CRON}"\n')
    return config


def _start(config: Path, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVKPI_")}
    return subprocess.Popen(
        [sys.executable, "-m", "govkpi", "alerts", "schedule", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for(proc: subprocess.Popen[str], text: str, timeout: float = 60.0) -> list[str]:
    """stderr lines up to the first containing `text` (the scheduler is then waiting)."""
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if text in line:
            return lines
    proc.kill()
    raise AssertionError(f"never saw {text!r}; stderr: {''.join(lines)}")


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Path]:
    yield _config_file(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_waiting_scheduler_with_exit_0_and_frees_the_lock(
    config: Path, sig: signal.Signals
) -> None:
    first = _start(config)
    _wait_for(first, "next run")
    sent = time.monotonic()
    first.send_signal(sig)
    _, rest = first.communicate(timeout=30)
    assert first.returncode == 0, rest
    assert time.monotonic() - sent < 10
    assert "stopped" in rest and "lock released" in rest
    assert "Traceback" not in rest
    # The lock is free at once: a second scheduler starts and waits for its slot.
    second = _start(config)
    _wait_for(second, "next run")
    second.send_signal(signal.SIGTERM)
    second.communicate(timeout=30)
    assert second.returncode == 0


def test_json_logs_have_time_level_and_run_id(config: Path) -> None:
    proc = _start(config, "--log-format", "json")
    lines = _wait_for(proc, "next run")
    proc.send_signal(signal.SIGTERM)
    _, rest = proc.communicate(timeout=30)
    assert proc.returncode == 0
    records = [json.loads(line) for line in lines + rest.splitlines(keepends=True) if line.strip()]
    assert {"time", "level", "logger", "message", "run_id"} <= set(records[0])
    assert datetime.fromisoformat(records[0]["time"]).utcoffset() == timedelta(0)
    assert any("next run" in r["message"] and r["level"] == "INFO" for r in records)
    assert all(r["run_id"] is None for r in records)  # no run happened


class FakeClock:
    """Each reading is a minute later, so the scheduler reaches its next slot at once."""

    def __init__(self) -> None:
        self.at = datetime(2026, 5, 10, 9, 30, 30, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at


def _sha1(path: str) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _seeded_store(tmp_path: Path) -> MetricStore:
    store = MetricStore(str(tmp_path / "store.duckdb"))
    with store.write():
        pass
    with store.write_ledger() as con:
        ensure_schema(con)
    return store


def test_a_run_in_progress_is_abandoned_and_the_store_left_as_it_was(tmp_path: Path) -> None:
    store = _seeded_store(tmp_path)
    before = _sha1(store.path)
    config = make_config(store.path, schedule={"cron": "* * * * *"})
    reached: list[str] = []

    def job(cfg, run_date, trigger, slot):  # type: ignore[no-untyped-def]
        with store.write() as con:
            set_meta(con, "half_written", "yes")
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill` would, mid-write
            for _ in range(100):  # the handler runs at the next instruction
                time.sleep(0.01)
            reached.append("after the signal")

    runs = run_scheduler(config, job=job, clock=FakeClock().now, sleep=lambda s: None)
    assert runs == 1 and reached == []
    assert _sha1(store.path) == before
    leftovers = [p for p in os.listdir(tmp_path) if p.startswith(store.copy_prefix)]
    assert leftovers == []
    with scheduler_lock(store.path):  # released
        pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


def test_mail_being_sent_is_finished_before_stopping(tmp_path: Path) -> None:
    store = _seeded_store(tmp_path)
    config = make_config(store.path, schedule={"cron": "* * * * *"})
    calls: list[str] = []

    def job(cfg, run_date, trigger, slot):  # type: ignore[no-untyped-def]
        calls.append("run")
        with finish_before_stopping():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.2)
            with store.write() as con:
                set_meta(con, "sent", "recorded")

    runs = run_scheduler(config, job=job, clock=FakeClock().now, sleep=lambda s: None)
    assert runs == 1 and calls == ["run"]  # finished, then stopped before another run
    with store.read() as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'sent'").fetchone()
    assert row == ("recorded",)
