"""The open complaints at the end of a day and their SLA clocks, read from real Parquet exports
with real DuckDB (fixture and hand-worked deadlines: tests/sla/clock_fixtures.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from metrics.deadlines.open_cases import read_open_cases
from metrics.deadlines.time_left import (
    BUCKET_LABELS,
    at_risk,
    at_risk_table,
    bucket_of,
    end_of_day_utc,
    time_left_counts,
)
from metrics.engine import compute_store
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from tests.engine_support import subset
from tests.export_fixtures import write_exports
from tests.sla.clock_fixtures import AT_RISK_24H, DAY, HOURS_LEFT, ZONE, write_clock_exports


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clock_exports(tmp_path_factory.mktemp("clocks") / "data")


@pytest.fixture(scope="module")
def cases(data: Path) -> pd.DataFrame:
    return read_open_cases(str(data), DAY, ZONE).cases


def test_the_clock_is_read_at_the_end_of_the_day_in_the_reporting_zone(data: Path) -> None:
    found = read_open_cases(str(data), DAY, ZONE)
    assert found.read_at == datetime(2026, 10, 12, 22, 0)  # midnight CEST, in UTC
    assert found.read_at == end_of_day_utc(DAY, ZONE)
    # The complaints export's latest event: K10 decided Tue 07:00 UTC.
    assert found.data_as_of == datetime(2026, 10, 13, 7, 0)


def test_open_cases_and_hours_left_on_both_kinds_of_clock(cases: pd.DataFrame) -> None:
    # K7 arrived after midnight local time, K9 was decided before it: neither is open.
    assert set(cases["complaint_id"]) == set(HOURS_LEFT)
    left = dict(zip(cases["complaint_id"], cases["hours_left"], strict=True))
    assert left == pytest.approx(HOURS_LEFT, abs=1e-6)
    clocks = dict(zip(cases["complaint_id"], cases["clock"], strict=True))
    assert clocks["K1"] == clocks["K2"] == clocks["K3"] == "2 working days"
    assert clocks["K11"] == "3 working days"
    assert clocks["K5"] == clocks["K6"] == clocks["K10"] == "24 h"
    assert clocks["K4"] == clocks["K8"] == "72 h"


def test_a_working_day_deadline_is_the_end_of_the_due_day_in_the_market_calendar(
    cases: pd.DataFrame,
) -> None:
    deadline = dict(zip(cases["complaint_id"], cases["deadline"], strict=True))
    # ES skips its Monday holiday: due Wednesday; FR works on Monday: due Tuesday.
    assert deadline["K1"] == pd.Timestamp("2026-10-14 21:59:59.999999")
    assert deadline["K2"] == pd.Timestamp("2026-10-13 21:59:59.999999")
    assert deadline["K5"] == pd.Timestamp("2026-10-13 20:00:00")  # plain hours from receipt


def test_at_risk_keeps_the_next_24_hours_and_the_overdue_in_deadline_order(
    cases: pd.DataFrame,
) -> None:
    chosen = at_risk(cases)
    assert list(chosen["complaint_id"]) == AT_RISK_24H
    # The Spanish authority notice of Friday is not at risk: without the holiday it would be
    # due on Tuesday, 24 h away.
    assert "K1" not in set(chosen["complaint_id"])
    # 72 h ahead: K1 (48 h), K8 (60 h) and K11 (72 h, the bound included) join.
    wider = at_risk(cases, 72)
    assert set(wider["complaint_id"]) == set(AT_RISK_24H) | {"K1", "K8", "K11"}
    assert list(at_risk(cases, 10)["complaint_id"]) == ["K4", "K10"]


def test_at_risk_table_names_the_zone_and_marks_the_overdue(cases: pd.DataFrame) -> None:
    table = at_risk_table(at_risk(cases), ZONE)
    assert list(table.columns) == [
        "complaint_id", "listing_id", "market", "channel", "issue_type", "received_at",
        "deadline", "hours_left", "status", "clock", "timezone",
    ]  # fmt: skip
    rows = table.set_index("complaint_id")
    assert rows.loc["K4", "status"] == "overdue" and rows.loc["K4", "hours_left"] == -14.0
    assert (rows.drop(index="K4")["status"] == "at_risk").all()
    assert rows.loc["K5", "received_at"] == "2026-10-12 22:00:00+02:00"
    assert rows.loc["K5", "deadline"] == "2026-10-13 22:00:00+02:00"
    assert rows.loc["K3", "deadline"] == "2026-10-13 23:59:59+02:00"
    assert rows.loc["K2", "market"] == "FR" and rows.loc["K2", "hours_left"] == 24.0
    assert set(table["timezone"]) == {ZONE}


def test_time_left_buckets_per_market_and_channel(cases: pd.DataFrame) -> None:
    assert [bucket_of(h) for h in (-0.1, 0.0, 24.0, 24.01, 48.0, 48.5)] == [
        "overdue", "due within 24 h", "due within 24 h", "24–48 h", "24–48 h", "over 48 h",
    ]  # fmt: skip
    counts = time_left_counts(cases, ["market", "channel"]).set_index(["market", "channel"])
    assert list(counts.columns) == [*BUCKET_LABELS, "open"]
    # ES authority: K3 (24 h) and K1 (48 h); FR authority: K2 (24 h).
    assert counts.loc[("ES", "authority")].tolist() == [0, 1, 1, 0, 2]
    assert counts.loc[("FR", "authority")].tolist() == [0, 1, 0, 0, 1]
    # ES consumer: K4 overdue, K8 60 h, K11 72 h.
    assert counts.loc[("ES", "consumer")].tolist() == [1, 0, 0, 2, 3]
    assert int(counts["open"].sum()) == len(cases) == 9


def test_the_deadlines_are_the_ones_sla_compliance_judges(data: Path, tmp_path: Path) -> None:
    """One definition: the open K1, K2, K3 count against their deadline days in the store."""
    store = MetricStore(tmp_path / "s.duckdb")
    compute_store(str(data), store, full=True, tz=ZONE, catalogue=subset("sla_compliance"))
    with store.read() as con:
        due = dict(
            con.execute(
                "SELECT date, denominator FROM series WHERE metric_id = 'sla_compliance' "
                "AND slice = 'channel=authority' AND denominator > 0"
            ).fetchall()
        )
    # K3 and K9 (ES, received Thursday) and K2 (FR) are due Tuesday; K1 (ES) Wednesday.
    assert due == {date(2026, 10, 13): 3, date(2026, 10, 14): 1}


def test_a_day_after_the_exports_end_is_refused(data: Path) -> None:
    with pytest.raises(UserError, match="after the last day of the complaints export"):
        read_open_cases(str(data), date(2026, 10, 14), ZONE)  # complaints end on 10-13


def test_missing_exports_are_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no complaints export"):
        read_open_cases(str(tmp_path), DAY, ZONE)


def test_no_open_complaint_gives_an_empty_list(tmp_path: Path) -> None:
    data = write_exports(tmp_path / "data")  # three decided complaints
    found = read_open_cases(str(data), date(2026, 3, 3), "UTC")
    assert found.cases.empty and list(found.cases.columns)[:2] == ["complaint_id", "listing_id"]
    assert at_risk_table(at_risk(found.cases), "UTC").empty


def test_an_open_complaint_about_an_unknown_listing_is_counted_not_listed(
    tmp_path: Path,
) -> None:
    data = write_exports(
        tmp_path / "data",
        complaints=[{}, {"listing_id": "L404", "decided_at": None, "outcome": None,
                         "complainant_informed_at": None}],
    )  # fmt: skip
    found = read_open_cases(str(data), date(2026, 3, 3), "UTC")
    assert found.cases.empty and found.unknown_listings == 1
