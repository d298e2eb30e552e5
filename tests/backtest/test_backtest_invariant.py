"""The backtest's promise, on a store computed from `govkpi sample`: backtesting the rules in
force over days the real daily job evaluated gives exactly the episodes the job recorded and
the notifications it sent, and it catches the planted model outage."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from alerts.backtest import backtest
from alerts.daily_job import run_daily
from alerts.detect_step import detect_with_settings
from alerts.rules.rulebook import load_rules
from alerts.state.history import episode_history
from metrics.catalogue import load_catalogue
from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from metrics.settings import Settings
from metrics.store_files import copy_store_files
from sample_data.generator import generate_sample
from tests.ledger_support import govkpi, use_store

# The sample's proactive-model outage starts on 5 Sep 2026 (sample_data/incidents.py); the
# job runs every day from the day before it for a week.
FIRST_RUN = date(2026, 9, 4)
RUN_DAYS = 8
LIFECYCLE_COLUMNS = [
    "metric_id", "slice", "rule_id", "firing_since", "pending_since", "severity", "resolved_on",
]  # fmt: skip


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample of 200,000 listings over 150 days, computed and scored."""
    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder / "data", listings=200_000, days=150)
    store = MetricStore(folder / "store.duckdb")
    compute_store(str(folder / "data"), store, full=True)
    detect_with_settings(store, Settings().detection)
    return folder


def _settings(store: MetricStore, port: int) -> Settings:
    return Settings.model_validate(
        {
            "store": store.path,
            "timezone": "UTC",
            "mail": {"from": "govkpi@example.com", "to": ["lead@example.com"]},
            "smtp": {"host": "127.0.0.1", "port": port, "starttls": False},
        }
    )


def _digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_backtest_of_the_rules_in_force_is_what_the_job_recorded(
    sample_store, tmp_path, smtp_server, monkeypatch, capsys
) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    copy_store_files(sample_store / "store.duckdb", store.path)
    config = _settings(store, smtp_server.port)
    last = FIRST_RUN + timedelta(days=RUN_DAYS - 1)
    for i in range(RUN_DAYS):
        run_daily(config, run_date=FIRST_RUN + timedelta(days=i), compute=False, detect=False)

    catalogue = load_catalogue()
    before = _digest(store.path)
    with store.read() as con:
        recorded = episode_history(con, FIRST_RUN, last, config.zone)
        sent = Counter(
            event for (event,) in con.execute("SELECT event FROM notifications").fetchall()
        )
        replayed = backtest(con, catalogue, load_rules(), config, FIRST_RUN, last)
        # Digests with alert news; a digest of SLA clocks alone is not the lifecycle's.
        alert_digests = con.execute(
            "SELECT count(DISTINCT message_id) FROM notifications WHERE message_id IS NOT NULL"
        ).fetchall()[0][0]
    assert _digest(store.path) == before  # the backtest only reads

    def lifecycle(frame):  # type: ignore[no-untyped-def]
        return frame[LIFECYCLE_COLUMNS].sort_values(LIFECYCLE_COLUMNS[:4]).reset_index(drop=True)

    assert len(recorded) >= 3, "the sample should raise alerts in this week"
    assert lifecycle(replayed.episodes).equals(lifecycle(recorded))
    assert sent["new"] == len(recorded) and replayed.notifications == sent
    assert alert_digests == replayed.digest_days
    assert len(smtp_server.mailbox.messages) >= replayed.digest_days

    # The command says the same, and finds the planted outage on its own series.
    use_store(monkeypatch, store)
    monkeypatch.setenv("GOVKPI_TIMEZONE", "UTC")
    out = tmp_path / "backtest.csv"
    args = ("--from", FIRST_RUN.isoformat(), "--to", last.isoformat(), "--output", str(out))
    incidents = str(sample_store / "data" / "incidents.json")
    assert govkpi("backtest", *args, "--incidents", incidents) == 0
    printed = capsys.readouterr().out
    assert f"{len(recorded)} episodes" in printed
    assert f"{sum(sent.values())} notifications to one recipient" in printed
    caught = "caught on 2026-09-06 (1 day after it began): proactive_model_outage-2026-09-05"
    assert caught in printed
    assert _digest(store.path) == before
