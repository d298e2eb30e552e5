"""`govkpi alerts ...` in-process: exit codes 0/2/3, dry-run output, silences and acks."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from alerts import daily_job
from alerts.notify import digest_details
from alerts.state.alert_store import has_table
from govkpi import cli
from metrics.metric_store import MetricStore
from tests.alerts_support import (
    FakeRules,
    Mailbox,
    add_export_stats,
    add_series,
    day,
    fake_contributors,
    free_port,
    read,
    start_server,
)

N = 40


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    """A store with one firing series, and GOVKPI_* set for it; fake rules and contributors."""
    store = MetricStore(tmp_path / "store.duckdb")
    values = [0.90 if i in (30, 31) else 0.98 for i in range(N)]
    add_series(store, "proactive_rate", "market=ES", values, [v < 0.95 for v in values],
               expected=0.98, band=0.01)  # fmt: skip
    add_export_stats(store, N)
    for name in list(os.environ):
        if name.startswith("GOVKPI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GOVKPI_STORE", store.path)
    monkeypatch.setenv("GOVKPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GOVKPI_SMTP_STARTTLS", "false")
    monkeypatch.setenv("GOVKPI_MAIL_FROM", "govkpi@example.com")
    monkeypatch.setenv("GOVKPI_MAIL_TO", "lead@example.com")
    monkeypatch.setenv("GOVKPI_TIMEZONE", "Europe/Madrid")
    monkeypatch.setattr(daily_job, "load_rules", lambda path=None: FakeRules())
    monkeypatch.setattr(digest_details, "top_contributors", fake_contributors)
    return store


def govkpi(*args: str) -> int:
    return cli.main(["alerts", *args])


RUN = ("run", "--no-compute", "--no-detect")


def test_run_sends_and_reruns_send_nothing(store, smtp_server, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GOVKPI_SMTP_PORT", str(smtp_server.port))
    assert govkpi(*RUN, "--date", day(30).isoformat()) == 0
    assert govkpi(*RUN, "--date", day(31).isoformat()) == 0
    assert govkpi(*RUN, "--date", day(31).isoformat()) == 0
    assert len(smtp_server.mailbox.messages) == 1
    out = capsys.readouterr().out
    assert "1 firing" in out and "sent 1 message\n" in out and "sent 0 messages" in out
    assert "1 digest\n" in out and "(s)" not in out


def test_smtp_down_exits_3_and_the_next_run_delivers(store, monkeypatch, capsys) -> None:
    port = free_port()
    monkeypatch.setenv("GOVKPI_SMTP_PORT", str(port))
    govkpi(*RUN, "--date", day(30).isoformat())
    assert govkpi(*RUN, "--date", day(31).isoformat()) == 3
    err = capsys.readouterr().err
    assert "queued" in err and "Traceback" not in err
    mailbox = Mailbox()
    controller = start_server(port, mailbox)
    try:
        assert govkpi(*RUN, "--date", day(31).isoformat()) == 0
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1


def test_dry_run_prints_where_the_messages_are(store, tmp_path, capsys) -> None:
    outbox = tmp_path / "eml"
    govkpi(*RUN, "--date", day(30).isoformat(), "--dry-run", "--outbox-dir", str(outbox))
    assert govkpi(*RUN, "--date", day(31).isoformat(), "--dry-run",
                  "--outbox-dir", str(outbox)) == 0  # fmt: skip
    out = capsys.readouterr().out
    folder = re.findall(r"written to (\S+)", out)[-1]
    assert folder == str(outbox / day(31).isoformat())
    assert len(list(Path(folder).glob("*.eml"))) == 1


def test_configuration_errors_exit_2_with_one_line(store, tmp_path, capsys) -> None:
    config = tmp_path / "govkpi.toml"
    config.write_text('[smtp]\npassword = "oops-secret"\nport = "many"\n')
    assert govkpi(*RUN, "--config", str(config)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("govkpi: error:")
    assert "GOVKPI_SMTP_PASSWORD" in err and "smtp.port" in err
    assert "oops-secret" not in err

    assert govkpi(*RUN, "--date", "yesterday") == 2
    assert "--date" in capsys.readouterr().err


def test_missing_delivery_settings_exit_2_unless_dry_run(store, monkeypatch, capsys) -> None:
    monkeypatch.delenv("GOVKPI_SMTP_HOST")
    assert govkpi(*RUN, "--date", day(31).isoformat()) == 2
    assert "GOVKPI_SMTP_HOST" in capsys.readouterr().err


def test_silence_ack_and_status(store, capsys) -> None:
    govkpi(*RUN, "--date", day(31).isoformat(), "--dry-run")
    silence = ("--metric", "proactive_rate", "--slice", "market=ES*", "--until", "2999-01-01")
    assert govkpi("silence", *silence, "--reason", "model retrain", "--author", "bo") == 0
    silence_id = re.findall(r"silence (\w+) until", capsys.readouterr().out)[0]
    assert govkpi("ack", "proactive_rate", "market=ES", "anomaly", "--author", "ana",
                  "--note", "on it") == 0  # fmt: skip
    assert "acknowledged Proactive detection share · market ES (Statistical detector)" in (
        capsys.readouterr().out
    )
    assert govkpi("status") == 0
    out = capsys.readouterr().out
    assert "1 firing" in out and "acknowledged by ana" in out and "1 active silence\n" in out
    assert govkpi("unsilence", silence_id, "--author", "bo") == 0
    assert govkpi("ack", "proactive_rate", "market=FR", "anomaly", "--author", "ana") == 2
    assert read(store, "SELECT count(*) AS n FROM acknowledgements")["n"][0] == 1


def test_status_and_silence_read_as_people_read_them(store, capsys) -> None:
    """Indicator labels, described slices, times in the reporting zone with the zone named;
    the raw ids only inside the `ack` command to copy."""
    govkpi(*RUN, "--date", day(31).isoformat(), "--dry-run")
    capsys.readouterr()
    silence = ("--slice", "market=ES", "--until", "2027-01-10", "--reason", "r", "--author", "bo")
    assert govkpi("silence", *silence) == 0
    out = capsys.readouterr().out
    assert "until 11 Jan 2027 00:00 CET (Europe/Madrid): every indicator · market ES" in out
    assert "T00:00:00" not in out
    assert govkpi("status") == 0
    out = capsys.readouterr().out
    assert "New · warning: Proactive detection share · market ES (rule anomaly)" in out
    assert "To acknowledge: govkpi alerts ack proactive_rate market=ES anomaly" in out
    assert "[proactive_rate market=ES]" not in out
    assert "every indicator · market ES until 11 Jan 2027 00:00 CET (Europe/Madrid)" in out
    assert "+00:00" not in out and "(s)" not in out


def test_silence_needs_a_metric_or_a_slice(store, capsys) -> None:
    """No `*`/`*` silence by omission (the dashboard form refuses it too); `*` typed is kept."""
    rest = ("--until", "2999-01-01", "--reason", "noise", "--author", "bo")
    assert govkpi("silence", *rest) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--metric" in err and "--slice" in err
    with store.read() as con:
        made = (
            con.execute("SELECT count(*) FROM silences").fetchone()
            if has_table(con, "silences")
            else (0,)
        )
    assert made == (0,)
    assert govkpi("silence", "--metric", "*", *rest) == 0
    assert "every indicator · every slice" in capsys.readouterr().out
    assert govkpi("silence", "--metric", "proactive_rate", *rest) == 0
    rows = read(store, "SELECT metric_pattern, slice_pattern FROM silences ORDER BY created_at")
    assert list(zip(rows["metric_pattern"], rows["slice_pattern"], strict=True)) == [
        ("*", "*"),
        ("proactive_rate", "*"),
    ]


def test_silence_until_a_day_ends_where_the_dashboard_form_ends(store) -> None:
    """`--until 2027-01-10` and the form's "until the end of 2027-01-10" are one instant: the
    end of that day in the reporting zone."""
    from zoneinfo import ZoneInfo

    from alerts.state.silences import silence_end
    from govkpi.commands.alerts import parse_until
    from metrics.settings import load_settings

    settings = load_settings()
    assert settings.timezone == "Europe/Madrid"
    end = silence_end(date(2027, 1, 10), ZoneInfo("Europe/Madrid"))
    assert parse_until("2027-01-10", settings) == end
    assert end == datetime(2027, 1, 10, 23, 0, tzinfo=UTC)


def test_a_second_scheduler_exits_2(store, capsys) -> None:
    from alerts.scheduler import scheduler_lock

    with scheduler_lock(store.path):
        assert govkpi("schedule") == 2
    assert "already running" in capsys.readouterr().err


def test_every_alerts_action_and_option_has_help() -> None:
    import argparse

    def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return dict(action.choices)

    alerts = subparsers(cli.build_parser())["alerts"]
    actions = subparsers(alerts)
    assert {"run", "schedule", "silence", "unsilence", "ack", "status"} <= set(actions)
    for name, parser in actions.items():
        for action in parser._actions:
            assert action.help, f"govkpi alerts {name}: {action.dest} has no help"
