"""How values, dates and times read in the digest (pure; shared by text and HTML)."""

from __future__ import annotations

import math
from datetime import date, datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo


def format_value(kind: str, value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    v = float(value)  # type: ignore[arg-type]
    if kind == "share":
        return f"{v * 100:.1f}%"
    if kind == "duration":
        return f"{v:,.1f} h"
    if kind == "count":
        return f"{v:,.0f}"
    return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"


def format_day(day: date | None) -> str:
    return "n/a" if day is None else f"{day:%a %d %b %Y}"


def format_time(moment: datetime, zone: ZoneInfo) -> str:
    """e.g. `25 Nov 2026 07:00 CET (Europe/Madrid)`: the zone is always named."""
    local = moment.astimezone(zone)
    return f"{local:%d %b %Y %H:%M} {local.tzname()} ({zone.key})"


def area_label(area: str) -> str:
    return area.replace("_", " ").capitalize()


def market_label(market: str | None) -> str:
    return market if market else "All markets"


def deep_link(base: str | None, metric_id: str, slice_key: str, start: date, end: date) -> str:
    """The dashboard's Indicator view for this series and period (all values URL-encoded)."""
    if not base:
        return ""
    query = urlencode(
        {
            "metric": metric_id,
            "slice": slice_key,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
        quote_via=quote,
    )
    return f"{base.rstrip('/')}/indicator?{query}"
