"""compute_store beyond the numbers: reporting time zone, incremental compute, optional exports
and bad exports. Real Parquet exports, real DuckDB store; expectations worked out by hand."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics.engine import compute_store
from metrics.errors import InvalidExportError
from metrics.metric_store import MetricStore, get_meta
from tests.engine_support import check, point, read_series, subset
from tests.export_fixtures import write_exports

NULL = None


def lst(n: int, created: str, published: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "listing_id": f"L{n}",
        "seller_id": f"S{n}",
        "seller_tier": "standard",
        "market": "ES",
        "category_l1": "toys",
        "created_at": created,
        "published_at": published,
        **extra,
    }


def cmp(n: int, listing: int, channel: str, received: str, decided: str | None,
        outcome: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "complaint_id": f"C{n}",
        "listing_id": f"L{listing}",
        "channel": channel,
        "issue_type": "counterfeit" if channel != "authority" else "prohibited_item",
        "received_at": received,
        "decided_at": decided,
        "outcome": outcome if decided else None,
        "complainant_informed_at": None,
    }


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# Reporting time zone. Asia/Seoul is UTC+9 all year (no daylight saving).
#   L1 ES created 10-01 08:00 UTC (10-01 17:00 KST), published 09:00 UTC
#   L2 ES created 10-01 20:00 UTC (10-02 05:00 KST), published 21:00 UTC (10-02 06:00 KST)
#   L3 ES created 10-20 00:00 UTC (10-20 09:00 KST), never published: ends the window
#   C1 consumer on L1: received Mon 10-05 16:30 UTC (Tue 10-06 01:30 KST), decided 2 h
#      later (10-05 18:30 UTC / 10-06 03:30 KST); due 72 h later, 10-08 16:30 UTC, which is
#      10-09 01:30 KST
#   C2 authority on L2 (ES calendar, Mon 10-12 a holiday): received Thu 10-08 20:00 UTC,
#      which is already Fri 10-09 05:00 KST; decided Wed 10-14 10:00 UTC (19:00 KST)
#      UTC:   received Thu 10-08 -> wd1 Fri 10-09, wd2 Tue 10-13 -> due end of 10-13: late
#      Seoul: received Fri 10-09 -> wd1 Tue 10-13, wd2 Wed 10-14 -> due end of 10-14 KST
#             (10-14 14:59:59 UTC): decided 10:00 UTC, in time
# --------------------------------------------------------------------------------------------

TZ_LISTINGS = [
    lst(1, "2026-10-01 08:00", "2026-10-01 09:00"),
    lst(2, "2026-10-01 20:00", "2026-10-01 21:00"),
    lst(3, "2026-10-20 00:00", None),
]
TZ_COMPLAINTS = [
    cmp(1, 1, "consumer", "2026-10-05 16:30", "2026-10-05 18:30", "upheld"),
    cmp(2, 2, "authority", "2026-10-08 20:00", "2026-10-14 10:00", "upheld"),
]
TZ_METRICS = ("new_listings", "live_listings", "complaint_rate", "time_to_decision",
              "sla_compliance")  # fmt: skip

TZ_CASES = {
    "UTC": [
        ("new_listings", "2026-10-01", 2, 2, None),  # L1 L2
        ("new_listings", "2026-10-02", 0, 0, None),
        ("live_listings", "2026-10-01", 2, 2, None),
        ("complaint_rate", "2026-10-05", 1 / 2 * 10_000, 1, 2),  # C1 / 2 live
        ("complaint_rate", "2026-10-06", 0.0, 0, 2),
        ("time_to_decision", "2026-10-05", 2.0, None, 1),
        ("time_to_decision", "2026-10-06", NULL, None, 0),
        ("sla_compliance", "2026-10-08", 1 / 1, 1, 1),  # C1 due 10-08 16:30
        ("sla_compliance", "2026-10-09", NULL, 0, 0),
        ("sla_compliance", "2026-10-13", 0 / 1, 0, 1),  # C2 due end of 10-13, decided 10-14
        ("sla_compliance", "2026-10-14", NULL, 0, 0),
    ],
    "Asia/Seoul": [
        ("new_listings", "2026-10-01", 1, 1, None),  # L1 only; L2 was created on 10-02 KST
        ("new_listings", "2026-10-02", 1, 1, None),
        ("live_listings", "2026-10-01", 1, 1, None),
        ("live_listings", "2026-10-02", 2, 2, None),
        ("complaint_rate", "2026-10-05", 0.0, 0, 2),
        ("complaint_rate", "2026-10-06", 1 / 2 * 10_000, 1, 2),  # C1 moved across midnight
        ("time_to_decision", "2026-10-05", NULL, None, 0),
        ("time_to_decision", "2026-10-06", 2.0, None, 1),
        ("sla_compliance", "2026-10-08", NULL, 0, 0),
        ("sla_compliance", "2026-10-09", 1 / 1, 1, 1),  # C1 due 10-09 01:30 KST
        ("sla_compliance", "2026-10-13", NULL, 0, 0),
        ("sla_compliance", "2026-10-14", 1 / 1, 1, 1),  # C2 due end of 10-14 KST, in time
    ],
}


@pytest.mark.parametrize("tz", ["UTC", "Asia/Seoul"])
def test_reporting_time_zone_moves_events_across_midnight(tmp_path: Path, tz: str) -> None:
    data = write_exports(tmp_path / "data", listings=TZ_LISTINGS, complaints=TZ_COMPLAINTS)
    store = MetricStore(tmp_path / "s.duckdb")
    summary = compute_store(str(data), store, tz=tz, full=True, catalogue=subset(*TZ_METRICS))
    assert (summary.first_day, summary.last_day) == (date(2026, 10, 1), date(2026, 10, 20))
    series = read_series(store)
    for metric, day, value, num, den in TZ_CASES[tz]:
        check(point(series, metric, "all", day), value, num, den)
    with store.read() as con:
        assert get_meta(con, "reporting_tz") == tz


# Europe/Madrid leaves summer time on Sun 2026-10-25 (03:00 CEST -> 02:00 CET), so the
# end of Mon 10-26 local is 10-26 23:00 UTC.
# C1, C2 ES authority orders received Thu 10-22 -> wd1 Fri 10-23, wd2 Mon 10-26.
#   C1 decided 10-26 22:30 UTC = 23:30 CET on 10-26: in time, 108.5 h after receipt
#   C2 decided 10-26 23:30 UTC = 00:30 CET on 10-27: late, 108.5 h after receipt
# C3 consumer received 10-24 23:30 UTC (10-25 01:30 CEST), decided an hour later
# (02:30 CEST); due 72 h later, 10-27 23:30 UTC = 10-28 00:30 CET.
DST_LISTINGS = [lst(1, "2026-10-20 08:00", "2026-10-20 09:00"), lst(2, "2026-10-30 08:00", None)]
DST_COMPLAINTS = [
    cmp(1, 1, "authority", "2026-10-22 10:00", "2026-10-26 22:30", "upheld"),
    cmp(2, 1, "authority", "2026-10-22 11:00", "2026-10-26 23:30", "upheld"),
    cmp(3, 1, "consumer", "2026-10-24 23:30", "2026-10-25 00:30", "upheld"),
]
DST_METRICS = ("sla_compliance", "time_to_decision", "overdue_backlog")
DST_CASES = [
    ("time_to_decision", "all", "2026-10-25", 1.0, None, 1),  # C3
    ("time_to_decision", "all", "2026-10-26", 108.5, None, 1),  # C1
    ("time_to_decision", "all", "2026-10-27", 108.5, None, 1),  # C2
    ("sla_compliance", "all", "2026-10-26", 1 / 2, 1, 2),  # C1 of C1 C2
    ("sla_compliance", "all", "2026-10-27", NULL, 0, 0),
    ("sla_compliance", "all", "2026-10-28", 1 / 1, 1, 1),  # C3
    ("overdue_backlog", "all", "2026-10-26", 1, 1, None),  # C2
    ("overdue_backlog", "all", "2026-10-27", 0, 0, None),
]


def test_working_day_deadline_ends_at_local_midnight_across_the_dst_change(
    tmp_path: Path,
) -> None:
    data = write_exports(tmp_path / "data", listings=DST_LISTINGS, complaints=DST_COMPLAINTS)
    store = MetricStore(tmp_path / "s.duckdb")
    compute_store(str(data), store, tz="Europe/Madrid", full=True, catalogue=subset(*DST_METRICS))
    series = read_series(store)
    for metric, slice_, day, value, num, den in DST_CASES:
        check(point(series, metric, slice_, day), value, num, den)


# --------------------------------------------------------------------------------------------
# Incremental compute. Version 1 of the exports (window 06-01 .. 06-05):
#   L1 ES, live from 06-01
#   C1 consumer received 06-02 10:00, decided 12:00 (2 h) upheld
#   C2 consumer received 06-03 10:00, open (due 06-06 10:00)
#   C3 consumer received 06-05 10:00, decided 11:00 (1 h) rejected
# Version 2: C2 is decided 06-07 10:00 (96 h, upheld, 1 day past its deadline) and a late
# row C4 appears for 06-02 (received 15:00, decided 16:00, 1 h). Window 06-01 .. 06-07.
# Recomputing with since=06-04 keeps the stored 06-01 .. 06-03 (so 06-02 still shows one
# complaint, not two) and rewrites 06-04 onwards.
# --------------------------------------------------------------------------------------------

INC_METRICS = ("complaint_rate", "time_to_decision", "substantiation_rate", "overdue_backlog")


def test_incremental_compute_keeps_earlier_days_and_updates_later_ones(tmp_path: Path) -> None:
    listings = [lst(1, "2026-06-01 08:00", "2026-06-01 09:00")]
    v1 = [
        cmp(1, 1, "consumer", "2026-06-02 10:00", "2026-06-02 12:00", "upheld"),
        cmp(2, 1, "consumer", "2026-06-03 10:00", None),
        cmp(3, 1, "consumer", "2026-06-05 10:00", "2026-06-05 11:00", "rejected"),
    ]
    v2 = [
        v1[0],
        cmp(2, 1, "consumer", "2026-06-03 10:00", "2026-06-07 10:00", "upheld"),
        v1[2],
        cmp(4, 1, "consumer", "2026-06-02 15:00", "2026-06-02 16:00", "upheld"),
    ]
    catalogue = subset(*INC_METRICS)
    store = MetricStore(tmp_path / "s.duckdb")
    data = write_exports(tmp_path / "data", listings=listings, complaints=v1)
    compute_store(str(data), store, full=True, catalogue=catalogue)
    before = read_series(store)
    check(point(before, "complaint_rate", "all", "2026-06-02"), 10_000.0, 1, 1)  # C1 / 1 live
    check(point(before, "time_to_decision", "all", "2026-06-05"), 1.0, None, 1)
    assert before["date"].max() == pd.Timestamp("2026-06-05")

    write_exports(tmp_path / "data", listings=listings, complaints=v2)
    summary = compute_store(str(data), store, since=date(2026, 6, 4), catalogue=catalogue)
    assert summary.since == date(2026, 6, 4)
    after = read_series(store)

    # Days before `since` are kept exactly as stored, although the new exports differ there.
    cut = pd.Timestamp("2026-06-04")
    kept_before = before[before["date"] < cut].reset_index(drop=True)
    kept_after = after[after["date"] < cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept_after, kept_before)
    check(point(after, "complaint_rate", "all", "2026-06-02"), 10_000.0, 1, 1)  # not 2 (C4)
    check(point(after, "time_to_decision", "all", "2026-06-02"), 2.0, None, 1)  # not 1.5

    # From `since` on, the new exports: the window now reaches 06-07.
    assert after["date"].max() == pd.Timestamp("2026-06-07")
    check(point(after, "time_to_decision", "all", "2026-06-05"), 1.0, None, 1)  # C3
    check(point(after, "time_to_decision", "all", "2026-06-07"), 96.0, None, 1)  # C2
    check(point(after, "substantiation_rate", "all", "2026-06-07"), 1 / 1, 1, 1)
    check(point(after, "complaint_rate", "all", "2026-06-07"), 0.0, 0, 1)
    # C2 open past its deadline (06-06 10:00) at the end of 06-06, decided on 06-07.
    check(point(after, "overdue_backlog", "all", "2026-06-05"), 0, 0, None)
    check(point(after, "overdue_backlog", "all", "2026-06-06"), 1, 1, None)
    check(point(after, "overdue_backlog", "all", "2026-06-07"), 0, 0, None)
    assert not after.duplicated(["metric_id", "slice", "date"]).any()
    with store.read() as con:
        assert get_meta(con, "last_day") == "2026-06-07"


# --------------------------------------------------------------------------------------------
# Optional exports absent: the three indicators that need them are skipped, nothing fails.
# The default exports (tests/export_fixtures.py): L1..L3 in ES toys created and published on
# 03-02; complaints C1..C3 (consumer, counterfeit) received on 03-03 10:00-12:00 and decided
# 5 h later. Window 03-02 .. 03-03. No removals, no regulated listings, and the 72 h
# deadlines (03-06) fall after the window.
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_compute(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, pd.DataFrame]:
    root = tmp_path_factory.mktemp("default")
    data = write_exports(root / "data")  # listings and complaints only
    store = MetricStore(root / "s.duckdb")
    summary = compute_store(str(data), store, full=True)
    with store.read() as con:
        assert "complaints_per_10k_orders" in get_meta(con, "skipped_metrics")
    return summary, read_series(store)


def test_absent_optional_exports_skip_their_indicators(
    default_compute: tuple[Any, pd.DataFrame],
) -> None:
    summary, series = default_compute
    assert set(summary.skipped) == {"appeal_rate", "appeal_overturn_rate",
                                    "appeal_overturn_rate_automated", "appeal_overturn_rate_review",
                                    "appeal_overturn_rate_notice",
                                    "complaints_per_10k_orders"}  # fmt: skip
    assert "appeals" in summary.skipped["appeal_rate"]
    assert "appeals" in summary.skipped["appeal_overturn_rate_automated"]
    assert "traffic" in summary.skipped["complaints_per_10k_orders"]
    assert len(summary.metrics) == 17  # 23 indicators, 6 of them need an absent export
    assert not set(summary.metrics) & set(summary.skipped)
    assert set(series["metric_id"]) == set(summary.metrics)
    # The others are computed as usual.
    check(point(series, "new_listings", "all", "2026-03-02"), 3, 3, None)
    check(point(series, "complaint_rate", "all", "2026-03-03"), 3 / 3 * 10_000, 3, 3)
    check(point(series, "time_to_decision", "all", "2026-03-03"), 5.0, None, 3)


@pytest.mark.parametrize(
    ("metric", "value", "num", "den"),
    [
        ("proactive_rate", NULL, 0, 0),  # no removals at all
        ("prepublish_block_share", NULL, 0, 0),
        ("repeat_offender_rate", NULL, 0, 0),
        ("missing_qualification_rate", NULL, 0, 0),  # no regulated listings
        ("sla_compliance", NULL, 0, 0),  # nothing due inside the window
        ("closed_loop_rate", NULL, 0, 0),  # nothing received 7 days before
        ("overdue_backlog", 0, 0, None),  # a count: zero, not missing
    ],
)
def test_indicator_without_any_rows_still_has_a_whole_platform_series(
    default_compute: tuple[Any, pd.DataFrame],
    metric: str,
    value: float | None,
    num: float,
    den: float | None,
) -> None:
    _, series = default_compute
    for day in ("2026-03-02", "2026-03-03"):
        check(point(series, metric, "all", day), value, num, den)


def test_only_traffic_absent_skips_only_orders_indicator(tmp_path: Path) -> None:
    data = write_exports(tmp_path / "data", appeals=[{}, {}])
    catalogue = subset("appeal_rate", "complaints_per_10k_orders", "new_listings")
    summary = compute_store(str(data), MetricStore(tmp_path / "s.duckdb"), full=True,
                            catalogue=catalogue)  # fmt: skip
    assert list(summary.skipped) == ["complaints_per_10k_orders"]
    assert summary.metrics == ["appeal_rate", "new_listings"]


# --------------------------------------------------------------------------------------------
# A bad export is refused before the store is touched.
# --------------------------------------------------------------------------------------------


def test_bad_export_raises_and_leaves_the_store_byte_identical(tmp_path: Path) -> None:
    catalogue = subset("new_listings", "complaint_rate")
    store_path = tmp_path / "store" / "s.duckdb"
    store = MetricStore(store_path)
    good = write_exports(tmp_path / "good")
    compute_store(str(good), store, full=True, catalogue=catalogue)
    digest, files = file_hash(store_path), sorted(p.name for p in store_path.parent.iterdir())

    # Listing L1 twice (the second row's id overridden to L1).
    bad = write_exports(tmp_path / "bad", listings=[{}, {"listing_id": "L1"}, {}])
    with pytest.raises(InvalidExportError) as caught:
        compute_store(str(bad), store, full=True, catalogue=catalogue)
    assert any("listing_id" in f and "L1" in f for f in caught.value.findings)
    assert "listings" in str(caught.value)
    assert file_hash(store_path) == digest
    assert sorted(p.name for p in store_path.parent.iterdir()) == files


def test_bad_export_does_not_create_a_store(tmp_path: Path) -> None:
    bad = write_exports(tmp_path / "bad", listings=[{}, {"listing_id": "L1"}])
    store = MetricStore(tmp_path / "s.duckdb")
    with pytest.raises(InvalidExportError):
        compute_store(str(bad), store, full=True, catalogue=subset("new_listings"))
    assert not store.exists()
