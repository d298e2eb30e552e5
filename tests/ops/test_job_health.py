"""Job health where people look: `govkpi alerts status` and the Data page say how the last
run ended (start in the reporting zone, outcome, exit code or failure), how much mail is
queued or given up (and to whom), and how old each export's newest day is against today.

The runs are real (`govkpi alerts run` in-process, delivery to a loopback port nobody listens
on); export statistics are dated relative to the real today, which is what both surfaces
judge against."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from alerts.rules.export_age import today_in
from alerts.state.alert_store import ensure_schema
from dashboard.builders.plain_text import markdown_literal as md
from govkpi.cli import main
from metrics.metric_store import MetricStore
from metrics.presentation import format_day
from metrics.store_files import copy_store_files
from tests.alerts_support import add_export_stats, add_series, free_port
from tests.dashboard_fixtures import LAST_DAY, build_store

ZONE = "Europe/Madrid"
APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def stats_until(store: MetricStore, newest: dict[str, date]) -> None:
    """Export statistics of 20 days per export, ending on its newest day."""
    rows = [
        {"table": table, "date": last - timedelta(days=i), "market": "ES", "rows": 100}
        for table, last in newest.items()
        for i in range(20)
    ]
    with store.write() as con:
        con.execute("DELETE FROM export_stats")
        con.register("e", pd.DataFrame(rows))
        con.execute("INSERT INTO export_stats BY NAME SELECT * FROM e")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "GOVKPI_TIMEZONE": ZONE, "GOVKPI_SMTP_HOST": "127.0.0.1",
        "GOVKPI_SMTP_PORT": str(free_port()), "GOVKPI_SMTP_STARTTLS": "false",
        "GOVKPI_SMTP__RETRIES": "1", "GOVKPI_MAIL_FROM": "govkpi@example.com",
        "GOVKPI_MAIL_TO": "lead@example.com",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)


def status(store: MetricStore, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["alerts", "status", "--store", store.path]) == 0
    return capsys.readouterr().out


def test_status_reports_the_last_run_mail_and_export_ages(
    tmp_path: Path, env: None, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    today = today_in(ZoneInfo(ZONE))
    store = MetricStore(tmp_path / "s.duckdb")
    start = today - timedelta(days=33)
    add_series(store, "complaint_rate", "market=ES", [10.0] * 30, start=start)
    add_export_stats(store, 30, start=start)  # listings and complaints end 4 days ago
    nothing = status(store, capsys)
    assert "Last job run: none recorded in this store." in nothing
    assert "Mail: 0 messages queued, 0 given up." in nothing

    # Nobody listens on the SMTP port: the no-data notice stays queued, exit code 3.
    args = ["alerts", "run", "--store", store.path, "--no-compute", "--no-detect"]
    assert main(args) == 3
    out = status(store, capsys)
    yesterday = format_day(today - timedelta(days=1))
    started = re.search(r"Last job run: started (\d\d \w{3} \d{4} \d\d:\d\d) (CES?T) "
                        r"\(Europe/Madrid\), manual, evaluating (.+?): (.*)", out)  # fmt: skip
    assert started, out
    assert started.group(3) == yesterday
    assert started.group(4).startswith(
        "mail left queued for the next run (exit code 3): ConnectionRefusedError"
    )
    assert "Mail: 1 message queued, 0 given up." in out
    assert f"Exports on {format_day(today)} (Europe/Madrid): 2 of 2 stale (stale when the " \
        "newest day is more than 2 days old)." in out  # fmt: skip
    newest = format_day(today - timedelta(days=4))
    assert f"  STALE complaints: newest day {newest}, 4 days old (stale after 2 days)" in out
    assert f"  STALE listings: newest day {newest}, 4 days old (stale after 2 days)" in out

    # Out of attempts: the message is given up; the run itself ends with exit code 0.
    monkeypatch.setenv("GOVKPI_SMTP__MAX_ATTEMPTS", "1")
    assert main(args) == 0
    out = status(store, capsys)
    assert "finished, but mail was given up (exit code 0): ConnectionRefusedError" in out
    assert "Mail: 0 messages queued, 1 given up (to lead@example.com)." in out

    # A run that stops on bad configuration is recorded too: exit code 2 and its line.
    assert main(["alerts", "run", "--store", store.path, "--no-detect"]) == 2
    out = status(store, capsys)
    assert "stopped on bad input or configuration (exit code 2): no data folder: pass " \
        "--data DIR or set GOVKPI_DATA." in out  # fmt: skip

    # A longer limit from the environment: 4 days old is fresh.
    monkeypatch.setenv("GOVKPI_STALE_AFTER_DAYS", "5")
    out = status(store, capsys)
    assert "none stale (stale when the newest day is more than 5 days old)" in out
    assert "STALE" not in out
    assert f"  listings: newest day {newest}, 4 days old (stale after 5 days)" in out


# The Data page


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(tmp_path_factory.mktemp("ops") / "store.duckdb").path


@pytest.fixture
def page_store(
    shared_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MetricStore]:
    path = tmp_path / "store.duckdb"
    copy_store_files(shared_store, path)  # the store and its alert ledger
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    st.cache_data.clear()
    st.cache_resource.clear()
    yield MetricStore(path)
    st.cache_data.clear()
    st.cache_resource.clear()


def data_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("app_pages/data.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def test_data_page_flags_stale_exports_and_a_failed_run(page_store: MetricStore) -> None:
    # The fixture's exports end on LAST_DAY (Mon 30 Mar 2026); the page judges the real
    # today in the store's zone (UTC).
    today = today_in(ZoneInfo("UTC"))
    age = (today - LAST_DAY).days
    with page_store.write_ledger() as con:
        ensure_schema(con)
        con.execute(
            "INSERT INTO scheduler_runs VALUES ('r1', 'cron', '2026-03-30 05:00:00+00', "
            "'2026-03-29', '2026-03-30 05:00:00+00', '2026-03-30 05:01:00+00', 'error', "
            "'RuntimeError: disk full')"
        )
        con.execute(
            "INSERT INTO outbox VALUES ('<m1@x>', 'es-desk@example.com', '2026-03-29', 'k', "
            "'s', 'raw'::BLOB, 'failed', 5, '550 no such mailbox', now(), NULL)"
        )
    at = data_page()
    errors = texts(at, "error")
    sentence = f"newest day Mon 30 Mar 2026, {age} days old (stale after 2 days)"
    stale = next(e for e in errors if e.startswith("**No new data**"))
    assert md(f"complaints: {sentence}") in stale and md(f"listings: {sentence}") in stale
    run = md(
        "Last job run: started 30 Mar 2026 05:00 UTC, cron, evaluating Sun 29 Mar 2026: "
        "stopped on an internal error (exit code 1): RuntimeError: disk full."
    )
    assert run in errors, errors
    mail = md("Mail: 0 messages queued, 1 given up (to es-desk@example.com).")
    assert any(e.startswith(mail) for e in errors), errors
    exports = at.dataframe[0].value
    assert list(exports.columns[:4]) == ["Export", "Newest day", "Age (days)", "Freshness"]
    rows = exports.set_index("Export")
    assert rows.loc["listings", "Age (days)"] == age
    assert rows.loc["complaints", "Freshness"] == "stale (over 2 days)"
    assert rows.loc["listings", "Rows"] == 20_000_000  # the export file's figures beside


def test_data_page_with_fresh_exports_and_a_clean_run(page_store: MetricStore) -> None:
    today = today_in(ZoneInfo("UTC"))
    stats_until(page_store, {"listings": today - timedelta(days=1), "complaints": today})
    with page_store.write_ledger() as con:
        ensure_schema(con)
        con.execute(
            "INSERT INTO scheduler_runs VALUES ('r2', 'manual', NULL, ?, now(), now(), 'ok', NULL)",
            [today - timedelta(days=1)],
        )
    at = data_page()
    assert not any("No new data" in e for e in texts(at, "error"))
    assert not texts(at, "error")
    markdown = texts(at, "markdown")
    assert any(m.endswith(md("finished, nothing left queued (exit code 0).")) for m in markdown)
    assert md("Mail: 0 messages queued, 0 given up.") in markdown
    assert any(md("none stale") in c for c in texts(at, "caption"))
    ages = at.dataframe[0].value.set_index("Export")["Age (days)"]
    assert ages.to_dict() == {"complaints": 0, "listings": 1}


def test_a_run_that_stopped_on_an_error_is_recorded_but_still_caught_up(
    tmp_path: Path,
) -> None:
    """The scheduler catches up the last slot not run: a failed run leaves the store's data as
    it was, so its slot must not count as run (`last_scheduled_run`)."""
    from datetime import UTC, datetime

    from alerts.daily_job import last_scheduled_run, run_daily
    from alerts.job_health import last_run
    from metrics.errors import ConfigError
    from tests.alerts_support import make_config

    store = MetricStore(tmp_path / "s.duckdb")
    add_series(store, "complaint_rate", "market=ES", [10.0] * 5)
    config = make_config(store.path, timezone=ZONE)  # no data folder: compute cannot run
    slot = datetime(2026, 3, 6, 6, 0, tzinfo=UTC)
    with pytest.raises(ConfigError, match="no data folder"):
        run_daily(config, trigger="cron", scheduled_for=slot, detect=False)
    assert last_scheduled_run(store) is None
    with store.read() as con:
        recorded = last_run(con)
    assert recorded is not None and recorded.trigger == "cron"
    assert (recorded.status, recorded.exit_code) == ("bad-input", 2)
    assert recorded.detail == "no data folder: pass --data DIR or set GOVKPI_DATA"
