"""Which test fired and how long the change has been building (alerts.notify.change_story),
on stores whose detections name their test and on old ones that do not."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from alerts.notify.change_story import ChangeRun, change_runs, run_ending, story

DAY = date(2026, 9, 8)


def frame(flags: list[bool], tests: list[str | None], dens: list[float] | None = None):
    days = [DAY - timedelta(days=len(flags) - 1 - i) for i in range(len(flags))]
    return pd.DataFrame(
        {"date": days, "is_anomaly": flags, "test": tests,
         "denominator": dens or [80.0] * len(flags)}
    )  # fmt: skip


def test_the_run_starts_at_the_first_anomalous_day_in_a_row() -> None:
    run = run_ending(frame([True, False, True, True, True], [None] * 2 + ["shift"] * 3), DAY)
    assert run == ChangeRun("shift", date(2026, 9, 6), 3, None)
    assert story(run) == "Shift since Sun 06 Sep 2026 (3 days)"
    assert run_ending(frame([True, False], ["point", None]), DAY) is None  # not anomalous


def test_each_test_in_words() -> None:
    assert story(run_ending(frame([False, True], [None, "point"]), DAY)) == "One-day spike"
    assert story(run_ending(frame([False, True], [None, "burst"]), DAY)) == (
        "Spike over several days"
    )
    ramp = run_ending(frame([False] + [True] * 12, [None] + ["ramp"] * 12), DAY)
    assert story(ramp) == "Slow ramp over 12 days, since Fri 28 Aug 2026"
    dens = [80.0] * 30 + [11.0, 13.0]
    collapse = run_ending(
        frame([False] * 30 + [True, True], [None] * 30 + ["volume"] * 2, dens), DAY
    )
    assert story(collapse) == "Volume collapse since Mon 07 Sep 2026 (2 days)"
    surge = run_ending(frame([False, True], [None, "volume"], [80.0, 400.0]), DAY)
    assert story(surge) == "Volume surge"
    # No test named (a store scored before the column): the run, without a test's name.
    assert story(run_ending(frame([True, True], [None, None]), DAY)) == (
        "Unusual every day since Mon 07 Sep 2026 (2 days)"
    )
    assert story(run_ending(frame([True], [None]), DAY)) == "Unusual on this day only"
    assert story(None) == ""


def _store(with_test: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    extra = ", test VARCHAR" if with_test else ""
    con.execute(
        "CREATE TABLE detections (metric_id VARCHAR, slice VARCHAR, date DATE, "
        f"is_anomaly BOOLEAN{extra})"
    )
    con.execute(
        "CREATE TABLE series (metric_id VARCHAR, slice VARCHAR, date DATE, denominator DOUBLE)"
    )
    for i, flag in enumerate([False, True, True, True]):
        day = DAY - timedelta(days=3 - i)
        values = ["proactive_rate", "all", day, flag] + (
            ["shift" if flag else None] if with_test else []
        )
        con.execute(f"INSERT INTO detections VALUES ({', '.join('?' * len(values))})", values)
        con.execute("INSERT INTO series VALUES (?, ?, ?, ?)", ["proactive_rate", "all", day, 80.0])
    return con


def test_runs_from_the_store_with_and_without_the_test_column() -> None:
    key = ("proactive_rate", "all", DAY)
    named = change_runs(_store(with_test=True), [key])[key]
    assert named == ChangeRun("shift", date(2026, 9, 6), 3, None)
    old = change_runs(_store(with_test=False), [key])[key]
    assert old.test is None and old.since == date(2026, 9, 6)
    assert story(old) == "Unusual every day since Sun 06 Sep 2026 (3 days)"
    assert change_runs(duckdb.connect(), [key]) == {}  # no detections table at all
