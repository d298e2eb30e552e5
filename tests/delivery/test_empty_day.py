"""An empty day sends no digest: with no alert news and no complaints due within 24 h the
daily job sends nothing to a real SMTP server on loopback, and says so on its output and in its
log; the day after news it stays silent while the alert keeps firing without news."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from alerts import daily_job
from alerts.notify import digest_details
from govkpi import cli
from metrics.metric_store import MetricStore
from tests.alerts_support import FakeRules, add_export_stats, add_series, day, fake_contributors

N = 40
RUN = ("alerts", "run", "--no-compute", "--no-detect")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server) -> MetricStore:
    """A store and GOVKPI_* settings that deliver to the loopback server; fake rules."""
    store = MetricStore(tmp_path / "store.duckdb")
    add_export_stats(store, N)
    for name in list(os.environ):
        if name.startswith("GOVKPI_"):
            monkeypatch.delenv(name)
    for name, value in {
        "GOVKPI_STORE": store.path,
        "GOVKPI_SMTP_HOST": "127.0.0.1",
        "GOVKPI_SMTP_PORT": str(smtp_server.port),
        "GOVKPI_SMTP_STARTTLS": "false",
        "GOVKPI_MAIL_FROM": "govkpi@example.com",
        "GOVKPI_MAIL_TO": "lead@example.com",
        "GOVKPI_TIMEZONE": "Europe/Madrid",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(daily_job, "load_rules", lambda path=None: FakeRules())
    monkeypatch.setattr(digest_details, "top_contributors", fake_contributors)
    return store


def test_a_quiet_day_sends_nothing_and_says_so(store, smtp_server, capsys, caplog) -> None:
    quiet = [0.98] * N
    add_series(store, "proactive_rate", "market=ES", quiet, [False] * N, expected=0.98, band=0.01)
    with caplog.at_level(logging.INFO, logger="alerts.daily_job"):
        assert cli.main([*RUN, "--date", day(31).isoformat()]) == 0
    assert smtp_server.mailbox.messages == []
    out = capsys.readouterr().out
    assert "0 firing" in out and "0 digests" in out
    expected = f"{day(31)}: {daily_job.NOTHING_TO_SEND}"
    assert expected + "\n" in out
    assert expected in caplog.text


def test_a_day_without_news_after_news_sends_nothing(store, smtp_server, capsys) -> None:
    values = [0.90 if i in (30, 31, 32) else 0.98 for i in range(N)]
    add_series(store, "proactive_rate", "market=ES", values, [v < 0.95 for v in values],
               expected=0.98, band=0.01)  # fmt: skip
    for i in (30, 31):
        assert cli.main([*RUN, "--date", day(i).isoformat()]) == 0
    assert len(smtp_server.mailbox.messages) == 1  # the new alert, on day 31
    capsys.readouterr()
    # Day 32: still firing, no escalation, no reminder due (every 3 days): no digest at all.
    assert cli.main([*RUN, "--date", day(32).isoformat()]) == 0
    assert len(smtp_server.mailbox.messages) == 1
    out = capsys.readouterr().out
    assert "1 firing" in out and f"{day(32)}: nothing to send" in out
