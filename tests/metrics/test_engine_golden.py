"""Golden outputs: every indicator of the catalogue pinned on tiny hand-checked exports.

Each scenario writes real Parquet exports, runs the real engine into a real metric store and
reads the `series` table back. The expected numbers are worked out by hand in the comments
next to them; none is copied from an engine run. (STYLE.md practice 4.)

Scenarios:
- MAIN (June 2026, ES + FR, all four exports): listing, complaint, appeal and traffic
  indicators; slice medians and p90; zero-denominator days.
- SLA (October 2026, ES + FR): working-day deadlines across a weekend and the Spanish national
  holiday of Monday 2026-10-12, hour deadlines, the overdue backlog rising and falling.
- REPEAT (January-April 2026): repeat offenders within and beyond 90 days.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics.catalogue import Catalogue, load_catalogue
from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from tests.engine_support import check, point, subset
from tests.export_fixtures import write_exports

NULL = None  # an expected value of NULL: no value on a day with a zero denominator


def lst(n: int, seller: str, tier: str, market: str, cat: str, created: str, published: str | None,
        **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A listing row; removal, detection, sale and certificate fields default to none."""
    return {
        "listing_id": f"L{n}",
        "seller_id": seller,
        "seller_tier": tier,
        "market": market,
        "category_l1": cat,
        "created_at": created,
        "published_at": published,
        **extra,
    }


def cmp(n: int, listing: int, channel: str, issue: str, received: str, decided: str | None,
        outcome: str | None = None, informed: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A complaint row about listing L<listing>."""
    return {
        "complaint_id": f"C{n}",
        "listing_id": f"L{listing}",
        "channel": channel,
        "issue_type": issue,
        "received_at": received,
        "decided_at": decided,
        "outcome": outcome if decided else None,
        "complainant_informed_at": informed,
    }


def compute(data: Path, store_path: Path, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Runs a full compute with validation and returns the whole stored series table."""
    store = MetricStore(store_path)
    compute_store(str(data), store, full=True, validate=True, catalogue=catalogue)
    with store.read() as con:
        return con.execute("SELECT * FROM series").df()


# --------------------------------------------------------------------------------------------
# MAIN scenario. Window 2026-06-01 .. 2026-06-12 (the last event is appeal A3 decided 06-12).
#
# Listings (seller, tier, market, category, created, published, removed):
#   L1  S1 standard ES toys        06-01  06-01  -
#   L2  S2 standard ES toys        06-01  06-01  -
#   L3  S3 top      ES cosmetics   06-01  06-01  -      regulated, certs yes
#   L4  S4 new      FR toys        06-01  06-01  -
#   L5  S5 standard FR electronics 06-01  06-02  06-04  proactive_model,  sold 06-03 (before)
#   L6  S6 new      ES toys        06-02  never  06-04  proactive_review, no sale (blocked)
#   L7  S1 standard ES toys        06-02  06-02  06-04  consumer,         no sale
#   L8  S7 top      FR toys        06-02  06-02  06-04  rights_holder,    sold 06-02 (before)
#   L9  S3 top      ES cosmetics   06-03  06-03  -      regulated, certs yes
#   L10 S3 top      ES cosmetics   06-03  never  -      regulated, certs no (pending)
#   L11 S8 new      FR cosmetics   06-03  06-03  -      regulated, certs unknown (NULL)
#
# Live at the end of the day (published on or before it, not removed by its end):
#   06-01: L1 L2 L3 L4                        = 4   (ES 3, FR 1)
#   06-02: + L5 L7 L8                         = 7   (ES 4, FR 3)
#   06-03: + L9 L11                           = 9   (ES 5, FR 4)
#   06-04: - L5 L7 L8                         = 6   (ES 4: L1 L2 L3 L9; FR 2: L4 L11)
#   06-05 .. 06-12: unchanged                 = 6
#
# Complaints, all received and decided on 06-05 (live that day: 6; ES 4, FR 2):
#   C1 L1  ES toys      consumer        counterfeit     08:00 -> 09:00  1 h  upheld
#   C2 L2  ES toys      rights_holder   ip_infringement 08:00 -> 10:00  2 h  upheld
#   C3 L3  ES cosmetics consumer        product_safety  06:00 -> 16:00 10 h  rejected
#   C4 L4  FR toys      trusted_flagger counterfeit     10:00 -> 14:00  4 h  upheld
#   C5 L11 FR cosmetics consumer        misleading      02:00 -> 22:00 20 h  withdrawn
# Complainant informed: C1 06-05 10:00, C2 06-12 09:00 (7 days 1 hour after receipt),
# C3 06-05 17:00, C4 never, C5 06-05 23:00.
#
# Appeals: A1 on L5 filed 06-04 decided 06-06 overturned; A2 on L7 filed 06-04 decided 06-06
# upheld; A4 on L6 filed 06-04 decided 06-06 upheld; A3 on L8 filed 06-05 decided 06-12
# overturned.
#
# Traffic orders: 06-05 ES toys 2000, ES cosmetics 500, FR toys 1500, FR cosmetics 1000
# (total 5000); 06-06 ES toys 1000.
# --------------------------------------------------------------------------------------------

MAIN_LISTINGS = [
    lst(1, "S1", "standard", "ES", "toys", "2026-06-01 08:00", "2026-06-01 09:00"),
    lst(2, "S2", "standard", "ES", "toys", "2026-06-01 08:00", "2026-06-01 09:00"),
    lst(3, "S3", "top", "ES", "cosmetics", "2026-06-01 08:00", "2026-06-01 09:00",
        is_regulated_category=True, has_required_certs=True),
    lst(4, "S4", "new", "FR", "toys", "2026-06-01 08:00", "2026-06-01 09:00"),
    lst(5, "S5", "standard", "FR", "electronics", "2026-06-01 08:00", "2026-06-02 10:00",
        removed_at="2026-06-04 15:00", removal_reason="counterfeit",
        detection_channel="proactive_model", first_sale_at="2026-06-03 12:00"),
    lst(6, "S6", "new", "ES", "toys", "2026-06-02 08:00", None,
        removed_at="2026-06-04 09:00", removal_reason="prohibited_item",
        detection_channel="proactive_review"),
    lst(7, "S1", "standard", "ES", "toys", "2026-06-02 08:00", "2026-06-02 09:00",
        removed_at="2026-06-04 18:00", removal_reason="misleading", detection_channel="consumer"),
    lst(8, "S7", "top", "FR", "toys", "2026-06-02 08:00", "2026-06-02 09:00",
        removed_at="2026-06-04 20:00", removal_reason="ip_infringement",
        detection_channel="rights_holder", first_sale_at="2026-06-02 12:00"),
    lst(9, "S3", "top", "ES", "cosmetics", "2026-06-03 08:00", "2026-06-03 09:00",
        is_regulated_category=True, has_required_certs=True),
    lst(10, "S3", "top", "ES", "cosmetics", "2026-06-03 10:00", None,
        is_regulated_category=True, has_required_certs=False),
    lst(11, "S8", "new", "FR", "cosmetics", "2026-06-03 11:00", "2026-06-03 12:00",
        is_regulated_category=True, has_required_certs=None),
]  # fmt: skip

MAIN_COMPLAINTS = [
    cmp(1, 1, "consumer", "counterfeit", "2026-06-05 08:00", "2026-06-05 09:00", "upheld",
        "2026-06-05 10:00"),
    cmp(2, 2, "rights_holder", "ip_infringement", "2026-06-05 08:00", "2026-06-05 10:00",
        "upheld", "2026-06-12 09:00"),
    cmp(3, 3, "consumer", "product_safety", "2026-06-05 06:00", "2026-06-05 16:00", "rejected",
        "2026-06-05 17:00"),
    cmp(4, 4, "trusted_flagger", "counterfeit", "2026-06-05 10:00", "2026-06-05 14:00",
        "upheld", None),
    cmp(5, 11, "consumer", "misleading", "2026-06-05 02:00", "2026-06-05 22:00", "withdrawn",
        "2026-06-05 23:00"),
]  # fmt: skip

MAIN_APPEALS = [
    {"appeal_id": "A1", "listing_id": "L5", "filed_at": "2026-06-04 16:00",
     "decided_at": "2026-06-06 10:00", "outcome": "overturned"},
    {"appeal_id": "A2", "listing_id": "L7", "filed_at": "2026-06-04 19:00",
     "decided_at": "2026-06-06 12:00", "outcome": "upheld"},
    {"appeal_id": "A3", "listing_id": "L8", "filed_at": "2026-06-05 09:00",
     "decided_at": "2026-06-12 10:00", "outcome": "overturned"},
    {"appeal_id": "A4", "listing_id": "L6", "filed_at": "2026-06-04 10:00",
     "decided_at": "2026-06-06 15:00", "outcome": "upheld"},
]  # fmt: skip

MAIN_TRAFFIC = [
    {"date": "2026-06-05", "market": "ES", "category_l1": "toys", "views": 1, "orders": 2000},
    {"date": "2026-06-05", "market": "ES", "category_l1": "cosmetics", "views": 1, "orders": 500},
    {"date": "2026-06-05", "market": "FR", "category_l1": "toys", "views": 1, "orders": 1500},
    {"date": "2026-06-05", "market": "FR", "category_l1": "cosmetics", "views": 1,
     "orders": 1000},
    {"date": "2026-06-06", "market": "ES", "category_l1": "toys", "views": 1, "orders": 1000},
]  # fmt: skip


@pytest.fixture(scope="module")
def main_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("golden_main")
    data = write_exports(
        root / "data",
        listings=MAIN_LISTINGS,
        complaints=MAIN_COMPLAINTS,
        appeals=MAIN_APPEALS,
        traffic=MAIN_TRAFFIC,
    )
    return compute(data, root / "s.duckdb")


MAIN_CASES = [
    # new_listings (count: value = numerator, no denominator)
    ("new_listings", "all", "2026-06-01", 5, 5, None),  # L1..L5
    ("new_listings", "all", "2026-06-02", 3, 3, None),  # L6 L7 L8
    ("new_listings", "market=ES", "2026-06-03", 2, 2, None),  # L9 L10
    ("new_listings", "all", "2026-06-04", 0, 0, None),  # a day without new listings is 0
    # live_listings: publish and removal on different days (see the table above)
    ("live_listings", "all", "2026-06-01", 4, 4, None),
    ("live_listings", "all", "2026-06-02", 7, 7, None),  # L5 created 06-01, live from 06-02
    ("live_listings", "all", "2026-06-03", 9, 9, None),
    ("live_listings", "all", "2026-06-04", 6, 6, None),  # L5 L7 L8 removed; L6 never live
    ("live_listings", "all", "2026-06-12", 6, 6, None),
    ("live_listings", "market=FR", "2026-06-03", 4, 4, None),  # L4 L5 L8 L11
    ("live_listings", "market=FR", "2026-06-04", 2, 2, None),  # L4 L11
    ("live_listings", "market=ES,category_l1=toys", "2026-06-04", 2, 2, None),  # L1 L2
    # Removals on 06-04: L5 (FR, proactive_model, sold before), L6 (ES, proactive_review,
    # never published, no sale), L7 (ES, consumer, no sale), L8 (FR, rights_holder, sold).
    ("proactive_rate", "all", "2026-06-04", 2 / 4, 2, 4),  # L5 L6 of 4
    ("proactive_rate", "seller_tier=new", "2026-06-04", 1 / 1, 1, 1),  # L6
    ("proactive_rate", "market=ES", "2026-06-04", 1 / 2, 1, 2),  # L6 of L6 L7
    ("proactive_rate", "all", "2026-06-03", NULL, 0, 0),  # no removals: no value, not 0
    ("prepublish_block_share", "all", "2026-06-04", 1 / 4, 1, 4),  # L6
    ("prepublish_block_share", "market=FR", "2026-06-04", 0 / 2, 0, 2),
    ("prepublish_block_share", "all", "2026-06-05", NULL, 0, 0),
    ("removed_before_sale_share", "all", "2026-06-04", 2 / 4, 2, 4),  # L6 L7
    ("removed_before_sale_share", "market=FR", "2026-06-04", 0 / 2, 0, 2),  # both sold
    ("removed_before_sale_share", "all", "2026-06-01", NULL, 0, 0),
    ("takedown_rate", "all", "2026-06-04", 4 / 6 * 10_000, 4, 6),  # 6666.67 per 10k live
    ("takedown_rate", "market=ES", "2026-06-04", 2 / 4 * 10_000, 2, 4),  # L6 L7 / 4 live ES
    ("takedown_rate", "all", "2026-06-03", 0.0, 0, 9),  # live listings but no removals: 0
    # repeat_offender_rate on 06-04: sellers S5 S6 S1 S7, none removed before
    ("repeat_offender_rate", "all", "2026-06-04", 0 / 4, 0, 4),
    ("repeat_offender_rate", "all", "2026-06-05", NULL, 0, 0),
    # missing_qualification_rate: new regulated listings (NULL certs count as missing)
    ("missing_qualification_rate", "all", "2026-06-01", 0 / 1, 0, 1),  # L3 has certs
    ("missing_qualification_rate", "all", "2026-06-03", 2 / 3, 2, 3),  # L10 no, L11 NULL
    ("missing_qualification_rate", "market=ES", "2026-06-03", 1 / 2, 1, 2),  # L9 ok, L10 no
    ("missing_qualification_rate", "market=FR", "2026-06-03", 1 / 1, 1, 1),  # L11 NULL
    ("missing_qualification_rate", "all", "2026-06-02", NULL, 0, 0),
    # complaint_rate on 06-05: 5 complaints / 6 live; channel and issue_type slices keep the
    # parent (whole platform) exposure of 6 live listings.
    ("complaint_rate", "all", "2026-06-05", 5 / 6 * 10_000, 5, 6),  # 8333.33
    ("complaint_rate", "market=ES", "2026-06-05", 3 / 4 * 10_000, 3, 4),  # C1 C2 C3 / 4 ES
    ("complaint_rate", "market=FR,category_l1=cosmetics", "2026-06-05", 1 / 1 * 10_000, 1, 1),
    ("complaint_rate", "channel=consumer", "2026-06-05", 3 / 6 * 10_000, 3, 6),  # C1 C3 C5
    ("complaint_rate", "channel=rights_holder", "2026-06-05", 1 / 6 * 10_000, 1, 6),
    ("complaint_rate", "issue_type=counterfeit", "2026-06-05", 2 / 6 * 10_000, 2, 6),
    ("complaint_rate", "channel=trusted_flagger", "2026-06-06", 0.0, 0, 6),  # quiet day: 0
    ("complaint_rate", "all", "2026-06-04", 0.0, 0, 6),
    ("complaint_rate", "all", "2026-06-03", 0.0, 0, 9),
    # counterfeit + ip_infringement: C1 C2 C4
    ("counterfeit_complaint_rate", "all", "2026-06-05", 3 / 6 * 10_000, 3, 6),
    ("counterfeit_complaint_rate", "market=FR", "2026-06-05", 1 / 2 * 10_000, 1, 2),  # C4
    (
        "counterfeit_complaint_rate",
        "issue_type=ip_infringement",
        "2026-06-05",
        1 / 6 * 10_000,
        1,
        6,
    ),  # fmt: skip
    ("counterfeit_complaint_rate", "channel=consumer", "2026-06-05", 1 / 6 * 10_000, 1, 6),
    # product_safety: C3 (ES cosmetics)
    ("safety_complaint_rate", "all", "2026-06-05", 1 / 6 * 10_000, 1, 6),
    ("safety_complaint_rate", "market=ES", "2026-06-05", 1 / 4 * 10_000, 1, 4),
    ("safety_complaint_rate", "market=FR", "2026-06-05", 0.0, 0, 2),
    # substantiation_rate: decided 06-05, upheld C1 C2 C4 of 5
    ("substantiation_rate", "all", "2026-06-05", 3 / 5, 3, 5),
    ("substantiation_rate", "channel=consumer", "2026-06-05", 1 / 3, 1, 3),  # C1 of C1 C3 C5
    ("substantiation_rate", "all", "2026-06-06", NULL, 0, 0),
    # closed_loop_rate lands 7 days after receipt: received 06-05 -> 06-12. Closed: C1, C3,
    # C5 (informed the same day); not C2 (informed 7 d 1 h later), not C4 (never informed).
    ("closed_loop_rate", "all", "2026-06-12", 3 / 5, 3, 5),
    ("closed_loop_rate", "market=FR", "2026-06-12", 1 / 2, 1, 2),  # C5 of C4 C5
    ("closed_loop_rate", "channel=rights_holder", "2026-06-12", 0 / 1, 0, 1),  # C2
    ("closed_loop_rate", "all", "2026-06-05", NULL, 0, 0),  # nothing received on 05-29
    ("closed_loop_rate", "all", "2026-06-11", NULL, 0, 0),  # nothing received on 06-04
    # complaints_per_10k_orders: 5 complaints / 5000 orders on 06-05
    ("complaints_per_10k_orders", "all", "2026-06-05", 5 / 5000 * 10_000, 5, 5000),  # 10
    ("complaints_per_10k_orders", "market=ES", "2026-06-05", 3 / 2500 * 10_000, 3, 2500),
    (
        "complaints_per_10k_orders",
        "market=ES,category_l1=toys",
        "2026-06-05",
        2 / 2000 * 10_000,
        2,
        2000,
    ),  # fmt: skip
    ("complaints_per_10k_orders", "channel=consumer", "2026-06-05", 3 / 5000 * 10_000, 3, 5000),
    ("complaints_per_10k_orders", "all", "2026-06-06", 0.0, 0, 1000),
    ("complaints_per_10k_orders", "market=FR", "2026-06-06", NULL, 0, 0),  # no FR traffic
    # appeal_rate: appeals filed per 100 removals. 06-04: A1 A2 A4 / removals L5 L6 L7 L8.
    ("appeal_rate", "all", "2026-06-04", 3 / 4 * 100, 3, 4),  # 75
    ("appeal_rate", "market=ES", "2026-06-04", 2 / 2 * 100, 2, 2),  # A2 A4 / L6 L7
    ("appeal_rate", "market=FR", "2026-06-04", 1 / 2 * 100, 1, 2),  # A1 / L5 L8
    ("appeal_rate", "all", "2026-06-05", NULL, 1, 0),  # A3 filed, no removals: no value
    # appeal_overturn_rate: 06-06 A1 overturned, A2 A4 upheld; 06-12 A3 overturned
    ("appeal_overturn_rate", "all", "2026-06-06", 1 / 3, 1, 3),
    ("appeal_overturn_rate", "market=ES", "2026-06-06", 0 / 2, 0, 2),  # A2 A4
    ("appeal_overturn_rate", "all", "2026-06-12", 1 / 1, 1, 1),
    ("appeal_overturn_rate", "all", "2026-06-07", NULL, 0, 0),
]


@pytest.mark.parametrize(
    ("metric", "slice_", "day", "value", "num", "den"),
    MAIN_CASES,
    ids=[f"{m}/{s}/{d}" for m, s, d, *_ in MAIN_CASES],
)
def test_main_scenario(
    main_series: pd.DataFrame,
    metric: str,
    slice_: str,
    day: str,
    value: float | None,
    num: float | None,
    den: float | None,
) -> None:
    check(point(main_series, metric, slice_, day), value, num, den)


def test_time_to_decision_median_and_p90_per_slice(main_series: pd.DataFrame) -> None:
    # Decided on 06-05: ES 1, 2, 10 h; FR 4, 20 h. quantile_cont interpolates linearly at
    # position q * (n - 1) of the sorted cases.
    day = "2026-06-05"
    # all: 1 2 4 10 20 -> median 4 (position 2); p90 at 3.6 = 10 + 0.6 * (20 - 10) = 16.
    # Not the average of the market medians, (2 + 12) / 2 = 7.
    row = point(main_series, "time_to_decision", "all", day)
    check(row, 4.0, None, 5)
    assert row["p90"] == pytest.approx(16.0)
    # ES: 1 2 10 -> median 2; p90 at 1.8 = 2 + 0.8 * (10 - 2) = 8.4.
    row = point(main_series, "time_to_decision", "market=ES", day)
    check(row, 2.0, None, 3)
    assert row["p90"] == pytest.approx(8.4)
    # FR: 4 20 -> median 12; p90 at 0.9 = 4 + 0.9 * 16 = 18.4.
    row = point(main_series, "time_to_decision", "market=FR", day)
    check(row, 12.0, None, 2)
    assert row["p90"] == pytest.approx(18.4)
    # consumer: 1 10 20 -> median 10; p90 at 1.8 = 10 + 0.8 * 10 = 18.
    row = point(main_series, "time_to_decision", "channel=consumer", day)
    check(row, 10.0, None, 3)
    assert row["p90"] == pytest.approx(18.0)
    # A day without decisions: no value, zero cases.
    row = point(main_series, "time_to_decision", "all", "2026-06-06")
    check(row, NULL, None, 0)
    assert row["p90"] is None or math.isnan(row["p90"])


def test_every_indicator_has_a_dense_daily_whole_platform_series(
    main_series: pd.DataFrame,
) -> None:
    # Every indicator (23) x 12 days (06-01 .. 06-12) in the `all` slice, one row each.
    whole = main_series[main_series["slice"] == "all"]
    assert sorted(whole["metric_id"].unique()) == sorted(m.id for m in load_catalogue())
    counts = whole.groupby("metric_id").size()
    assert (counts == 12).all(), counts.to_dict()
    assert not main_series.duplicated(["metric_id", "slice", "date"]).any()


# --------------------------------------------------------------------------------------------
# SLA scenario, October 2026. Working days come from each market's calendar: in ES Monday
# 2026-10-12 is a national holiday (Fiesta Nacional de España), in FR it is a working day.
#
#   Thu 10-08  Fri 10-09  Sat 10-10  Sun 10-11  Mon 10-12  Tue 10-13  Wed 10-14  Thu 10-15
#   received   ES/FR wd1  weekend    weekend    ES holiday ES wd2     ES wd3
#                                               FR wd2
#
# Authority orders are due at the end of the 2nd working day after receipt, product-safety
# notices at the end of the 3rd; rights_holder/trusted_flagger notices 24 h, consumer 72 h.
#   B1 ES authority      Thu 10-08 11:00  due end of Tue 10-13  decided Mon 10-12 15:00  in time
#   B2 ES authority      Thu 10-08 14:00  due end of Tue 10-13  decided Wed 10-14 09:00  late
#   B4 ES authority      Thu 10-08 09:00  due end of Tue 10-13  decided Tue 10-13 18:00  in time
#      (ignoring the holiday it would have been due Mon 10-12 and counted late)
#   B3 FR authority      Thu 10-08 12:00  due end of Mon 10-12  decided Mon 10-12 20:00  in time
#   B5 ES safety/cons.   Thu 10-08 10:00  due end of Wed 10-14  decided Wed 10-14 20:00  in time
#   B6 ES safety/r.h.    Thu 10-08 13:00  due end of Wed 10-14  decided Thu 10-15 09:00  late
#   B7 ES rights_holder  Mon 10-05 10:00  due Tue 10-06 10:00   decided Tue 10-06 09:00  in time
#   B8 ES trusted_flag.  Mon 10-05 12:00  due Tue 10-06 12:00   decided Tue 10-06 13:00  late
#   B9 ES consumer       Mon 10-05 15:00  due Thu 10-08 15:00   decided Thu 10-08 14:00  in time
#   B10 ES consumer      Fri 10-09 08:00  due Mon 10-12 08:00   still open                late
# A listing created Fri 10-16 extends the window to 10-16.
# --------------------------------------------------------------------------------------------

SLA_LISTINGS = [
    lst(1, "S1", "standard", "ES", "toys", "2026-10-01 08:00", "2026-10-01 09:00"),
    lst(2, "S2", "standard", "FR", "toys", "2026-10-01 08:00", "2026-10-01 09:00"),
    lst(3, "S3", "top", "ES", "electronics", "2026-10-01 08:00", "2026-10-01 09:00"),
    lst(4, "S4", "top", "ES", "electronics", "2026-10-16 08:00", None),
]

SLA_COMPLAINTS = [
    cmp(1, 1, "authority", "prohibited_item", "2026-10-08 11:00", "2026-10-12 15:00", "upheld"),
    cmp(2, 1, "authority", "prohibited_item", "2026-10-08 14:00", "2026-10-14 09:00", "upheld"),
    cmp(3, 2, "authority", "prohibited_item", "2026-10-08 12:00", "2026-10-12 20:00", "upheld"),
    cmp(4, 3, "authority", "prohibited_item", "2026-10-08 09:00", "2026-10-13 18:00", "upheld"),
    cmp(5, 3, "consumer", "product_safety", "2026-10-08 10:00", "2026-10-14 20:00", "upheld"),
    cmp(6, 3, "rights_holder", "product_safety", "2026-10-08 13:00", "2026-10-15 09:00",
        "upheld"),
    cmp(7, 1, "rights_holder", "counterfeit", "2026-10-05 10:00", "2026-10-06 09:00", "upheld"),
    cmp(8, 1, "trusted_flagger", "counterfeit", "2026-10-05 12:00", "2026-10-06 13:00",
        "upheld"),
    cmp(9, 1, "consumer", "misleading", "2026-10-05 15:00", "2026-10-08 14:00", "rejected"),
    cmp(10, 1, "consumer", "misleading", "2026-10-09 08:00", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def sla_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("golden_sla")
    data = write_exports(root / "data", listings=SLA_LISTINGS, complaints=SLA_COMPLAINTS)
    return compute(data, root / "s.duckdb", subset("sla_compliance", "overdue_backlog"))


SLA_CASES = [
    # Due 10-06 (24 h notices): B7 in time, B8 one hour late.
    ("sla_compliance", "all", "2026-10-06", 1 / 2, 1, 2),
    ("sla_compliance", "channel=trusted_flagger", "2026-10-06", 0 / 1, 0, 1),
    # Due 10-08 (72 h): B9 decided an hour before.
    ("sla_compliance", "all", "2026-10-08", 1 / 1, 1, 1),
    # Nothing due over the weekend: no value.
    ("sla_compliance", "all", "2026-10-10", NULL, 0, 0),
    # Due 10-12: B3 (FR authority: the ES holiday is a French working day) in time, B10
    # (consumer, 72 h across the weekend) still open.
    ("sla_compliance", "all", "2026-10-12", 1 / 2, 1, 2),
    ("sla_compliance", "market=FR", "2026-10-12", 1 / 1, 1, 1),
    ("sla_compliance", "market=ES", "2026-10-12", 0 / 1, 0, 1),  # B10 only: no ES order due
    # Due 10-13: the ES authority orders B1 (decided the day before) and B4 (decided on the
    # due day) in time, B2 (decided the day after) late.
    ("sla_compliance", "all", "2026-10-13", 2 / 3, 2, 3),
    ("sla_compliance", "channel=authority", "2026-10-13", 2 / 3, 2, 3),
    ("sla_compliance", "market=ES,category_l1=electronics", "2026-10-13", 1 / 1, 1, 1),  # B4
    # Due 10-14: product-safety notices, 3 ES working days whatever the channel.
    ("sla_compliance", "issue_type=product_safety", "2026-10-14", 1 / 2, 1, 2),  # B5 of B5 B6
    ("sla_compliance", "channel=rights_holder", "2026-10-14", 0 / 1, 0, 1),  # B6
    ("sla_compliance", "all", "2026-10-15", NULL, 0, 0),
    # overdue_backlog, open and past the deadline at the end of the day:
    #   10-06: B8 late but decided the same day -> 0
    #   10-12: B10                                -> 1
    #   10-13: B10, B2                            -> 2
    #   10-14: B10, B6 (B2 decided 10-14)         -> 2
    #   10-15: B10 (B6 decided 10-15)             -> 1
    #   10-16: B10                                -> 1
    ("overdue_backlog", "all", "2026-10-05", 0, 0, None),
    ("overdue_backlog", "all", "2026-10-06", 0, 0, None),
    ("overdue_backlog", "all", "2026-10-11", 0, 0, None),
    ("overdue_backlog", "all", "2026-10-12", 1, 1, None),
    ("overdue_backlog", "all", "2026-10-13", 2, 2, None),
    ("overdue_backlog", "all", "2026-10-14", 2, 2, None),
    ("overdue_backlog", "all", "2026-10-15", 1, 1, None),
    ("overdue_backlog", "all", "2026-10-16", 1, 1, None),
    ("overdue_backlog", "channel=authority", "2026-10-13", 1, 1, None),  # B2
    ("overdue_backlog", "channel=authority", "2026-10-14", 0, 0, None),
    ("overdue_backlog", "issue_type=product_safety", "2026-10-14", 1, 1, None),  # B6
    ("overdue_backlog", "channel=consumer", "2026-10-16", 1, 1, None),  # B10
]


@pytest.mark.parametrize(
    ("metric", "slice_", "day", "value", "num", "den"),
    SLA_CASES,
    ids=[f"{m}/{s}/{d}" for m, s, d, *_ in SLA_CASES],
)
def test_sla_scenario(
    sla_series: pd.DataFrame,
    metric: str,
    slice_: str,
    day: str,
    value: float | None,
    num: float | None,
    den: float | None,
) -> None:
    check(point(sla_series, metric, slice_, day), value, num, den)


# --------------------------------------------------------------------------------------------
# REPEAT scenario: removals (listing, seller, market, removed):
#   S1: L1 ES 01-10, L2 ES 03-11 (60 days later)           -> repeat on 03-11
#   S2: L3 ES 01-10, L4 ES 04-20 (100 days later)          -> not a repeat on 04-20
#   S3: L5 ES 02-01, L6 ES 04-20 and L7 FR 04-20 (78 days) -> repeat on 04-20, counted once
#   S4: L8 FR 01-20, L9 FR 04-20 (exactly 90 days)         -> repeat: 01-20 is within the
#                                                             90 days before 04-20
# --------------------------------------------------------------------------------------------


def _removed(n: int, seller: str, market: str, removed: str) -> dict[str, Any]:
    return lst(n, seller, "standard", market, "toys", "2026-01-05 08:00", "2026-01-05 09:00",
               removed_at=f"{removed} 12:00", removal_reason="counterfeit",
               detection_channel="proactive_model")  # fmt: skip


REPEAT_LISTINGS = [
    _removed(1, "S1", "ES", "2026-01-10"),
    _removed(2, "S1", "ES", "2026-03-11"),
    _removed(3, "S2", "ES", "2026-01-10"),
    _removed(4, "S2", "ES", "2026-04-20"),
    _removed(5, "S3", "ES", "2026-02-01"),
    _removed(6, "S3", "ES", "2026-04-20"),
    _removed(7, "S3", "FR", "2026-04-20"),
    _removed(8, "S4", "FR", "2026-01-20"),
    _removed(9, "S4", "FR", "2026-04-20"),
]


REPEAT_COMPLAINTS = [cmp(1, 1, "consumer", "counterfeit", "2026-01-06 08:00", "2026-01-06 09:00",
                         "upheld")]  # fmt: skip


@pytest.fixture(scope="module")
def repeat_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("golden_repeat")
    data = write_exports(root / "data", listings=REPEAT_LISTINGS, complaints=REPEAT_COMPLAINTS)
    return compute(data, root / "s.duckdb", subset("repeat_offender_rate"))


REPEAT_CASES = [
    ("all", "2026-01-10", 0 / 2, 0, 2),  # S1 S2: first removals
    ("all", "2026-01-20", 0 / 1, 0, 1),  # S4
    ("all", "2026-02-01", 0 / 1, 0, 1),  # S3
    ("all", "2026-03-11", 1 / 1, 1, 1),  # S1, 60 days after 01-10
    ("all", "2026-04-20", 2 / 3, 2, 3),  # S3 and S4 repeat, S2 (100 days) does not
    ("market=ES", "2026-04-20", 1 / 2, 1, 2),  # S2 no, S3 yes
    ("market=FR", "2026-04-20", 2 / 2, 2, 2),  # S3 (its earlier removal was in ES), S4
    ("all", "2026-04-19", NULL, 0, 0),
]


@pytest.mark.parametrize(("slice_", "day", "value", "num", "den"), REPEAT_CASES)
def test_repeat_offenders(
    repeat_series: pd.DataFrame,
    slice_: str,
    day: str,
    value: float | None,
    num: float,
    den: float,
) -> None:
    check(point(repeat_series, "repeat_offender_rate", slice_, day), value, num, den)
