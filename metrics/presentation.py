"""How govkpi shows a number, a slice, a day and a link: one module for email and dashboard.

Every surface (digest text and HTML, dashboard cards, tables, captions, figures) formats through
these functions, so a value reads the same wherever it appears. Pure: no Streamlit, no I/O.

The precision rule, chosen for a reader who compares the email with the dashboard:
- shares are shown in percent, with 2 decimals below 10% (where 0.05 pp matters: 2.35%) and
  1 decimal from 10% on (97.0%, 33.3%); a change of a share is in percentage points (pp)
  with the same rule;
- rates with 2 decimals below 10 (5.32), 1 decimal from 10 on (35.0, 1,234.5);
- durations in hours with 1 decimal (18.5 h); counts as whole numbers (12,408);
- thresholds, bands and expected values are values of their indicator and read the same way
  (a share threshold is 97.0%, never 0.97);
- a missing value is `n/a` everywhere (plain text and screen readers read it; a dash does not).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

MISSING = "n/a"

# How each dimension of a slice reads: `market=ES,category_l1=toys` -> `market ES · toys`.
_DIMENSION_TEXT = {
    "market": "market {}",
    "category_l1": "{}",
    "seller_tier": "{} sellers",
    "channel": "{} channel",
    "issue_type": "{} issues",
}
SLICE_SEPARATOR = " · "
WHOLE_PLATFORM = "whole platform"
DASHBOARD_PAGES = ("indicator", "drilldown")


def is_missing(value: object) -> bool:
    """None, NaN and pandas' NA/NaT are all 'no value' (a zero is a value)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value) in ("<NA>", "NaT")


def _number(value: float, small: int, large: int, cut: float = 10.0) -> str:
    decimals = small if abs(value) < cut else large
    return f"{value:,.{decimals}f}"


def format_value(kind: str, value: object) -> str:
    """One indicator value (or threshold, band edge, expected value) of this kind:
    `97.0%`, `2.35%`, `5.32`, `18.5 h`, `12,408`; `n/a` when there is none."""
    if is_missing(value):
        return MISSING
    v = float(value)  # type: ignore[arg-type]
    if kind == "share":
        return _number(v * 100, 2, 1) + "%"
    if kind == "duration":
        return f"{v:,.1f} h"
    if kind == "count":
        return f"{v:,.0f}"
    return _number(v, 2, 1)


def format_delta(kind: str, delta: object) -> str:
    """A signed change between two values: `+0.40 pp`, `-1.2 h`, `+1,234`, `+0.28`; `n/a`
    without one. A change that rounds to zero is shown unsigned (never `-0.00 pp`)."""
    if is_missing(delta):
        return MISSING
    v = float(delta)  # type: ignore[arg-type]
    if kind == "share":
        text, suffix = _number(v * 100, 2, 1), " pp"
    elif kind == "duration":
        text, suffix = f"{v:,.1f}", " h"
    elif kind == "count":
        text, suffix = f"{v:,.0f}", ""
    else:
        text, suffix = _number(v, 2, 1), ""
    if float(text.replace(",", "")) == 0:
        return text.lstrip("-") + suffix
    return ("" if text.startswith("-") else "+") + text + suffix


def format_percent(fraction: object) -> str:
    """A plain proportion that is not an indicator value (a share of a change): `92%`."""
    if is_missing(fraction):
        return MISSING
    text = f"{float(fraction) * 100:.0f}%"  # type: ignore[arg-type]
    return "0%" if text == "-0%" else text  # a part that rounds to nothing has no sign


def value_with_unit(kind: str, value: object, unit: str) -> str:
    """A value followed by its unit where the number alone is ambiguous:
    `5.32 complaints per 10k live listings`, `12,408 listings`; shares and hours carry theirs."""
    text = format_value(kind, value)
    if kind in ("rate", "count") and text != MISSING and unit:
        return f"{text} {unit}"
    return text


def plural(count: float, noun: str) -> str:
    """`1 appeal`, `3 appeals`, `12,408 live listings` (the noun is given in the singular)."""
    number = f"{count:,.0f}"
    return f"{number} {noun}" if number == "1" else f"{number} {noun}s"


def value_with_count(kind: str, value: object, count: object, noun: str) -> str:
    """The value with the number of cases behind it, so a 0% made of one case is not read as
    a finding: `33.3% of 3 appeals`, `18.5 h over 12 complaints`, `5.32 on 12,408 listings`."""
    text = format_value(kind, value)
    if is_missing(count) or kind == "count":
        return text
    link = {"share": "of", "duration": "over"}.get(kind, "on")
    return f"{text} {link} {plural(float(count), noun)}"  # type: ignore[arg-type]


def sentence(text: str) -> str:
    """First letter upper case, the rest untouched (`str.capitalize` would lower `IP`)."""
    return text[:1].upper() + text[1:]


def describe_slice(slice_key: str) -> str:
    """`market=ES,category_l1=toys` -> `market ES · toys`; `all` -> `whole platform`.

    Never raises: a malformed key (from a URL) is described part by part as well as it reads.
    """
    if slice_key == "all":
        return WHOLE_PLATFORM
    parts = []
    for part in slice_key.split(","):
        name, _, value = part.partition("=")
        template = _DIMENSION_TEXT.get(name, name.replace("_", " ") + " {}")
        parts.append(template.format(value.replace("_", " ")).strip())
    return SLICE_SEPARATOR.join(parts)


def describe_slice_pattern(pattern: str) -> str:
    """A slice glob (silences, threshold rules) as people read it: `*` -> `every slice`,
    `market=*` -> `every market`, `market=ES*` -> `market ES*`; a key without wildcards reads
    as `describe_slice` (`all` -> `whole platform`)."""
    if pattern == "*":
        return "every slice"
    if not any(char in pattern for char in "*?["):
        return describe_slice(pattern)
    parts = []
    for part in pattern.split(","):
        name, equals, value = part.partition("=")
        if not equals:
            return f"slices matching {pattern}"
        parts.append(f"every {dimension_label(name)}" if value == "*" else describe_slice(part))
    return SLICE_SEPARATOR.join(parts)


def dimension_label(dimension: str) -> str:
    """`category_l1` -> `category`, `seller_tier` -> `seller tier` (for 'break down by')."""
    return dimension.replace("_l1", "").replace("_", " ")


def count_of(count: float, dimension: str) -> str:
    """`7 markets`, `1 category`, `3 categories`, `2 seller tiers` (a number of slices)."""
    noun = dimension_label(dimension)
    number = f"{count:,.0f}"
    if number == "1":
        return f"1 {noun}"
    return f"{number} {noun[:-1]}ies" if noun.endswith("y") else f"{number} {noun}s"


def area_label(area: str) -> str:
    """`notice_and_action` -> `Notice and action`."""
    return sentence(area.replace("_", " ").strip())


def market_label(market: str | None) -> str:
    """`ES` -> `market ES`; no market (whole platform, category slices) -> `All markets`."""
    return f"market {market}" if market else "All markets"


def format_day(day: date | None) -> str:
    """`Sun 06 Dec 2026`: the weekday matters to a reader of a daily review."""
    return MISSING if day is None else f"{day:%a %d %b %Y}"


def format_date(day: date | None) -> str:
    """`06 Dec 2026` (in running text where the weekday would clutter)."""
    return MISSING if day is None else f"{day:%d %b %Y}"


def format_period(start: date, end: date) -> str:
    """`01 Mar – 30 Apr 2026`, or with both years when they differ."""
    if start.year == end.year:
        return f"{start:%d %b} – {end:%d %b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


def format_time(moment: datetime, zone: ZoneInfo) -> str:
    """`06 Dec 2026 07:00 CET (Europe/Madrid)`: the reporting zone is always named (once:
    `06 Dec 2026 07:00 UTC`, not `UTC (UTC)`)."""
    local = moment.astimezone(zone)
    named = "" if local.tzname() == zone.key else f" ({zone.key})"
    return f"{local:%d %b %Y %H:%M} {local.tzname()}{named}"


def format_clock_time(moment: datetime, zone: ZoneInfo, *, year: bool = True) -> str:
    """A deadline or receipt as the reporting zone's clock shows it, its abbreviation named:
    `Tue 13 Oct 2026 23:59 CEST` (`Tue 13 Oct 23:59 CEST` without the year, for deadlines a
    day away). A naive moment is UTC (how exports store timestamps)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    local = aware.astimezone(zone)
    day = f"{local:%a %d %b %Y}" if year else f"{local:%a %d %b}"
    return f"{day} {local:%H:%M} {local.tzname()}"


def format_hours_left(hours: object) -> str:
    """Time left on an SLA clock: `10.0 h left`, `overdue by 14.0 h`; from two days on in
    days (`3.5 days left`, `overdue by 12.3 days`); `n/a` without one."""
    if is_missing(hours):
        return MISSING
    h = float(hours)  # type: ignore[arg-type]
    amount = f"{abs(h):,.1f} h" if abs(h) < 48 else f"{abs(h) / 24:,.1f} days"
    return f"overdue by {amount}" if h < 0 else f"{amount} left"


def compliance_path(day: date, market: str | None = None) -> str:
    """The dashboard's Compliance page on a day (and market), relative to the app."""
    params = {"day": day.isoformat()}
    if market:
        params["market"] = market
    return f"compliance?{view_query(params)}"


def compliance_link(base: str | None, day: date, market: str | None = None) -> str:
    """The absolute link an email carries to the Compliance page; empty without a dashboard
    URL (a relative link in an email leads nowhere)."""
    if not base:
        return ""
    return f"{base.rstrip('/')}/{compliance_path(day, market)}"


def view_params(
    metric_id: str, slice_key: str, start: date, end: date, day: date | None = None
) -> dict[str, str]:
    """The query parameters of a dashboard view (what `dashboard.builders.view` parses)."""
    params = {
        "metric": metric_id,
        "slice": slice_key,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    if day is not None:
        params["day"] = day.isoformat()
    return params


def view_query(params: Mapping[str, str]) -> str:
    """The parameters URL-encoded, every reserved character escaped (`=` and `,` in slices)."""
    return urlencode(dict(params), quote_via=quote, safe="")


def view_path(
    metric_id: str,
    slice_key: str,
    start: date,
    end: date,
    *,
    page: str = "indicator",
    day: date | None = None,
) -> str:
    """A dashboard view relative to the app (`indicator?metric=...`), as its own tables link."""
    if page not in DASHBOARD_PAGES:
        raise ValueError(f"unknown dashboard page {page!r}")
    return f"{page}?{view_query(view_params(metric_id, slice_key, start, end, day))}"


def deep_link(
    base: str | None,
    metric_id: str,
    slice_key: str,
    start: date,
    end: date,
    *,
    page: str = "indicator",
    day: date | None = None,
) -> str:
    """The absolute link an email carries into the dashboard (`{base}/indicator?...`); empty
    when no dashboard URL is configured (a relative link in an email leads nowhere)."""
    if not base:
        return ""
    path = view_path(metric_id, slice_key, start, end, page=page, day=day)
    return f"{base.rstrip('/')}/{path}"


def is_web_link(text: object) -> bool:
    """Whether `text` is an absolute http(s) address that may be shown as a link (a ticket
    URL typed by a person): a scheme of http or https, a host, no spaces or control
    characters. Anything else is shown as plain text."""
    if not isinstance(text, str) or not text or len(text) > 2000:
        return False
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
