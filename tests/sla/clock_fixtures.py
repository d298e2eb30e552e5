"""Exports of open complaints around the Spanish national holiday of Monday 2026-10-12, with
the clocks read at the end of that Monday in Europe/Madrid (CEST, UTC+2): 22:00 UTC.

    Thu 10-08  Fri 10-09  Sat 10-10  Sun 10-11  Mon 10-12   Tue 10-13  Wed 10-14  Thu 10-15
               received   weekend    weekend    ES holiday  ES wd1     ES wd2     ES wd3
                                                FR wd1      FR wd2     FR wd3

Complaint (market, channel, issue, received UTC) -> deadline, hours left after Mon 22:00 UTC:
  K1  ES authority safety    Fri 10-09 09:00  end of Wed 10-14 (Tue, Wed: the holiday skipped)
                                              = Wed 21:59:59.999999 UTC -> 48.0 h (24-48 h)
  K2  FR authority safety    Fri 10-09 09:00  end of Tue 10-13 (Mon, Tue) -> 24.0 h (at risk)
  K3  ES authority prohib.   Thu 10-08 08:00  end of Tue 10-13 (Fri, Tue) -> 24.0 h (at risk)
  K4  ES consumer counterf.  Fri 10-09 08:00  72 h: Mon 10-12 08:00 UTC -> -14.0 h (overdue)
  K5  ES rights_holder       Mon 10-12 20:00  24 h: Tue 20:00 UTC -> 22.0 h (at risk)
  K6  ES trusted_flagger     Mon 10-12 21:30  (23:30 local, still Monday) 24 h -> 23.5 h
  K7  ES rights_holder       Mon 10-12 22:30  (00:30 Tuesday local): not received by then
  K8  ES consumer misleading Mon 10-12 10:00  72 h: Thu 10-15 10:00 UTC -> 60.0 h (> 48 h)
  K9  ES authority prohib.   Thu 10-08 08:00  decided Mon 15:00 UTC: not open
  K10 ES rights_holder       Mon 10-12 08:00  decided Tue 07:00 UTC, after the day: open;
                                              24 h: Tue 08:00 UTC -> 10.0 h (at risk)
  K11 ES consumer safety     Fri 10-09 09:00  3 working days: Tue, Wed, Thu -> end of Thu
                                              10-15 -> 72.0 h (> 48 h)
The complaints export ends with K10's decision on Tue 10-13 07:00 UTC; a listing created
Fri 10-16 ends the window of the indicators on 10-16.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from tests.export_fixtures import write_exports

ZONE = "Europe/Madrid"
DAY = date(2026, 10, 12)  # Monday, a national holiday in ES
AT_RISK_24H = ["K4", "K10", "K5", "K6", "K2", "K3"]  # in deadline order
HOURS_LEFT = {"K1": 48.0, "K2": 24.0, "K3": 24.0, "K4": -14.0, "K5": 22.0, "K6": 23.5,
              "K8": 60.0, "K10": 10.0, "K11": 72.0}  # fmt: skip

LISTINGS = [
    {"listing_id": "LES", "seller_id": "S1", "seller_tier": "standard", "market": "ES",
     "category_l1": "toys", "created_at": "2026-10-01 08:00", "published_at": "2026-10-01 09:00"},
    {"listing_id": "LFR", "seller_id": "S2", "seller_tier": "top", "market": "FR",
     "category_l1": "toys", "created_at": "2026-10-01 08:00", "published_at": "2026-10-01 09:00"},
    {"listing_id": "LEND", "seller_id": "S3", "seller_tier": "new", "market": "ES",
     "category_l1": "toys", "created_at": "2026-10-16 08:00", "published_at": None},
]  # fmt: skip


def complaint(cid: str, listing: str, channel: str, issue: str, received: str,
              decided: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "complaint_id": cid,
        "listing_id": listing,
        "channel": channel,
        "issue_type": issue,
        "received_at": received,
        "decided_at": decided,
        "outcome": "upheld" if decided else None,
        "complainant_informed_at": None,
    }


COMPLAINTS = [
    complaint("K1", "LES", "authority", "product_safety", "2026-10-09 09:00"),
    complaint("K2", "LFR", "authority", "product_safety", "2026-10-09 09:00"),
    complaint("K3", "LES", "authority", "prohibited_item", "2026-10-08 08:00"),
    complaint("K4", "LES", "consumer", "counterfeit", "2026-10-09 08:00"),
    complaint("K5", "LES", "rights_holder", "ip_infringement", "2026-10-12 20:00"),
    complaint("K6", "LES", "trusted_flagger", "counterfeit", "2026-10-12 21:30"),
    complaint("K7", "LES", "rights_holder", "ip_infringement", "2026-10-12 22:30"),
    complaint("K8", "LES", "consumer", "misleading", "2026-10-12 10:00"),
    complaint("K9", "LES", "authority", "prohibited_item", "2026-10-08 08:00",
              "2026-10-12 15:00"),
    complaint("K10", "LES", "rights_holder", "ip_infringement", "2026-10-12 08:00",
              "2026-10-13 07:00"),
    complaint("K11", "LES", "consumer", "product_safety", "2026-10-09 09:00"),
]  # fmt: skip


def write_clock_exports(folder: Path) -> Path:
    return write_exports(folder, listings=LISTINGS, complaints=COMPLAINTS)
