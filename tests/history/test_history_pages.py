"""The Alerts page's history search and team response, and the Overview and Alerts pages as
of a past morning, over a ledger the real daily job wrote (AppTest)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from alerts.state.history import episode_history, ledger_on
from metrics.metric_store import MetricStore
from metrics.presentation import format_value
from metrics.store_files import copy_store_files
from tests.dashboard_fixtures import REPORT_DAY
from tests.ledger_support import (
    all_text,
    fresh_caches,  # noqa: F401 (a fixture)
    ledger_dashboard_store,
    markdown_tables,
    open_page,
    texts,
)

pytestmark = pytest.mark.usefixtures("fresh_caches")
UTC = ZoneInfo("UTC")
PAST = REPORT_DAY - timedelta(days=17)  # 12 Mar 2026: three headline alerts started firing


@pytest.fixture(scope="module")
def ledger_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return ledger_dashboard_store(tmp_path_factory.mktemp("ledger") / "store.duckdb").path


@pytest.fixture
def store(ledger_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    path = tmp_path / "store.duckdb"
    copy_store_files(ledger_store, path)
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


def _history(store: MetricStore) -> pd.DataFrame:
    with store.read() as con:
        return episode_history(con, date(2026, 1, 1), REPORT_DAY, UTC)


def _shown(at) -> str:  # type: ignore[no-untyped-def]
    return next(t for t in texts(at, "markdown") if " firing during " in t)


def _rows(at) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = markdown_tables(at, "Alert")[0]  # the history
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in table.splitlines()[2:]]


def test_the_history_is_searched_by_indicator_market_and_state(store) -> None:
    history = _history(store)
    assert len(history) > 20
    at = open_page("alerts")
    assert "Alert history" in texts(at, "subheader")
    assert _shown(at).startswith(f"**{len(history)} episodes** firing during")
    assert len(_rows(at)) == len(history)

    at.selectbox(key="hist_metric").set_value("sla_compliance").run()
    sla = history[history["metric_id"] == "sla_compliance"]
    assert _shown(at).startswith(f"**{len(sla)} episodes**")
    assert {r[0].split(" · ")[0] for r in _rows(at)} == {"SLA compliance"}

    at.selectbox(key="hist_metric").set_value("any").run()
    at.selectbox(key="hist_market").set_value("ES").run()
    assert all(" · market ES" in r[0] for r in _rows(at))
    at.selectbox(key="hist_state").set_value("firing").run()
    firing = history[(history["state"] == "firing") & history["slice"].eq("market=ES")]
    assert len(_rows(at)) == len(firing) >= 2

    at.selectbox(key="hist_market").set_value("any").run()
    at.selectbox(key="hist_state").set_value("any").run()
    at.date_input(key="hist_period").set_value((PAST, PAST)).run()
    on_day = history[
        (history["firing_since"] <= PAST)
        & history["resolved_on"].map(lambda d: d is None or d >= PAST)
    ]
    assert len(_rows(at)) == len(on_day) and not at.exception


def test_team_response_per_area_and_month(store) -> None:
    history = _history(store)
    at = open_page("alerts")
    table = next(d.value for d in at.dataframe if "Median time to resolve" in d.value.columns)
    march = table[(table["Area"] == "Detection") & (table["Month"] == "Mar 2026")].iloc[0]
    mine = history[
        history["metric_id"].eq("proactive_rate")
        & pd.to_datetime(history["firing_since"]).dt.month.eq(3)
    ]
    resolved = mine["days_to_resolve"].dropna()
    assert march["Episodes"] == len(mine)
    median = f"{resolved.median():,.1f}".removesuffix(".0")
    assert march["Median time to resolve"] == f"{median} days ({len(resolved)} episodes)"
    assert march["Median time to detect"] == f"1 day ({len(mine)} episodes)"
    assert march["Median time to acknowledge"] == "n/a (no episode)"
    assert march["False alarms"] == "n/a (no feedback)"


def test_overview_reviews_a_past_morning(store) -> None:
    with store.read() as con:
        ledger = ledger_on(con, PAST, UTC)
        value = con.execute(
            "SELECT value FROM series WHERE metric_id = 'proactive_rate' AND slice = 'all' "
            "AND date = ?",
            [PAST],
        ).fetchall()[0][0]
    started = ledger[pd.to_datetime(ledger["firing_since"]).dt.date == PAST]
    at = open_page("overview", {"asof": PAST.isoformat()})
    text = all_text(at)
    assert "Reviewing the morning after **Thu 12 Mar 2026**" in text
    assert f"Started firing that day ({len(started)})" in text and len(started) == 3
    assert "Pending (breached, not firing yet)" in text
    # The headline cards judge that day.
    assert format_value("share", value) in [m.value for m in at.metric]
    # Picking the latest day returns to today's review and clears the link.
    at.date_input(key="overview_as_of").set_value(REPORT_DAY).run()
    assert "asof" not in at.query_params
    assert "Started firing since yesterday" in all_text(at)


def test_alerts_page_reviews_a_past_morning_from_the_picker(store) -> None:
    with store.read() as con:
        ledger = ledger_on(con, PAST, UTC)
    at = open_page("alerts")
    assert texts(at, "subheader")[0].startswith("Firing now")
    at.date_input(key="alerts_as_of").set_value(PAST).run()
    assert at.query_params["asof"] in (PAST.isoformat(), [PAST.isoformat()])
    assert f"Firing and pending that morning ({len(ledger)})" in texts(at, "subheader")
    rows = markdown_tables(at, "Indicator")[0].splitlines()[2:]
    assert len(rows) == len(ledger)
    assert not any("Resolve" in e.label for e in at.expander)  # closing is for today only


def test_a_day_the_job_never_judged_says_so(store) -> None:
    with store.read() as con:
        (first,) = con.execute("SELECT min(date) FROM alert_evaluations").fetchall()[0]
        (store_start,) = con.execute("SELECT min(date) FROM series").fetchall()[0]
    assert store_start < first  # the fixture's first run replayed 28 days, not the store
    for page in ("overview", "alerts"):
        at = open_page(page, {"asof": store_start.isoformat()})
        assert any("holds no evaluation of" in w for w in texts(at, "warning"))


@pytest.mark.parametrize(
    ("value", "warning"),
    [
        ("2026-13-01", "“2026-13-01” is not a date"),
        ("[Sign in](http://evil.example/)", "is not a date"),
        ("2031-01-01", "is after the latest complete day"),
        ("2000-01-01", "is before the store's first day"),
    ],
)
def test_a_bad_as_of_day_is_named_as_plain_text(store, value, warning) -> None:
    for page in ("overview", "alerts"):
        at = open_page(page, {"asof": value})
        shown = texts(at, "warning")
        assert len(shown) == 1
        rendered = shown[0].replace("\\", "").replace("\u2060", "")
        assert warning in rendered
        assert "](http" not in shown[0]  # escaped: never a live link
        assert "Reviewing the morning after" not in all_text(at)
