"""Golden outputs of the issue-14 indicators: the accuracy of enforcement by how a removal was
found (DSA Art. 15(1)(e)) and the EU Product Safety Pledge KPI, pinned on tiny hand-checked
exports run through the real engine into a real store. Expected numbers are worked out by hand
in the comments; none is copied from an engine run.

Scenarios:
- OVERTURN (June 2026, ES + FR): appeals against removals found by the model, by reviewers,
  after notices and with no detection channel, decided on two days; full and incremental
  computes.
- PLEDGE (October 2026, ES + FR): authority product-safety notices received on Friday 10-09,
  before the Spanish national holiday of Monday 10-12 (a French working day).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from metrics.sla import SlaPolicy
from tests.engine_support import check, point, read_series, subset
from tests.export_fixtures import write_exports

NULL = None
OVERTURN_METRICS = (
    "appeal_overturn_rate",
    "appeal_overturn_rate_automated",
    "appeal_overturn_rate_review",
    "appeal_overturn_rate_notice",
)


def removed(n: int, market: str, cat: str, tier: str, channel: str | None) -> dict[str, Any]:
    """A listing live from 06-01 and removed on 06-02, first found through `channel`."""
    return {
        "listing_id": f"L{n}",
        "seller_id": f"S{n}",
        "seller_tier": tier,
        "market": market,
        "category_l1": cat,
        "created_at": "2026-06-01 08:00",
        "published_at": "2026-06-01 09:00",
        "removed_at": "2026-06-02 12:00",
        "removal_reason": "counterfeit",
        "detection_channel": channel,
    }


def appeal(n: int, listing: int, decided: str | None, outcome: str | None) -> dict[str, Any]:
    return {
        "appeal_id": f"A{n}",
        "listing_id": f"L{listing}",
        "filed_at": "2026-06-03 10:00",
        "decided_at": decided,
        "outcome": outcome,
    }


# --------------------------------------------------------------------------------------------
# OVERTURN scenario. Removals on 06-02 (listing, market, category, tier, detection channel):
#   L1 ES toys standard proactive_model      L6  ES toys standard consumer
#   L2 ES toys standard proactive_model      L7  FR toys standard rights_holder
#   L3 FR toys new      proactive_model      L8  ES toys new      trusted_flagger
#   L4 ES cosmetics top proactive_review     L9  FR toys top      authority
#   L5 FR cosmetics std proactive_review     L10 ES toys standard (no detection channel)
# Appeals, all filed 06-03 (decided day, outcome):
#   A1 L1 06-04 overturned   A4 L4 06-04 upheld       A7 L7 06-04 upheld
#   A2 L2 06-04 upheld       A5 L5 06-05 overturned   A8 L8 06-04 upheld
#   A3 L3 06-04 overturned   A6 L6 06-04 overturned   A9 L9 06-05 overturned
#   A10 L10 06-04 overturned A11 L1 still open (a second appeal: not decided, not counted)
# A complaint received 06-06 ends the window on 06-06.
# --------------------------------------------------------------------------------------------

OVERTURN_LISTINGS = [
    removed(1, "ES", "toys", "standard", "proactive_model"),
    removed(2, "ES", "toys", "standard", "proactive_model"),
    removed(3, "FR", "toys", "new", "proactive_model"),
    removed(4, "ES", "cosmetics", "top", "proactive_review"),
    removed(5, "FR", "cosmetics", "standard", "proactive_review"),
    removed(6, "ES", "toys", "standard", "consumer"),
    removed(7, "FR", "toys", "standard", "rights_holder"),
    removed(8, "ES", "toys", "new", "trusted_flagger"),
    removed(9, "FR", "toys", "top", "authority"),
    removed(10, "ES", "toys", "standard", None),
]
OVERTURN_APPEALS = [
    appeal(1, 1, "2026-06-04 09:00", "overturned"),
    appeal(2, 2, "2026-06-04 10:00", "upheld"),
    appeal(3, 3, "2026-06-04 11:00", "overturned"),
    appeal(4, 4, "2026-06-04 12:00", "upheld"),
    appeal(5, 5, "2026-06-05 09:00", "overturned"),
    appeal(6, 6, "2026-06-04 13:00", "overturned"),
    appeal(7, 7, "2026-06-04 14:00", "upheld"),
    appeal(8, 8, "2026-06-04 15:00", "upheld"),
    appeal(9, 9, "2026-06-05 10:00", "overturned"),
    appeal(10, 10, "2026-06-04 16:00", "overturned"),
    appeal(11, 1, None, None),
]
OVERTURN_COMPLAINTS = [
    {"complaint_id": "C1", "listing_id": "L1", "received_at": "2026-06-06 08:00",
     "channel": "consumer", "issue_type": "counterfeit", "decided_at": "2026-06-06 09:00",
     "outcome": "upheld", "complainant_informed_at": None},
]  # fmt: skip


def _compute(root: Path, since: str | None = None) -> pd.DataFrame:
    data = write_exports(root / "data", listings=OVERTURN_LISTINGS,
                         complaints=OVERTURN_COMPLAINTS, appeals=OVERTURN_APPEALS)  # fmt: skip
    store = MetricStore(root / "s.duckdb")
    catalogue = subset(*OVERTURN_METRICS)
    compute_store(str(data), store, full=True, catalogue=catalogue)
    if since is not None:
        compute_store(str(data), store, pd.Timestamp(since).date(), catalogue=catalogue)
    return read_series(store)


@pytest.fixture(scope="module")
def overturn_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return _compute(tmp_path_factory.mktemp("overturn"))


OVERTURN_CASES = [
    # Automated model, 06-04: A1 overturned, A2 upheld, A3 overturned.
    ("appeal_overturn_rate_automated", "all", "2026-06-04", 2 / 3, 2, 3),
    ("appeal_overturn_rate_automated", "market=ES", "2026-06-04", 1 / 2, 1, 2),  # A1 A2
    ("appeal_overturn_rate_automated", "market=FR", "2026-06-04", 1 / 1, 1, 1),  # A3
    ("appeal_overturn_rate_automated", "seller_tier=new", "2026-06-04", 1 / 1, 1, 1),  # A3
    ("appeal_overturn_rate_automated", "market=ES,category_l1=toys", "2026-06-04", 1 / 2, 1, 2),
    ("appeal_overturn_rate_automated", "all", "2026-06-05", NULL, 0, 0),  # none decided
    # Human review: A4 upheld on 06-04, A5 overturned on 06-05.
    ("appeal_overturn_rate_review", "all", "2026-06-04", 0 / 1, 0, 1),
    ("appeal_overturn_rate_review", "all", "2026-06-05", 1 / 1, 1, 1),
    ("appeal_overturn_rate_review", "category_l1=cosmetics", "2026-06-05", 1 / 1, 1, 1),
    # Notices (consumer, rights holder, trusted flagger, authority), 06-04: A6 overturned,
    # A7 A8 upheld; 06-05: A9 (authority) overturned.
    ("appeal_overturn_rate_notice", "all", "2026-06-04", 1 / 3, 1, 3),
    ("appeal_overturn_rate_notice", "market=ES", "2026-06-04", 1 / 2, 1, 2),  # A6 A8
    ("appeal_overturn_rate_notice", "market=FR", "2026-06-04", 0 / 1, 0, 1),  # A7
    ("appeal_overturn_rate_notice", "all", "2026-06-05", 1 / 1, 1, 1),
    ("appeal_overturn_rate_notice", "all", "2026-06-06", NULL, 0, 0),
    # The headline keeps every decided appeal, A10 (no channel) included: 06-04 A1 A2 A3 A4 A6
    # A7 A8 A10, overturned A1 A3 A6 A10; 06-05 A5 A9, both overturned.
    ("appeal_overturn_rate", "all", "2026-06-04", 4 / 8, 4, 8),
    ("appeal_overturn_rate", "all", "2026-06-05", 2 / 2, 2, 2),
]


@pytest.mark.parametrize(
    ("metric", "slice_", "day", "value", "num", "den"),
    OVERTURN_CASES,
    ids=[f"{m}/{s}/{d}" for m, s, d, *_ in OVERTURN_CASES],
)
def test_overturn_rates_by_how_the_removal_was_found(
    overturn_series: pd.DataFrame,
    metric: str,
    slice_: str,
    day: str,
    value: float | None,
    num: float,
    den: float,
) -> None:
    check(point(overturn_series, metric, slice_, day), value, num, den)


def test_the_three_splits_and_the_unknown_channel_make_the_headline(
    overturn_series: pd.DataFrame,
) -> None:
    # 06-04: splits 2 + 0 + 1 overturned of 3 + 1 + 3, plus A10 (1 of 1) = 4 of 8.
    whole = overturn_series[overturn_series["slice"] == "all"]
    day = whole[whole["date"] == pd.Timestamp("2026-06-04")].set_index("metric_id")
    splits = day.loc[list(OVERTURN_METRICS[1:]), ["numerator", "denominator"]].sum()
    headline = day.loc["appeal_overturn_rate", ["numerator", "denominator"]]
    assert (headline - splits).tolist() == [1, 1]  # A10, whose removal has no channel


def test_an_incremental_compute_keeps_the_detection_channel_of_old_removals(
    tmp_path: Path, overturn_series: pd.DataFrame
) -> None:
    # From 06-05 on, only appeals decided since 06-04 are read again; their removals (06-02)
    # are older than that, and must still bring their detection channel.
    series = _compute(tmp_path, since="2026-06-05")
    for metric in OVERTURN_METRICS[1:]:
        for day in ("2026-06-05", "2026-06-06"):
            again = point(series, metric, "all", day)
            full = point(overturn_series, metric, "all", day)
            value = None if pd.isna(full["value"]) else full["value"]
            check(again, value, full["numerator"], full["denominator"])
    check(point(series, "appeal_overturn_rate_review", "all", "2026-06-05"), 1.0, 1, 1)


# --------------------------------------------------------------------------------------------
# PLEDGE scenario, October 2026. Monday 10-12 is a national holiday in ES and a working day
# in FR. Authority notices are due at the end of the 2nd working day after receipt:
#
#   Fri 10-09  Sat 10-10  Sun 10-11  Mon 10-12   Tue 10-13  Wed 10-14  Thu 10-15
#   received   weekend    weekend    ES holiday  ES wd1     ES wd2     ES wd3
#                                    FR wd1      FR wd2     FR wd3
#
#   P1 ES authority safety  Fri 10-09 10:00  due end of Wed 10-14  decided Wed 10-14 17:00  in time
#      (ignoring the holiday it would have been due Tue 10-13 and counted late)
#   P2 FR authority safety  Fri 10-09 10:00  due end of Tue 10-13  decided Wed 10-14 09:00  late
#   P3 ES authority safety  Fri 10-09 15:00  due end of Wed 10-14  decided Thu 10-15 08:00  late
#   P4 ES authority prohibited_item          not a safety notice: not counted
#   P5 ES consumer safety                    not from an authority: not counted
#   P6 FR authority safety  Mon 10-12 09:00  due end of Wed 10-14  decided Wed 10-14 10:00  in time
#   P7 ES authority safety  Tue 10-13 09:00  due end of Thu 10-15  still open               late
# Days in UTC (the default reporting zone).
# --------------------------------------------------------------------------------------------

PLEDGE_LISTINGS = [
    {"listing_id": "L1", "seller_id": "S1", "seller_tier": "standard", "market": "ES",
     "category_l1": "toys", "created_at": "2026-10-01 08:00", "published_at": "2026-10-01 09:00"},
    {"listing_id": "L2", "seller_id": "S2", "seller_tier": "new", "market": "FR",
     "category_l1": "toys", "created_at": "2026-10-01 08:00", "published_at": "2026-10-01 09:00"},
    {"listing_id": "L3", "seller_id": "S3", "seller_tier": "top", "market": "ES",
     "category_l1": "electronics", "created_at": "2026-10-01 08:00",
     "published_at": "2026-10-01 09:00"},
]  # fmt: skip


def notice(n: int, listing: int, channel: str, issue: str, received: str,
           decided: str | None) -> dict[str, Any]:  # fmt: skip
    return {
        "complaint_id": f"P{n}",
        "listing_id": f"L{listing}",
        "channel": channel,
        "issue_type": issue,
        "received_at": received,
        "decided_at": decided,
        "outcome": "upheld" if decided else None,
        "complainant_informed_at": None,
    }


PLEDGE_COMPLAINTS = [
    notice(1, 1, "authority", "product_safety", "2026-10-09 10:00", "2026-10-14 17:00"),
    notice(2, 2, "authority", "product_safety", "2026-10-09 10:00", "2026-10-14 09:00"),
    notice(3, 3, "authority", "product_safety", "2026-10-09 15:00", "2026-10-15 08:00"),
    notice(4, 1, "authority", "prohibited_item", "2026-10-09 11:00", "2026-10-16 08:00"),
    notice(5, 1, "consumer", "product_safety", "2026-10-09 12:00", "2026-10-16 09:00"),
    notice(6, 2, "authority", "product_safety", "2026-10-12 09:00", "2026-10-14 10:00"),
    notice(7, 1, "authority", "product_safety", "2026-10-13 09:00", None),
]


@pytest.fixture(scope="module")
def pledge_series(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("pledge")
    data = write_exports(root / "data", listings=PLEDGE_LISTINGS, complaints=PLEDGE_COMPLAINTS)
    store = MetricStore(root / "s.duckdb")
    compute_store(str(data), store, full=True,
                  catalogue=subset("safety_pledge_compliance", "sla_compliance"))  # fmt: skip
    return read_series(store)


PLEDGE_CASES = [
    ("all", "2026-10-12", NULL, 0, 0),  # nothing due on the ES holiday
    ("all", "2026-10-13", 0 / 1, 0, 1),  # P2, a day late in FR
    ("market=FR", "2026-10-13", 0 / 1, 0, 1),
    ("market=ES", "2026-10-13", NULL, 0, 0),  # the holiday moved P1 and P3 to Wednesday
    ("all", "2026-10-14", 2 / 3, 2, 3),  # P1 and P6 in time, P3 late
    ("market=ES", "2026-10-14", 1 / 2, 1, 2),  # P1 of P1 P3
    ("market=FR", "2026-10-14", 1 / 1, 1, 1),  # P6
    ("category_l1=electronics", "2026-10-14", 0 / 1, 0, 1),  # P3 on L3
    ("seller_tier=new", "2026-10-14", 1 / 1, 1, 1),  # P6 on L2
    ("all", "2026-10-15", 0 / 1, 0, 1),  # P7 still open at its deadline
]


@pytest.mark.parametrize(("slice_", "day", "value", "num", "den"), PLEDGE_CASES)
def test_pledge_share_of_authority_safety_notices_acted_on_in_two_working_days(
    pledge_series: pd.DataFrame,
    slice_: str,
    day: str,
    value: float | None,
    num: float,
    den: float,
) -> None:
    check(point(pledge_series, "safety_pledge_compliance", slice_, day), value, num, den)


def test_pledge_is_the_authority_clock_of_sla_compliance(pledge_series: pd.DataFrame) -> None:
    # The Pledge's 2 working days are the authority clock of the default SLA policy.
    assert SlaPolicy().authority_working_days == 2
    # On 10-14 sla_compliance judges the same three notices by the same deadlines, and P4
    # (an authority order about a prohibited item, due the same day, decided 10-16: late):
    # 2 of 4. P5 (a consumer's safety notice, 3 ES working days: Tue, Wed, Thu) is due 10-15.
    check(point(pledge_series, "sla_compliance", "all", "2026-10-14"), 2 / 4, 2, 4)
    check(point(pledge_series, "sla_compliance", "all", "2026-10-15"), 0 / 2, 0, 2)  # P5 P7
