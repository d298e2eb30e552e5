"""Retention (`retention_days`): the daily job's write prunes evaluations and sent mail older
than that, by reporting-zone day, and nothing else: episodes, acknowledgements, closure,
notifications and unsent mail stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.state.alert_store import acknowledge
from alerts.state.closure import give_feedback, resolve
from alerts.state.history import episode_history
from alerts.state.retention import retention_start
from metrics.metric_store import MetricStore
from metrics.settings import Settings, load_settings
from tests.alerts_support import day, read, run
from tests.ledger_support import ES, FR, episode_store

MADRID = ZoneInfo("Europe/Madrid")
RETENTION = 30


def _outbox_row(con, message_id: str, status: str, sent_at: datetime | None) -> None:  # type: ignore[no-untyped-def]
    con.execute(
        "INSERT INTO outbox (message_id, recipient, run_date, content_key, subject, message, "
        "status, attempts, created_at, sent_at) VALUES (?, 'a@example.com', ?, 'k', 's', "
        "'\\x00'::BLOB, ?, 1, ?, ?)",
        [message_id, day(0), status, sent_at or datetime(2026, 3, 1, tzinfo=UTC), sent_at],
    )


def _counts(store: MetricStore) -> dict[str, int]:
    tables = ("alert_episodes", "acknowledgements", "alert_resolutions", "alert_feedback",
              "notifications", "silences", "alert_state")  # fmt: skip
    return {t: int(read(store, f"SELECT count(*) AS n FROM {t}")["n"][0]) for t in tables}


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[MetricStore, Settings]:
    """The episode store run to day 119 (evaluations of days 13..119, three episodes), the
    ES episodes closed and judged, the FR one acknowledged, and five messages."""
    store, config = episode_store(tmp_path / "store.duckdb")
    run(config, day(40), dry_run=True)
    run(config, day(119), dry_run=True)
    resolve(store, "proactive_rate", ES, "anomaly", "false_alarm", "dip", "ben", episode=day(31))
    give_feedback(store, "proactive_rate", ES, "anomaly", "useful", "ben", episode=day(81))
    acknowledge(store, "proactive_rate", FR, "anomaly", "ana", "on it")
    first_kept = retention_start(day(119), RETENTION)  # day 89, a day in Madrid
    midnight_utc = datetime(first_kept.year, first_kept.month, first_kept.day, tzinfo=UTC)
    with store.write_ledger() as con:
        # Madrid is UTC+2 in summer: 21:30 UTC the evening before is still the day before
        # there (pruned), 22:30 UTC is already the first day kept (kept).
        _outbox_row(con, "sent-old", "sent", midnight_utc - timedelta(hours=2, minutes=30))
        _outbox_row(con, "sent-kept", "sent", midnight_utc - timedelta(hours=1, minutes=30))
        _outbox_row(con, "sent-new", "sent", midnight_utc + timedelta(days=20))
        _outbox_row(con, "failed-old", "failed", None)
        _outbox_row(con, "queued-old", "queued", None)
        _outbox_row(con, "dropped-old", "dropped", None)
    return store, config.model_copy(update={"retention_days": RETENTION})


def test_the_job_prunes_old_evaluations_and_sent_mail_only(ledger) -> None:
    store, config = ledger
    first_kept = retention_start(day(119), RETENTION)
    assert first_kept == date(2026, 5, 29) == day(89)
    evaluations = read(store, "SELECT as_of, count(*) AS n FROM alert_evaluations GROUP BY 1")
    assert sorted(evaluations["as_of"].dt.date) == [day(40), day(119)]
    kept = int(evaluations[evaluations["as_of"].dt.date >= first_kept]["n"].sum())
    before = _counts(store)
    history_before = _history(store, config)

    now = datetime(2026, 6, 28, 7, 0, tzinfo=MADRID)  # day 119, the job's morning run
    assert now.date() == day(119)
    report = run(config, day(119), dry_run=True, now=now)

    after = read(
        store,
        "SELECT min(as_of) AS first, count(*) FILTER (WHERE run_id <> ?) AS n "
        "FROM alert_evaluations",
        [report.run_id],  # the re-run of day 119 logs its day again
    )
    # The first run's log (as_of day 40) is gone, the catch-up run's (as_of day 119) stays.
    assert after["first"].dt.date[0] >= first_kept
    assert int(after["n"][0]) == kept and kept < int(evaluations["n"].sum())
    messages = sorted(read(store, "SELECT message_id FROM outbox")["message_id"])
    assert messages == ["dropped-old", "failed-old", "queued-old", "sent-kept", "sent-new"]
    assert _counts(store) == before  # nothing else pruned
    history = _history(store, config)
    assert history == history_before and len(history) == 3  # episode A has no log left


def _history(store: MetricStore, config: Settings) -> list[tuple[str, date, str]]:
    with store.read() as con:
        frame = episode_history(con, day(0), day(119), config.zone)
    return list(zip(frame["slice"], frame["firing_since"], frame["state"], strict=True))


def test_retention_is_a_setting_with_a_variable(tmp_path: Path) -> None:
    assert Settings().retention_days == 400  # a year and a month: year-over-year views work
    settings = load_settings(env={"GOVKPI_RETENTION_DAYS": "90"})
    assert settings.retention_days == 90
    (tmp_path / "govkpi.toml").write_text("retention_days = 0\n", encoding="utf-8")
    with pytest.raises(Exception, match="retention_days"):
        load_settings(config_file=tmp_path / "govkpi.toml", env={})
