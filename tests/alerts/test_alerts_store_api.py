"""The alert-store API the dashboard calls, and the completeness judgement behind no_data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from alerts.rules.completeness import load_completeness, metric_tables
from alerts.state.alert_store import (
    acknowledge,
    add_silence,
    alert_history,
    expire_silence,
    firing_alerts,
    list_silences,
)
from alerts.state.silences import active_silences
from metrics.catalogue import load_catalogue
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from tests.alerts_support import add_export_stats, add_series, day, make_config, run


@pytest.fixture
def store(tmp_path: Path) -> MetricStore:
    return MetricStore(tmp_path / "store.duckdb")


def test_reads_work_on_a_store_that_never_ran_alerts(store: MetricStore) -> None:
    with store.write():
        pass  # a store with the metric tables only
    with store.read() as con:
        for frame in (firing_alerts(con), alert_history(con), list_silences(con, False)):
            assert isinstance(frame, pd.DataFrame) and frame.empty
        assert "metric_id" in firing_alerts(con).columns
        assert "silence_id" in list_silences(con).columns
        assert "state" in alert_history(con).columns


def test_firing_history_and_acknowledgement(store: MetricStore) -> None:
    values = [0.98] * 30 + [0.90] * 5
    add_series(store, "proactive_rate", "market=ES", values, [v < 0.95 for v in values],
               expected=0.98, band=0.01)  # fmt: skip
    add_export_stats(store, 35)
    config = make_config(store.path)
    run(config, day(31), dry_run=True)
    with store.read() as con:
        firing = firing_alerts(con)
        history = alert_history(con, limit=10)
    assert list(firing["metric_id"]) == ["proactive_rate"]
    assert firing["acknowledged_by"].isna().all()
    assert list(history["state"][:2]) == ["firing", "pending"]  # newest first

    with pytest.raises(UserError, match="no firing alert"):
        acknowledge(store, "proactive_rate", "market=FR", "anomaly", "ana", "")
    acknowledge(store, "proactive_rate", "market=ES", "anomaly", "ana", "on it")
    with store.read() as con:
        firing = firing_alerts(con)
    assert list(firing["acknowledged_by"]) == ["ana"] and list(firing["ack_note"]) == ["on it"]


def test_silences_add_list_expire(store: MetricStore) -> None:
    until = datetime.now(UTC) + timedelta(hours=3)
    silence_id = add_silence(store, "complaint_*", "market=ES*", until, "<b>migration</b>", "bo")
    with store.read() as con:
        active = list_silences(con)
        matching = active_silences(con, datetime.now(UTC))
    assert list(active["silence_id"]) == [silence_id]
    assert active["reason"][0] == "<b>migration</b>"  # stored as typed, escaped when shown
    assert matching[0].matches("complaint_rate", "market=ES,category_l1=toys")
    assert not matching[0].matches("complaint_rate", "market=FR")
    assert not matching[0].matches("proactive_rate", "market=ES")

    expire_silence(store, silence_id, "bo")
    with store.read() as con:
        assert list_silences(con).empty
        everything = list_silences(con, active_only=False)
    assert everything["expired_by"][0] == "bo"
    with pytest.raises(UserError):
        expire_silence(store, "nope", "bo")


def test_bad_silences_are_refused(store: MetricStore) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    with pytest.raises(UserError, match="past"):
        add_silence(store, "*", "*", past, "r", "bo")
    with pytest.raises(UserError, match="time zone"):
        add_silence(store, "*", "*", datetime(2999, 1, 1), "r", "bo")
    with pytest.raises(UserError, match="author"):
        add_silence(store, "*", "*", datetime.now(UTC) + timedelta(days=1), "r", " ")


def test_metric_tables_come_from_the_sql() -> None:
    catalogue = load_catalogue()
    assert metric_tables(catalogue.get("complaint_rate")) == ("complaints", "listings")
    assert metric_tables(catalogue.get("proactive_rate")) == ("listings",)
    assert "appeals" in metric_tables(catalogue.get("appeal_overturn_rate"))


def test_completeness_rules(store: MetricStore) -> None:
    gaps = {
        ("complaints", day(30), "ES"): 0,  # a big market with no rows at all
        ("complaints", day(31), "ES"): 90,  # well under half its usual 200
        ("complaints", day(32), "PT"): 0,  # a small market: zero can happen by chance
        ("complaints", day(32), "IT"): 0,  # a mid-size market: zero cannot
        ("complaints", day(33), "FR"): 110,  # a slow day, not a gap
    }
    markets = {"ES": 200, "FR": 150, "IT": 22, "PT": 5}
    add_export_stats(store, 34, markets=markets, overrides=gaps)
    zone = ZoneInfo("UTC")
    with store.read() as con:
        c = load_completeness(con, day(28), day(40), zone, ratio=0.5, alpha=1e-4)
    tables = ("complaints",)
    assert c.reason(tables, day(29), "ES") is None
    assert c.reason(tables, day(30), "ES") == "complaints export incomplete for ES"
    assert c.reason(tables, day(30), None) == "complaints export incomplete for ES"
    assert c.reason(tables, day(30), "FR") is None
    assert c.reason(tables, day(31), "ES") is not None
    assert c.reason(tables, day(32), "PT") is None
    assert c.reason(tables, day(32), "IT") == "complaints export incomplete for IT"
    assert c.reason(tables, day(33), "FR") is None
    assert c.reason(tables, day(34), "FR") == f"complaints export ends {day(33).isoformat()}"
    assert c.reason(("traffic",), day(34), "FR") is None  # no statistics: not judged


def test_an_export_taken_before_the_day_ended_is_partial(store: MetricStore) -> None:
    add_export_stats(store, 10)
    taken = datetime(2026, 3, 10, 9, 30)  # UTC; day(9) is 10 March
    with store.write() as con:
        con.execute("INSERT INTO export_files VALUES ('listings', 'x', 1, 1, ?, ?)", [taken, taken])
    with store.read() as con:
        c = load_completeness(con, day(0), day(9), ZoneInfo("Europe/Madrid"), 0.5, 1e-4)
    assert c.reason(("listings",), date(2026, 3, 9), "ES") is None
    assert c.reason(("listings",), date(2026, 3, 10), "ES") == (
        "listings export taken before 2026-03-10 ended"
    )
