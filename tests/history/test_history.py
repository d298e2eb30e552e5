"""The alert history: every episode is kept (beyond the job's replay window and the evaluation
log), older stores keep working, and `govkpi alerts history` writes it as CSV."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from alerts.state.episodes import BACKFILLED, stored_episodes
from alerts.state.history import HISTORY_COLUMNS, episode_history
from metrics.metric_store import MetricStore
from metrics.settings import Settings
from tests.alerts_support import day, read, run
from tests.ledger_support import ES, FR, episode_store, govkpi, read_csv, use_store


@pytest.fixture
def evaluated(tmp_path: Path) -> tuple[MetricStore, Settings]:
    """The episode store after a first run on day 40 (replaying days 13..40) and a catch-up
    run to day 119: three episodes, two of them resolved."""
    store, config = episode_store(tmp_path / "store.duckdb")
    run(config, day(40), dry_run=True)
    run(config, day(119), dry_run=True)
    return store, config


def _episodes(store: MetricStore) -> list[tuple[str, date, date | None]]:
    with store.read() as con:
        frame = stored_episodes(con)
    return [
        (s, f, r)
        for s, f, r in zip(frame["slice"], frame["firing_since"], frame["resolved_on"], strict=True)
    ]


def test_every_episode_is_recorded_with_its_days(evaluated) -> None:
    store, _ = evaluated
    assert _episodes(store) == [(ES, day(31), day(34)), (ES, day(81), day(85)), (FR, day(96), None)]
    rows = read(store, "SELECT * FROM alert_episodes ORDER BY slice, firing_since")
    assert list(rows["pending_since"].dt.date) == [day(30), day(80), day(95)]
    assert list(rows["last_active"].dt.date) == [day(33), day(84), day(119)]
    assert list(rows["severity"]) == ["warning"] * 3


def test_history_survives_pruned_evaluations_and_the_replay_window(evaluated) -> None:
    """Episode A lies outside every later run's window; the log of its days is then pruned
    (as an operator clearing old evaluations would): the history still has it."""
    store, config = evaluated
    with store.write_ledger() as con:
        con.execute("DELETE FROM alert_evaluations WHERE date < ?", [day(100)])
    run(config, day(119), dry_run=True)  # a re-run of the last day writes again
    assert _episodes(store)[0] == (ES, day(31), day(34))
    with store.read() as con:
        history = episode_history(con, day(0), day(119), config.zone)
    assert list(zip(history["slice"], history["firing_since"], strict=True)) == [
        (ES, day(31)),
        (ES, day(81)),
        (FR, day(96)),
    ]
    first = history.iloc[0]
    assert (first["days_to_detect"], first["days_to_resolve"], first["alert_days"]) == (1, 3, 3)
    assert first["resolution"] == "recovered" and first["state"] == "resolved"
    assert history.iloc[2]["state"] == "firing" and pd.isna(history.iloc[2]["resolution"])


def test_a_store_evaluated_before_the_episode_table_keeps_its_history(evaluated) -> None:
    """Read-only, its episodes come from the evaluation log; its next write backfills them."""
    store, config = evaluated
    with store.write_ledger() as con:
        con.execute("DROP TABLE alert_episodes")
        con.execute("DELETE FROM ledger_meta WHERE key = ?", [BACKFILLED])
        con.execute("ALTER TABLE acknowledgements DROP COLUMN action_url")
    with store.write_ledger() as con:  # a write by an older release would not add the table back
        con.execute("DROP TABLE IF EXISTS alert_episodes")
    with store.read() as con:
        history = episode_history(con, day(0), day(119), config.zone)
    assert len(history) == 3
    run(config, day(119), dry_run=True)
    assert read(store, "SELECT count(*) AS n FROM alert_episodes")["n"][0] == 3
    assert len(_episodes(store)) == 3


def test_period_selects_overlapping_episodes(evaluated) -> None:
    store, config = evaluated
    with store.read() as con:
        between = episode_history(con, day(35), day(80), config.zone)
        late = episode_history(con, day(86), day(119), config.zone)
        on_resolution = episode_history(con, day(34), day(34), config.zone)
    assert list(between["firing_since"]) == []  # A ended on 34, B fired on 81
    assert list(late["slice"]) == [FR]
    assert list(on_resolution["firing_since"]) == [day(31)]


def test_history_command_writes_the_csv(evaluated, tmp_path, monkeypatch, capsys) -> None:
    store, _ = evaluated
    use_store(monkeypatch, store)
    out = tmp_path / "history.csv"
    args = ("--from", day(0).isoformat(), "--to", day(119).isoformat())
    assert govkpi("history", *args, "--output", str(out)) == 0
    printed = capsys.readouterr().out
    assert "wrote 3 episodes" in printed and "(1 still firing, 2 resolved)" in printed
    assert "Europe/Madrid" in printed
    rows = read_csv(out)
    assert list(rows[0]) == [*HISTORY_COLUMNS, "timezone"]
    first = rows[0]
    assert (first["rule_id"], first["metric_id"], first["slice"]) == (
        "anomaly",
        "proactive_rate",
        ES,
    )
    assert (first["pending_since"], first["firing_since"], first["resolved_on"]) == (
        day(30).isoformat(),
        day(31).isoformat(),
        day(34).isoformat(),
    )
    assert (first["days_to_detect"], first["days_to_resolve"]) == ("1", "3")
    assert first["days_to_acknowledge"] == "" and first["timezone"] == "Europe/Madrid"
    assert rows[2]["resolved_on"] == "" and rows[2]["state"] == "firing"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-05-01", "--to", "2026-04-01"), "--to 2026-04-01 is before --from"),
        (("--from", "May 1st", "--to", "2026-04-01"), "--from: 'May 1st' is not a date"),
    ],
)
def test_bad_period_exits_2_without_a_file(
    evaluated, tmp_path, monkeypatch, capsys, args, message
) -> None:
    store, _ = evaluated
    use_store(monkeypatch, store)
    out = tmp_path / "history.csv"
    assert govkpi("history", *args, "--output", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def test_bad_output_or_store_exits_2_and_leaves_nothing(
    evaluated, tmp_path, monkeypatch, capsys
) -> None:
    store, _ = evaluated
    use_store(monkeypatch, store)
    period = ("--from", day(0).isoformat(), "--to", day(119).isoformat())
    missing = tmp_path / "nowhere" / "history.csv"
    assert govkpi("history", *period, "--output", str(missing)) == 2
    assert "does not exist" in capsys.readouterr().err
    monkeypatch.setenv("GOVKPI_STORE", str(tmp_path / "absent.duckdb"))
    out = tmp_path / "history.csv"
    assert govkpi("history", *period, "--output", str(out)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err
    assert not [n for n in os.listdir(tmp_path) if n.endswith((".csv", ".tmp"))]


def test_help_explains_every_option(capsys) -> None:
    with pytest.raises(SystemExit):
        govkpi("history", "--help")
    text = capsys.readouterr().out
    for option in ("--from", "--to", "--output", "--store", "--config"):
        assert option in text
    assert "days_to_acknowledge" in text and "reporting time zone" in text
