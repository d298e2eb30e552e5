"""The Compliance page with AppTest over a fixture store whose data folder holds open
complaints around its last complete day, Sunday 2026-03-29 (reporting zone UTC).

Clocks read at the end of Sun 03-29 (Mon 03-30 00:00 UTC); hours left worked out by hand:
  A1 ES authority safety   Fri 03-27 10:00  2 working days: Mon, Tue -> end of Tue 03-31: 48 h
  A2 FR authority prohib.  Thu 03-26 10:00  2 working days: Fri, Mon -> end of Mon 03-30: 24 h
  A3 ES rights_holder      Sun 03-29 12:00  24 h -> Mon 12:00: 12 h
  A4 ES consumer           Wed 03-25 09:00  72 h -> Sat 03-28 09:00: overdue by 39 h
  A5 FR consumer           Sun 03-29 08:00  72 h -> Wed 04-01 08:00: 56 h
  A6 ES consumer, decided on 03-29 (not open); A7 decided on 03-30 ends the export that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

from govkpi import cli
from metrics.metric_store import MetricStore
from metrics.store_files import copy_store_files
from tests.dashboard.test_dashboard_pages import all_text, open_page, param, rendered_text, texts
from tests.dashboard_fixtures import REPORT_DAY, build_store
from tests.export_fixtures import write_exports

LISTINGS = [
    {"listing_id": "LES", "market": "ES", "created_at": "2026-03-01 08:00",
     "published_at": "2026-03-01 09:00"},
    {"listing_id": "LFR", "market": "FR", "created_at": "2026-03-01 08:00",
     "published_at": "2026-03-01 09:00"},
]  # fmt: skip


def case(cid: str, listing: str, channel: str, issue: str, received: str,
         decided: str | None = None) -> dict[str, object]:  # fmt: skip
    return {"complaint_id": cid, "listing_id": listing, "channel": channel, "issue_type": issue,
            "received_at": received, "decided_at": decided,
            "outcome": "upheld" if decided else None, "complainant_informed_at": None}  # fmt: skip


COMPLAINTS = [
    case("A1", "LES", "authority", "product_safety", "2026-03-27 10:00"),
    case("A2", "LFR", "authority", "prohibited_item", "2026-03-26 10:00"),
    case("A3", "LES", "rights_holder", "counterfeit", "2026-03-29 12:00"),
    case("A4", "LES", "consumer", "misleading", "2026-03-25 09:00"),
    case("A5", "LFR", "consumer", "counterfeit", "2026-03-29 08:00"),
    case("A6", "LES", "consumer", "misleading", "2026-03-28 09:00", "2026-03-29 10:00"),
    case("A7", "LES", "consumer", "misleading", "2026-03-30 05:00", "2026-03-30 05:30"),
]


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_exports(tmp_path_factory.mktemp("compliance") / "data", listings=LISTINGS,
                         complaints=COMPLAINTS)  # fmt: skip


@pytest.fixture(scope="module")
def built(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(tmp_path_factory.mktemp("store") / "store.duckdb", data_dir=exports).path


@pytest.fixture
def store(built: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    """A private copy of the module's store, named by GOVKPI_STORE."""
    path = tmp_path / "store.duckdb"
    copy_store_files(built, path)
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


def shown(at, table: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """A table of the at-risk section, `comp_due` or `comp_overdue`, told apart by the sign
    of its hours left (AppTest does not expose a dataframe's key); empty when absent."""
    overdue = table == "comp_overdue"
    found = [
        d.value for d in at.dataframe
        if "hours_left" in d.value and ((d.value["hours_left"] < 0).all() == overdue)
    ]  # fmt: skip
    assert len(found) <= 1
    return found[0] if found else pd.DataFrame(columns=["complaint_id"])


def ids(at, table: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(shown(at, table)["complaint_id"])


def test_clocks_by_time_left_at_risk_list_and_accuracy(store: MetricStore) -> None:
    at = open_page("compliance")
    assert texts(at, "title") == ["Compliance"]
    assert texts(at, "subheader") == [
        "SLA clocks of open complaints", "At risk", "Accuracy of enforcement",
        "DSA transparency report",
    ]  # fmt: skip
    assert not at.warning
    # The latest complete day, and the default period, are those of the other pages.
    assert at.date_input(key="comp_day").value == REPORT_DAY
    assert param(at, "day") == REPORT_DAY.isoformat()
    values = {m.label: m.value for m in at.metric}
    assert values == {
        "Overdue (complaints)": "1",  # A4
        "Due within 24 h (complaints)": "2",  # A2 A3
        "24–48 h left (complaints)": "1",  # A1
        "Over 48 h left (complaints)": "1",  # A5
    }
    counts = at.dataframe[0].value.set_index(["Market", "Channel"])
    assert counts.loc[("ES", "authority")].tolist() == [0, 0, 1, 0, 1]
    assert counts.loc[("FR", "consumer")].tolist() == [0, 0, 0, 1, 1]
    # The most actionable columns first; status and zone are said around the tables.
    assert list(shown(at, "comp_due").columns[:3]) == ["complaint_id", "hours_left", "deadline"]
    assert len(at.get("plotly_chart")) == 2  # by market, by channel
    # Due within 24 h, and apart the overdue, in deadline order, times in the zone.
    assert ids(at, "comp_due") == ["A3", "A2"] and ids(at, "comp_overdue") == ["A4"]
    late = shown(at, "comp_overdue").set_index("complaint_id")
    assert late.loc["A4", "hours_left"] == -39.0
    rows = shown(at, "comp_due").set_index("complaint_id")
    assert rows.loc["A2", "deadline"] == "2026-03-30 23:59:59+00:00"
    assert rows.loc["A2", "clock"] == "2 working days" and rows.loc["A2", "channel"] == "authority"
    text = all_text(at)
    assert "**Due within 24 h** (2 complaints)" in text
    assert "**Already overdue** (1 complaint)" in text
    assert "after the end of Sun 29 Mar 2026" in text
    # Accuracy: the Pledge KPI pooled over the period with its cases; the overturn splits are
    # not computed without the appeals export, and say so.
    table = next(t for t in texts(at, "markdown") if t.startswith("| Indicator |"))
    assert "Product Safety Pledge" in table and "notices" in table
    assert "Overturn rate of automated removals | n/a" in rendered_text(table)
    assert "the appeals export is needed" in text


def test_the_list_is_the_file_the_cli_writes(store: MetricStore, exports: Path,
                                             tmp_path: Path) -> None:  # fmt: skip
    output = tmp_path / "cli.csv"
    args = ["sla", "at-risk", "--data", str(exports), "--date", REPORT_DAY.isoformat(),
            "--hours", "72", "--overdue", "--timezone", "UTC", "--output", str(output)]  # fmt: skip
    assert cli.main(args) == 0
    written = pd.read_csv(output, dtype=str)
    at = open_page("compliance", {"hours": "72"})
    both = pd.concat([shown(at, "comp_overdue"), shown(at, "comp_due")], ignore_index=True)
    assert list(both["complaint_id"]) == list(written["complaint_id"]) == [
        "A4", "A3", "A2", "A1", "A5",
    ]  # fmt: skip
    assert list(both["deadline"]) == list(written["deadline"])
    assert [f"{h:.1f}" for h in both["hours_left"]] == list(written["hours_left"])


def test_a_link_chooses_market_window_and_day(store: MetricStore) -> None:
    at = open_page("compliance", {"market": "FR", "hours": "72", "day": "2026-03-28"})
    assert not at.warning
    assert at.selectbox(key="comp_market").value == "FR"
    assert at.selectbox(key="comp_hours").value == 72
    # At the end of Sat 03-28: A2 (FR, due end of Mon) has 48 h left; A5 not received yet;
    # the ES cases are not shown.
    assert ids(at, "comp_due") == ["A2"] and ids(at, "comp_overdue") == []
    assert shown(at, "comp_due")["hours_left"].tolist() == [48.0]
    assert "**Already overdue** (0 complaints)" in all_text(at)
    assert {k: param(at, k) for k in ("market", "hours", "day")} == {
        "market": "FR", "hours": "72", "day": "2026-03-28",
    }  # fmt: skip
    # Every market again: A6 (received Sat, decided only on Sunday: 72 h from Sat 09:00 ->
    # Tue 09:00, 57 h left) and A1 (ES, end of Tue: 72 h) join, A4 (due Sat 09:00) is
    # overdue; the URL follows.
    at.selectbox(key="comp_market").set_value("").run()
    assert ids(at, "comp_due") == ["A2", "A6", "A1"] and ids(at, "comp_overdue") == ["A4"]
    assert shown(at, "comp_due")["hours_left"].tolist() == [48.0, 57.0, 72.0]
    assert "market" not in at.query_params


EVIL = "[Sign in](http://evil.example/)"


def test_link_parameters_are_untrusted_and_shown_as_text(store: MetricStore) -> None:
    at = open_page("compliance", {"market": EVIL, "day": "2026-02-30", "hours": "9999"})
    warnings = texts(at, "warning")
    assert len(warnings) == 3
    shown = rendered_text("\n".join(warnings)).replace("\u2060", "")
    assert f"The market “{EVIL}” in the link is not a two-letter market code" in shown
    assert "The day “2026-02-30” in the link is not a date" in shown
    assert "The window “9999” in the link is not one of 24, 48, 72 hours" in shown
    assert all("](http" not in w for w in warnings)  # escaped: never a live link
    # The defaults stand in, and the URL is rewritten to them.
    assert at.selectbox(key="comp_market").value == ""
    assert param(at, "day") == REPORT_DAY.isoformat() and "market" not in at.query_params


def test_without_the_exports_the_clocks_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_store(tmp_path / "store.duckdb", data_dir=tmp_path / "gone")
    monkeypatch.setenv("GOVKPI_STORE", built.path)
    at = open_page("compliance")
    assert any("cannot be read" in i and "not reachable" in i for i in texts(at, "info"))
    assert "Accuracy of enforcement" in texts(at, "subheader")  # read from the store


def test_the_view_of_a_link_is_checked_value_by_value() -> None:
    from datetime import date

    from dashboard.builders.compliance.compliance_view import ComplianceView, parse_compliance_view

    first, last = date(2026, 1, 1), date(2026, 3, 30)
    defaults = ComplianceView(day=date(2026, 3, 29), start=date(2025, 12, 30), end=last)
    view, warnings = parse_compliance_view(
        {"day": "2026-03-01", "start": "2025-06-01", "end": "2026-02-01", "market": "ES",
         "hours": "48"}, defaults, first, last,
    )  # fmt: skip
    # The period is clipped to the data; everything else taken as given.
    assert warnings == []
    assert view == ComplianceView(date(2026, 3, 1), first, date(2026, 2, 1), "ES", 48)
    assert view.to_params() == {"day": "2026-03-01", "start": "2026-01-01",
                                "end": "2026-02-01", "market": "ES", "hours": "48"}  # fmt: skip
    view, warnings = parse_compliance_view(
        {"day": "2027-01-01", "start": "2026-03-10", "end": "2026-03-01", "market": "es"},
        defaults, first, last,
    )  # fmt: skip
    assert view == defaults and len(warnings) == 3
    assert "outside the data" in warnings[0] and "period" in warnings[1]
    assert "“es”" in warnings[2]


def test_the_dsa_report_of_the_period(store: MetricStore) -> None:
    at = open_page("compliance")
    summary = next(
        d.value for d in at.dataframe if list(d.value.columns)[:2] == ["Section", "Indicator"]
    )
    rows = summary.set_index("Indicator")
    # The fixture's authority complaints received in the period are orders; the rest notices.
    assert rows.loc["Orders received", "Unit"] == "orders"
    assert int(rows.loc["Orders received", "Value"]) >= 1
    assert int(rows.loc["Notices received", "Value"].replace(",", "")) >= 1
    names = [b.label for b in at.get("download_button")]
    assert any("CSV, every breakdown" in n for n in names)
    assert any("HTML" in n for n in names)
