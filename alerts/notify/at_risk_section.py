"""The digest's "At risk in the next 24 h" section: complaints still open at the end of the run
day whose SLA deadline falls within the next 24 hours, per market: how many, by channel, the
most urgent ones with their deadline and hours left, and how many are already overdue.

Each market's part goes to the people who own the SLA indicators there (`routing.recipients`
for sla_compliance's owner area and the market), as that area's alerts do. A market appears
only when something in it is due within the window: an overdue case alone is already counted
by overdue_backlog, and it is listed by `govkpi sla at-risk` and the Compliance page.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date

import pandas as pd

from alerts.notify.routing import recipients
from metrics.catalogue import Catalogue
from metrics.deadlines.open_cases import OpenCases, read_open_cases
from metrics.deadlines.time_left import DEFAULT_HOURS, at_risk
from metrics.errors import UserError
from metrics.presentation import (
    SLICE_SEPARATOR,
    compliance_link,
    format_clock_time,
    format_hours_left,
    market_label,
    plural,
)
from metrics.settings import Settings

log = logging.getLogger(__name__)

MOST_URGENT = 3  # cases listed per market; the rest are counted and linked
# Whose clocks these are: the owners of this indicator's area get the section.
SLA_METRIC = "sla_compliance"


@dataclass(frozen=True)
class UrgentCase:
    complaint_id: str
    listing_id: str
    what: str  # `authority · product safety`
    clock: str  # `2 working days`
    deadline: str  # `Tue 13 Oct 23:59 CEST`
    left: str  # `24.0 h left`


@dataclass(frozen=True)
class MarketAtRisk:
    market: str
    label: str  # `market ES`
    due: int  # open, due within the window
    overdue: int  # open, already past the deadline
    channels: str  # `authority 2 · rights holder 1`
    cases: tuple[UrgentCase, ...]  # the most urgent of the due ones
    link: str  # the Compliance page on the day and market; "" without a dashboard URL

    @property
    def more(self) -> int:
        return self.due - len(self.cases)


@dataclass(frozen=True)
class AtRiskSection:
    day: date
    hours: float
    markets: tuple[MarketAtRisk, ...]

    @property
    def due(self) -> int:
        return sum(m.due for m in self.markets)

    @property
    def window(self) -> str:
        """`24 h`: the window as the heading names it."""
        return f"{self.hours:g} h"


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _market_part(
    market: str,
    due: pd.DataFrame,
    overdue: int,
    found: OpenCases,
    config: Settings,
) -> MarketAtRisk:
    zone = config.zone
    urgent = due.sort_values(["hours_left", "complaint_id"]).head(MOST_URGENT)
    cases = tuple(
        UrgentCase(
            complaint_id=str(r["complaint_id"]),
            listing_id=str(r["listing_id"]),
            what=f"{_words(r['channel'])}{SLICE_SEPARATOR}{_words(r['issue_type'])}",
            clock=str(r["clock"]),
            # Due within a day of the digest: the year would only lengthen the line.
            deadline=format_clock_time(
                pd.Timestamp(r["deadline"]).to_pydatetime(), zone, year=False
            ),
            left=format_hours_left(r["hours_left"]),
        )
        for r in urgent.to_dict("records")
    )
    counts = Counter(str(c) for c in due["channel"])
    channels = SLICE_SEPARATOR.join(f"{_words(c)} {n}" for c, n in sorted(counts.items()))
    return MarketAtRisk(
        market=market,
        label=market_label(market),
        due=len(due),
        overdue=overdue,
        channels=channels,
        cases=cases,
        link=compliance_link(config.dashboard_url, found.day, market),
    )


def at_risk_sections(
    found: OpenCases, config: Settings, area: str, hours: float = DEFAULT_HOURS
) -> dict[str, AtRiskSection]:
    """Each recipient's section (keyed by address as routing spells it), with the markets
    routed to them that have something due within `hours`."""
    chosen = at_risk(found.cases, hours)
    due_cases = chosen[chosen["hours_left"] >= 0]
    overdue = Counter(str(m) for m in chosen.loc[chosen["hours_left"] < 0, "market"])
    parts: dict[str, list[MarketAtRisk]] = {}
    spelling: dict[str, str] = {}
    for market, due in sorted(due_cases.groupby("market"), key=lambda kv: str(kv[0])):
        part = _market_part(str(market), due, overdue[str(market)], found, config)
        for person in recipients(config, area, str(market)):
            spelling.setdefault(person.lower(), person)
            parts.setdefault(person.lower(), []).append(part)
    return {
        spelling[key]: AtRiskSection(found.day, hours, tuple(markets))
        for key, markets in parts.items()
    }


def read_sections(
    config: Settings, data: str | None, day: date, catalogue: Catalogue
) -> dict[str, AtRiskSection]:
    """The sections of the day from the exports in `data`; none when there are no exports to
    read or they cannot say (a warning then: the digest still goes out without it)."""
    if not data:
        log.info("no data folder: the digest has no at-risk section")
        return {}
    try:
        found = read_open_cases(data, day, config.timezone)
    except UserError as exc:
        log.warning("the digest has no at-risk section: %s", exc)
        return {}
    definition = catalogue.metrics.get(SLA_METRIC)
    area = definition.owner_area if definition else "notice_and_action"
    sections = at_risk_sections(found, config, area)
    log.info(
        "at risk at the end of %s: %s due within %g h (complaints as of %s)",
        day,
        plural(int((found.cases["hours_left"].between(0, DEFAULT_HOURS)).sum()), "complaint"),
        DEFAULT_HOURS,
        found.data_as_of.replace(tzinfo=UTC).isoformat(timespec="minutes"),
    )
    return sections
