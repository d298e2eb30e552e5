"""Golden values: every row of the DSA report pinned on the hand-checked fixture.

The fixture (tests/compliance/dsa_fixture.py) lists every case with its UTC times; the
expected values below are worked out by hand from that list, never copied from a run. The
report runs on real Parquet exports through DuckDB. Medians are interpolated between the two
middle values: the median of 24 h and 72 h is 48 h.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from metrics.transparency.category_mapping import load_mapping
from metrics.transparency.dsa_report import DsaReport, build_report, period_bounds
from tests.compliance.dsa_fixture import FIRST, LAST, ZONE, write_dsa_exports

CI = "dsa_category=STATEMENT_CATEGORY_CONSUMER_INFORMATION"
IP = "dsa_category=STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
TC = "dsa_category=STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
UP = "dsa_category=STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"
NONE = None  # a median over no case: no value

# (section, indicator, breakdown, value, cases), in report order.
GOLDEN: list[tuple[str, str, str, float | None, int | None]] = [
    # Authority complaints received in the period: C1 (ES), C2 (FR, received 23:30 UTC on
    # 03-01 = 03-02 in Madrid), C4 (DE), C6 (listing not in listings). Not C3 (received
    # before), not C5 (23:30 UTC on 03-04 = 03-05 in Madrid).
    ("orders", "orders_received", "all", 4, 4),
    ("orders", "orders_received", "market=DE", 1, 1),
    ("orders", "orders_received", "market=ES", 1, 1),
    ("orders", "orders_received", "market=FR", 1, 1),
    ("orders", "orders_received", "market=unknown", 1, 1),  # C6: kept, never dropped
    ("orders", "orders_received", CI, 1, 1),  # C4 misleading
    ("orders", "orders_received", IP, 2, 2),  # C2 counterfeit, C6 ip_infringement
    ("orders", "orders_received", TC, 0, 0),
    ("orders", "orders_received", UP, 1, 1),  # C1 product_safety
    # Authority complaints decided in the period as upheld: C1 24 h, C2 10 h, C3 72 h (C4 was
    # rejected): median of 10, 24, 72 = 24.
    ("orders", "median_hours_to_effect", "all", 24.0, 3),
    ("orders", "median_hours_to_effect", "market=ES", 48.0, 2),  # C1 24, C3 72
    ("orders", "median_hours_to_effect", "market=FR", 10.0, 1),  # C2
    ("orders", "median_hours_to_effect", CI, NONE, 0),
    ("orders", "median_hours_to_effect", IP, 10.0, 1),  # C2
    ("orders", "median_hours_to_effect", TC, NONE, 0),
    ("orders", "median_hours_to_effect", UP, 48.0, 2),  # C1 24 (safety), C3 72 (prohibited)
    # Notices received: C7, C8, C9, C11, C12, C13 (not C10: 22:30 UTC on 03-01 is still 03-01
    # in Madrid).
    ("notices", "notices_received", "all", 6, 6),
    ("notices", "notices_received", "source=consumer", 3, 3),  # C7, C12, C13
    ("notices", "notices_received", "source=rights_holder", 1, 1),  # C9
    ("notices", "notices_received", "source=trusted_flagger", 2, 2),  # C8, C11
    ("notices", "notices_received", "issue_type=counterfeit", 2, 2),  # C7, C12
    ("notices", "notices_received", "issue_type=ip_infringement", 1, 1),  # C9
    ("notices", "notices_received", "issue_type=prohibited_item", 0, 0),
    ("notices", "notices_received", "issue_type=product_safety", 1, 1),  # C8
    ("notices", "notices_received", "issue_type=misleading", 0, 0),
    ("notices", "notices_received", "issue_type=missing_qualification", 1, 1),  # C13
    ("notices", "notices_received", "issue_type=other", 1, 1),  # C11
    ("notices", "notices_received", CI, 0, 0),
    ("notices", "notices_received", IP, 3, 3),  # C7, C9, C12
    ("notices", "notices_received", TC, 1, 1),  # C11
    ("notices", "notices_received", UP, 2, 2),  # C8, C13
    # Notices decided in the period as upheld: C7, C8, C10 (decided 03-02 06:30); not C12
    # (decided 23:30 UTC on 03-04 = 03-05 in Madrid).
    ("notices", "actions_taken", "all", 3, 3),
    ("notices", "actions_taken", "source=consumer", 2, 2),  # C7, C10
    ("notices", "actions_taken", "source=rights_holder", 0, 0),
    ("notices", "actions_taken", "source=trusted_flagger", 1, 1),  # C8
    ("notices", "actions_taken", "issue_type=counterfeit", 1, 1),  # C7
    ("notices", "actions_taken", "issue_type=ip_infringement", 0, 0),
    ("notices", "actions_taken", "issue_type=prohibited_item", 0, 0),
    ("notices", "actions_taken", "issue_type=product_safety", 1, 1),  # C8
    ("notices", "actions_taken", "issue_type=misleading", 1, 1),  # C10
    ("notices", "actions_taken", "issue_type=missing_qualification", 0, 0),
    ("notices", "actions_taken", "issue_type=other", 0, 0),
    ("notices", "actions_taken", CI, 1, 1),  # C10
    ("notices", "actions_taken", IP, 1, 1),  # C7
    ("notices", "actions_taken", TC, 0, 0),
    ("notices", "actions_taken", UP, 1, 1),  # C8
    ("notices", "actions_taken", "ground=illegal_content", 2, 2),  # C7, C8
    ("notices", "actions_taken", "ground=terms_of_service", 1, 1),  # C10
    ("notices", "actions_taken", "automation=fully", 1, 1),  # C8
    ("notices", "actions_taken", "automation=partially", 1, 1),  # C7
    ("notices", "actions_taken", "automation=none", 0, 0),
    ("notices", "actions_taken", "automation=unknown", 1, 1),  # C10 has no value: shown
    # Notices decided in the period, any outcome: C7 4 h, C8 2 h, C9 30 h, C10 8 h, C13 6 h:
    # median of 2, 4, 6, 8, 30 = 6.
    ("notices", "median_hours_to_action", "all", 6.0, 5),
    ("notices", "median_hours_to_action", "source=consumer", 6.0, 3),  # 4, 6, 8
    ("notices", "median_hours_to_action", "source=rights_holder", 30.0, 1),
    ("notices", "median_hours_to_action", "source=trusted_flagger", 2.0, 1),
    ("notices", "median_hours_to_action", "issue_type=counterfeit", 4.0, 1),
    ("notices", "median_hours_to_action", "issue_type=ip_infringement", 30.0, 1),
    ("notices", "median_hours_to_action", "issue_type=prohibited_item", NONE, 0),
    ("notices", "median_hours_to_action", "issue_type=product_safety", 2.0, 1),
    ("notices", "median_hours_to_action", "issue_type=misleading", 8.0, 1),
    ("notices", "median_hours_to_action", "issue_type=missing_qualification", 6.0, 1),
    ("notices", "median_hours_to_action", "issue_type=other", NONE, 0),
    ("notices", "median_hours_to_action", CI, 8.0, 1),  # C10
    ("notices", "median_hours_to_action", IP, 17.0, 2),  # C7 4, C9 30: (4 + 30) / 2
    ("notices", "median_hours_to_action", TC, NONE, 0),
    ("notices", "median_hours_to_action", UP, 4.0, 2),  # C8 2, C13 6
    # Proactive removals in the period: L7, L8, L10 (23:10 UTC on 03-01 = 03-02 in Madrid),
    # L12; not L9 (03-05 in Madrid), not L11 (found through a consumer notice).
    ("own_initiative", "actions", "all", 4, 4),
    ("own_initiative", "actions", "automated_detection=yes", 2, 2),  # L7, L10 (model)
    ("own_initiative", "actions", "automated_detection=no", 2, 2),  # L8, L12 (review)
    ("own_initiative", "actions", "reason=counterfeit", 1, 1),  # L7
    ("own_initiative", "actions", "reason=ip_infringement", 0, 0),
    ("own_initiative", "actions", "reason=prohibited_item", 0, 0),
    ("own_initiative", "actions", "reason=product_safety", 1, 1),  # L8
    ("own_initiative", "actions", "reason=misleading", 0, 0),  # L9 is out
    ("own_initiative", "actions", "reason=missing_qualification", 1, 1),  # L10
    ("own_initiative", "actions", "reason=other", 1, 1),  # L12
    ("own_initiative", "actions", CI, 0, 0),
    ("own_initiative", "actions", IP, 1, 1),  # L7
    ("own_initiative", "actions", TC, 1, 1),  # L12
    ("own_initiative", "actions", UP, 2, 2),  # L8, L10
    ("own_initiative", "actions", "automation=fully", 2, 2),  # L7, L10
    ("own_initiative", "actions", "automation=partially", 1, 1),  # L8
    ("own_initiative", "actions", "automation=none", 1, 1),  # L12
    ("own_initiative", "actions", "ground=illegal_content", 2, 2),  # L7, L8
    ("own_initiative", "actions", "ground=terms_of_service", 2, 2),  # L10, L12
    # Appeals filed in the period: A1, A2, A4 (22:30 UTC on 03-04 = 23:30 in Madrid), A5;
    # not A3 (filed 02-28). Category of the contested removal.
    ("complaints", "complaints_received", "all", 4, 4),
    ("complaints", "complaints_received", CI, 0, 0),
    ("complaints", "complaints_received", IP, 1, 1),  # A1 (L7 counterfeit)
    ("complaints", "complaints_received", TC, 1, 1),  # A4 (L12 other)
    ("complaints", "complaints_received", UP, 2, 2),  # A2 (L8), A5 (L10)
    # Appeals decided in the period as overturned: A1, A5 (A3 upheld, A2 decided 03-05).
    ("complaints", "decisions_reversed", "all", 2, 2),
    ("complaints", "decisions_reversed", CI, 0, 0),
    ("complaints", "decisions_reversed", IP, 1, 1),  # A1
    ("complaints", "decisions_reversed", TC, 0, 0),
    ("complaints", "decisions_reversed", UP, 1, 1),  # A5
    # Appeals decided in the period: A1 24 h, A3 48 h, A5 12 h: median of 12, 24, 48 = 24.
    ("complaints", "median_hours_to_decision", "all", 24.0, 3),
    ("complaints", "median_hours_to_decision", CI, NONE, 0),
    ("complaints", "median_hours_to_decision", IP, 36.0, 2),  # A1 24, A3 48
    ("complaints", "median_hours_to_decision", TC, NONE, 0),
    ("complaints", "median_hours_to_decision", UP, 12.0, 1),  # A5
]

UNITS = {
    "orders_received": "orders",
    "median_hours_to_effect": "hours",
    "notices_received": "notices",
    "actions_taken": "actions",
    "median_hours_to_action": "hours",
    "actions": "actions",
    "complaints_received": "complaints",
    "decisions_reversed": "decisions",
    "median_hours_to_decision": "hours",
}


def report_on(data: Path, mapping_path: str | None = None) -> DsaReport:
    return build_report(str(data), FIRST, LAST, ZONE, load_mapping(mapping_path))


def table(report: DsaReport) -> list[tuple[str, str, str, float | None, int | None]]:
    return [(r.section, r.indicator, r.breakdown, r.value, r.cases) for r in report.rows]


def test_every_row_matches_its_hand_checked_value(tmp_path: Path) -> None:
    report = report_on(write_dsa_exports(tmp_path))
    got = table(report)
    assert [g[:3] for g in got] == [e[:3] for e in GOLDEN]  # same rows, same order
    for row, expected in zip(got, GOLDEN, strict=True):
        assert row[3] == pytest.approx(expected[3]), row
        assert row[4] == expected[4], row
    assert {r.indicator: r.unit for r in report.rows} == UNITS
    assert report.absent == []
    assert report.notes == []


def test_a_v1_export_reports_the_v11_rows_as_not_available(tmp_path: Path) -> None:
    report = report_on(write_dsa_exports(tmp_path, v11=False))
    assert report.absent == [
        "listings.automation",
        "listings.decision_ground",
        "complaints.automation",
        "complaints.decision_ground",
    ]
    needs_v11 = {"automation", "ground"}
    rows = {(r.section, r.indicator, r.breakdown): (r.value, r.cases) for r in report.rows}
    for section, indicator, breakdown, value, cases in GOLDEN:
        key = (section, indicator, breakdown)
        if breakdown.split("=")[0] in needs_v11:
            if breakdown != "automation=unknown":  # no column, so no unknown values either
                assert rows.pop(key) == (None, None), key  # not available, no cases
        else:
            assert rows.pop(key) == (pytest.approx(value), cases), key
    assert rows == {}


def test_without_the_appeals_export_the_complaints_rows_are_not_available(
    tmp_path: Path,
) -> None:
    report = report_on(write_dsa_exports(tmp_path, appeals=False))
    assert report.absent == ["the appeals export"]
    complaints = [(r.indicator, r.breakdown, r.value, r.cases) for r in report.rows
                  if r.section == "complaints"]  # fmt: skip
    categories = ["all", CI, IP, TC, UP]
    assert complaints == [
        (indicator, breakdown, None, None)
        for indicator in ("complaints_received", "decisions_reversed", "median_hours_to_decision")
        for breakdown in categories
    ]
    others = [r for r in report.rows if r.section != "complaints"]
    assert [(r.section, r.indicator, r.breakdown, r.cases) for r in others] == [
        g[:3] + (g[4],) for g in GOLDEN if g[0] != "complaints"
    ]


def test_a_one_day_period_and_a_utc_report_move_the_edges(tmp_path: Path) -> None:
    data = write_dsa_exports(tmp_path)
    mapping = load_mapping()
    # Madrid, Monday 03-02 alone: authority C1 (08:00) and C2 (23:30 UTC on 03-01).
    madrid = build_report(str(data), FIRST, FIRST, ZONE, mapping)
    assert value(madrid, "orders", "orders_received") == 2
    # In UTC the same day holds C1 only; C2 falls on 03-01.
    utc = build_report(str(data), FIRST, FIRST, "UTC", mapping)
    assert value(utc, "orders", "orders_received") == 1
    # In UTC the whole period takes C5 (23:30 UTC on 03-04) instead of C2: still 4.
    whole = build_report(str(data), FIRST, LAST, "UTC", mapping)
    assert value(whole, "orders", "orders_received", "market=FR") == 1
    assert value(whole, "notices", "notices_received") == 6  # C10 out, C11..C13 in, as before
    # C12 (decided 23:30 UTC on 03-04) is an action in UTC, not in Madrid.
    assert value(whole, "notices", "actions_taken") == 4


def value(report: DsaReport, section: str, indicator: str, breakdown: str = "all") -> object:
    return next(
        r.value
        for r in report.rows
        if (r.section, r.indicator, r.breakdown) == (section, indicator, breakdown)
    )


@pytest.mark.parametrize(
    ("first", "last", "zone", "start", "end"),
    [
        # Winter in Madrid (UTC+1): local midnight is 23:00 UTC the day before.
        ("2026-03-02", "2026-03-04", "Europe/Madrid", "2026-03-01 23:00", "2026-03-04 23:00"),
        # The day clocks go forward (2026-03-29) has 23 hours: it ends at 22:00 UTC.
        ("2026-03-29", "2026-03-29", "Europe/Madrid", "2026-03-28 23:00", "2026-03-29 22:00"),
        # The day clocks go back (2026-10-25) has 25 hours.
        ("2026-10-25", "2026-10-25", "Europe/Madrid", "2026-10-24 22:00", "2026-10-25 23:00"),
        ("2026-03-02", "2026-03-02", "UTC", "2026-03-02 00:00", "2026-03-03 00:00"),
        # West of UTC the day starts later in UTC.
        ("2026-07-01", "2026-07-31", "America/Sao_Paulo", "2026-07-01 03:00", "2026-08-01 03:00"),
    ],
)
def test_period_bounds_are_the_local_midnights_in_utc(
    first: str, last: str, zone: str, start: str, end: str
) -> None:
    got = period_bounds(dt.date.fromisoformat(first), dt.date.fromisoformat(last), zone)
    assert got == (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end))


def test_a_period_that_runs_past_the_data_says_so(tmp_path: Path) -> None:
    data = write_dsa_exports(tmp_path)
    report = build_report(
        str(data), dt.date(2026, 2, 1), dt.date(2026, 3, 31), ZONE, load_mapping()
    )
    # The latest event is appeal A2 decided 03-05 10:00 UTC; the first complaint C3 02-27.
    assert report.notes == [
        "The exports' latest event is 2026-03-05 10:00 UTC: the days of the period after it "
        "have no data yet.",
        "The complaints export starts at 2026-02-27 10:00 UTC: the days of the period before "
        "it have no complaints in the exports.",
    ]
