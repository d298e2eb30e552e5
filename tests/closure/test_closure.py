"""Closing alert episodes by hand from the command line: acknowledgement with a note and an
action link, resolution with a reason, feedback; each shows in the history with its author
and time, and a resolved episode leaves the firing lists and the digests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.state.alert_store import firing_alerts
from metrics.metric_store import MetricStore
from metrics.settings import Settings
from tests.alerts_support import add_export_stats, day, make_config, read, run
from tests.ledger_support import ES, FR, episode_store, govkpi, proactive, read_csv, use_store

TICKET = "https://tickets.example.com/GOV-123?view=full&x=<1>"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    """The episode store evaluated up to day 119: ES resolved twice, FR firing since 96."""
    store, config = episode_store(tmp_path / "store.duckdb")
    run(config, day(40), dry_run=True)  # the first run replays days 13..40
    run(config, day(119), dry_run=True)
    use_store(monkeypatch, store)
    return store


def _history(tmp_path: Path) -> list[dict[str, str]]:
    out = tmp_path / "history.csv"
    assert govkpi("history", "--from", day(0).isoformat(), "--to", day(119).isoformat(),
                  "--output", str(out)) == 0  # fmt: skip
    return read_csv(out)


def _today_madrid() -> str:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Madrid")).date().isoformat()


def test_ack_with_note_and_link_shows_in_history(store, tmp_path, capsys) -> None:
    alert = ("proactive_rate", FR, "anomaly")
    assert govkpi("ack", *alert, "--author", "ana", "--note", "FR model retrained",
                  "--url", TICKET) == 0  # fmt: skip
    assert "acknowledged" in capsys.readouterr().out
    row = _history(tmp_path)[-1]
    assert (row["acknowledged_by"], row["note"], row["action_url"]) == (
        "ana",
        "FR model retrained",
        TICKET,
    )
    # The time is ISO 8601 in the reporting zone (its offset; the last column names it).
    moment = datetime.fromisoformat(row["acknowledged_at"])
    assert moment.utcoffset() is not None and abs(datetime.now(UTC) - moment).seconds < 300
    assert row["timezone"] == "Europe/Madrid"
    expected = (datetime.fromisoformat(_today_madrid()).date() - day(96)).days
    assert row["days_to_acknowledge"] == str(expected)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "tickets.example.com/GOV-1", "ftp://x.example.com/a", "http://"]
)
def test_a_link_that_is_not_http_is_refused(store, capsys, url) -> None:
    assert govkpi("ack", "proactive_rate", FR, "anomaly", "--author", "ana", "--url", url) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not an http(s) address" in err
    assert read(store, "SELECT count(*) AS n FROM acknowledgements")["n"][0] == 0


def test_resolve_by_hand_closes_the_episode(store, tmp_path, capsys) -> None:
    alert = ("proactive_rate", FR, "anomaly")
    assert govkpi("resolve", *alert, "--reason", "expected", "--note",
                  "planned FR policy change", "--author", "bo") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "resolved Proactive detection share · market FR" in out and "expected" in out
    with store.read() as con:
        assert firing_alerts(con).empty
    assert govkpi("status") == 0
    assert "0 firing" in capsys.readouterr().out
    row = _history(tmp_path)[-1]
    assert (row["resolution"], row["resolution_note"], row["resolved_by"]) == (
        "expected",
        "planned FR policy change",
        "bo",
    )
    assert row["resolved_on"] == _today_madrid() and row["state"] == "resolved"
    assert row["days_to_resolve"] == str(
        (datetime.fromisoformat(row["resolved_on"]).date() - day(96)).days
    )
    # A second resolution of the episode is recorded too, and the latest is the one shown.
    again = ("--reason", "false_alarm", "--note", "noise after all", "--author", "cy")
    assert govkpi("resolve", *alert, *again) == 0
    assert _history(tmp_path)[-1]["resolution"] == "false_alarm"


def test_a_reason_for_an_episode_the_data_resolved(store, tmp_path, capsys) -> None:
    alert = ("proactive_rate", ES, "anomaly")
    assert govkpi("resolve", *alert, "--reason", "action_taken", "--note", "n",
                  "--author", "bo") == 2  # fmt: skip
    assert "no firing alert" in capsys.readouterr().err
    assert govkpi("resolve", *alert, "--reason", "action_taken", "--note", "rules fixed",
                  "--author", "bo", "--episode", day(31).isoformat()) == 0  # fmt: skip
    first = _history(tmp_path)[0]
    # The lifecycle's resolution day stands; the reason is the one given.
    assert (first["resolved_on"], first["resolution"]) == (day(34).isoformat(), "action_taken")
    assert govkpi("resolve", *alert, "--reason", "action_taken", "--note", "n", "--author",
                  "bo", "--episode", day(32).isoformat()) == 2  # fmt: skip
    assert "no alert episode" in capsys.readouterr().err


def test_feedback_on_the_latest_or_a_named_episode(store, tmp_path) -> None:
    alert = ("proactive_rate", ES, "anomaly")
    assert govkpi("feedback", *alert, "not_useful", "--author", "cy") == 0  # latest: day 81
    assert govkpi("feedback", *alert, "useful", "--author", "cy",
                  "--episode", day(31).isoformat()) == 0  # fmt: skip
    rows = _history(tmp_path)
    assert [(r["firing_since"], r["feedback"], r["feedback_by"]) for r in rows[:2]] == [
        (day(31).isoformat(), "useful", "cy"),
        (day(81).isoformat(), "not_useful", "cy"),
    ]
    assert rows[2]["feedback"] == ""


@pytest.mark.parametrize(
    "args",
    [
        ("resolve", "proactive_rate", FR, "anomaly", "--reason", "bored", "--note", "n",
         "--author", "bo"),
        ("feedback", "proactive_rate", FR, "anomaly", "meh", "--author", "bo"),
        ("resolve", "proactive_rate", FR, "anomaly", "--reason", "expected", "--author", "bo"),
    ],
)  # fmt: skip
def test_bad_closure_arguments_exit_2(store, capsys, args) -> None:
    with pytest.raises(SystemExit) as exit_info:
        govkpi(*args)
    assert exit_info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
    assert read(store, "SELECT count(*) AS n FROM alert_resolutions")["n"][0] == 0


def test_blank_author_or_note_exits_2(store, capsys) -> None:
    alert = ("proactive_rate", FR, "anomaly")
    assert govkpi("resolve", *alert, "--reason", "expected", "--note", " ", "--author", "bo") == 2
    assert "a note is required" in capsys.readouterr().err
    assert govkpi("feedback", *alert, "useful", "--author", "  ") == 2
    assert "an author is required" in capsys.readouterr().err


def test_a_resolved_episode_gets_no_more_mail(tmp_path, smtp_server) -> None:
    """Two alerts fire on day 31; one is resolved by hand: only the other is reminded of."""
    store = MetricStore(tmp_path / "store.duckdb")
    flagged = set(range(30, 40))
    proactive(store, ES, flagged, days=40)
    proactive(store, FR, flagged, days=40)
    add_export_stats(store, 40)
    config: Settings = make_config(store.path, smtp={"port": smtp_server.port})
    run(config, day(31))
    from alerts.state.closure import resolve

    resolve(store, "proactive_rate", FR, "anomaly", "false_alarm", "noise", "bo")
    for i in range(32, 38):
        run(config, day(i))
    told = read(
        store,
        "SELECT slice, event, run_date FROM notifications ORDER BY run_date, slice",
    )
    assert list(zip(told["slice"], told["event"], strict=True)) == [
        (ES, "new"),
        (FR, "new"),
        (ES, "reminder"),
        (ES, "reminder"),
    ]
    assert list(told["run_date"].dt.date) == [day(31), day(31), day(34), day(37)]
