"""A tiny hand-checked set of exports for the DSA report, reported in Europe/Madrid.

The period is Mon 2026-03-02 .. Wed 2026-03-04 in Europe/Madrid (CET, UTC+1), i.e. the UTC
instants [2026-03-01 23:00, 2026-03-04 23:00). Cases sit on both sides of each edge: an event
at 23:30 UTC on 03-01 is 00:30 on 03-02 in Madrid (in), one at 23:30 UTC on 03-04 is 00:30 on
03-05 (out), one at 22:30 UTC on 03-01 is 23:30 on 03-01 (out). Timestamps below are UTC.

Listings (market; removed, detection channel, reason, automation, ground):
  L1 ES, L2 ES, L3 FR, L4 DE, L5 ES, L6 FR            live, never removed
  L7  ES removed 03-02 10:00  proactive_model  counterfeit           fully     illegal_content
  L8  FR removed 03-03 11:00  proactive_review product_safety        partially illegal_content
  L9  ES removed 03-04 23:30  proactive_model  misleading            (Madrid 03-05: out)
  L10 DE removed 03-01 23:10  proactive_model  missing_qualification fully     terms_of_service
         (Madrid 03-02 00:10: in; blocked before publication)
  L11 ES removed 03-03 12:00  consumer         counterfeit           (a notice: not own initiative)
  L12 ES removed 03-04 09:00  proactive_review other                 none      terms_of_service

Authority complaints (orders):
  C1  L1  ES  product_safety   recv 03-02 08:00  dec 03-03 08:00  24 h upheld
  C2  L3  FR  counterfeit      recv 03-01 23:30  dec 03-02 09:30  10 h upheld  (recv Madrid 03-02)
  C3  L1  ES  prohibited_item  recv 02-27 10:00  dec 03-02 10:00  72 h upheld  (recv before)
  C4  L4  DE  misleading       recv 03-04 10:00  dec 03-04 22:00  12 h rejected
  C5  L3  FR  counterfeit      recv 03-04 23:30  open                          (Madrid 03-05: out)
  C6  L99 (not in listings: market unknown) ip_infringement recv 03-03 12:00 open

Notices (every other channel); automation and ground on the decided ones:
  C7  L2  consumer        counterfeit           recv 03-02 09:00 dec 03-02 13:00  4 h upheld
        partially, illegal_content
  C8  L2  trusted_flagger product_safety        recv 03-02 10:00 dec 03-02 12:00  2 h upheld
        fully, illegal_content
  C9  L5  rights_holder   ip_infringement       recv 03-03 10:00 dec 03-04 16:00 30 h rejected
        none
  C10 L6  consumer        misleading            recv 03-01 22:30 dec 03-02 06:30  8 h upheld
        (recv Madrid 03-01: out; decided in) automation NULL, terms_of_service
  C11 L6  trusted_flagger other                 recv 03-04 12:00 open
  C12 L5  consumer        counterfeit           recv 03-03 08:00 dec 03-04 23:30 39.5 h upheld
        (decided Madrid 03-05: out) partially, illegal_content
  C13 L4  consumer        missing_qualification recv 03-03 09:00 dec 03-03 15:00  6 h withdrawn
        fully

Appeals (category of the contested removal's reason):
  A1 L7  (counterfeit: IP)             filed 03-02 12:00 dec 03-03 12:00 24 h overturned
  A2 L8  (product_safety: unsafe)      filed 03-03 12:00 dec 03-05 10:00 upheld (decided out)
  A3 L11 (counterfeit: IP)             filed 02-28 10:00 dec 03-02 10:00 48 h upheld (filed before)
  A4 L12 (other: other T&C)            filed 03-04 22:30 open (Madrid 03-04 23:30: in)
  A5 L10 (missing_qualification: unsafe) filed 03-02 08:00 dec 03-02 20:00 12 h overturned
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.export_fixtures import write_exports

FIRST = dt.date(2026, 3, 2)
LAST = dt.date(2026, 3, 4)
ZONE = "Europe/Madrid"


def _listing(n: int, market: str, removed: str | None = None, channel: str | None = None,
             reason: str | None = None, automation: str | None = None,
             ground: str | None = None, published: bool = True) -> dict[str, Any]:  # fmt: skip
    return {
        "listing_id": f"L{n}",
        "seller_id": f"S{n}",
        "seller_tier": "standard",
        "market": market,
        "category_l1": "toys",
        "category_l2": None,
        "is_regulated_category": False,
        "has_required_certs": None,
        "created_at": "2026-02-20 08:00",
        "published_at": "2026-02-20 09:00" if published else None,
        "removed_at": removed,
        "removal_reason": reason,
        "detection_channel": channel,
        "first_sale_at": None,
        "automation": automation,
        "decision_ground": ground,
    }


def _complaint(n: int, listing: str, channel: str, issue: str, received: str,
               decided: str | None = None, outcome: str | None = None,
               automation: str | None = None,
               ground: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "complaint_id": f"C{n}",
        "listing_id": listing,
        "received_at": received,
        "channel": channel,
        "issue_type": issue,
        "decided_at": decided,
        "outcome": outcome,
        "complainant_informed_at": None,
        "automation": automation,
        "decision_ground": ground,
    }


def _appeal(n: int, listing: str, filed: str, decided: str | None = None,
            outcome: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "appeal_id": f"A{n}",
        "listing_id": listing,
        "filed_at": filed,
        "decided_at": decided,
        "outcome": outcome,
    }


LISTINGS = [
    _listing(1, "ES"), _listing(2, "ES"), _listing(3, "FR"), _listing(4, "DE"),
    _listing(5, "ES"), _listing(6, "FR"),
    _listing(7, "ES", "2026-03-02 10:00", "proactive_model", "counterfeit", "fully",
             "illegal_content"),
    _listing(8, "FR", "2026-03-03 11:00", "proactive_review", "product_safety", "partially",
             "illegal_content"),
    _listing(9, "ES", "2026-03-04 23:30", "proactive_model", "misleading", "fully",
             "terms_of_service"),
    _listing(10, "DE", "2026-03-01 23:10", "proactive_model", "missing_qualification", "fully",
             "terms_of_service", published=False),
    _listing(11, "ES", "2026-03-03 12:00", "consumer", "counterfeit", "none", "illegal_content"),
    _listing(12, "ES", "2026-03-04 09:00", "proactive_review", "other", "none",
             "terms_of_service"),
]  # fmt: skip

COMPLAINTS = [
    _complaint(1, "L1", "authority", "product_safety", "2026-03-02 08:00", "2026-03-03 08:00",
               "upheld", "none", "illegal_content"),
    _complaint(2, "L3", "authority", "counterfeit", "2026-03-01 23:30", "2026-03-02 09:30",
               "upheld", "none", "illegal_content"),
    _complaint(3, "L1", "authority", "prohibited_item", "2026-02-27 10:00", "2026-03-02 10:00",
               "upheld", "none", "illegal_content"),
    _complaint(4, "L4", "authority", "misleading", "2026-03-04 10:00", "2026-03-04 22:00",
               "rejected", "none"),
    _complaint(5, "L3", "authority", "counterfeit", "2026-03-04 23:30"),
    _complaint(6, "L99", "authority", "ip_infringement", "2026-03-03 12:00"),
    _complaint(7, "L2", "consumer", "counterfeit", "2026-03-02 09:00", "2026-03-02 13:00",
               "upheld", "partially", "illegal_content"),
    _complaint(8, "L2", "trusted_flagger", "product_safety", "2026-03-02 10:00",
               "2026-03-02 12:00", "upheld", "fully", "illegal_content"),
    _complaint(9, "L5", "rights_holder", "ip_infringement", "2026-03-03 10:00",
               "2026-03-04 16:00", "rejected", "none"),
    _complaint(10, "L6", "consumer", "misleading", "2026-03-01 22:30", "2026-03-02 06:30",
               "upheld", None, "terms_of_service"),
    _complaint(11, "L6", "trusted_flagger", "other", "2026-03-04 12:00"),
    _complaint(12, "L5", "consumer", "counterfeit", "2026-03-03 08:00", "2026-03-04 23:30",
               "upheld", "partially", "illegal_content"),
    _complaint(13, "L4", "consumer", "missing_qualification", "2026-03-03 09:00",
               "2026-03-03 15:00", "withdrawn", "fully"),
]  # fmt: skip

APPEALS = [
    _appeal(1, "L7", "2026-03-02 12:00", "2026-03-03 12:00", "overturned"),
    _appeal(2, "L8", "2026-03-03 12:00", "2026-03-05 10:00", "upheld"),
    _appeal(3, "L11", "2026-02-28 10:00", "2026-03-02 10:00", "upheld"),
    _appeal(4, "L12", "2026-03-04 22:30"),
    _appeal(5, "L10", "2026-03-02 08:00", "2026-03-02 20:00", "overturned"),
]

OPTIONAL_COLUMNS = ("automation", "decision_ground")


def write_dsa_exports(data: Path, *, v11: bool = True, appeals: bool = True) -> Path:
    """The fixture's exports; `v11=False` leaves out the optional columns (a v1 export),
    `appeals=False` the appeals export."""
    drop = {} if v11 else {t: OPTIONAL_COLUMNS for t in ("listings", "complaints")}
    return write_exports(data, LISTINGS, COMPLAINTS, APPEALS if appeals else None, drop=drop)
