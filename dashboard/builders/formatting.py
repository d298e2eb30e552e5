"""How indicator values read on screen: shares as %, rates with their unit, durations in hours.

Pure functions so that the overview cards, the tables and the figures agree on every number.
"""

from __future__ import annotations

import math

# A share moves in percentage points; the others in their own unit.
DELTA_UNITS = {"share": " pp", "duration": " h", "rate": "", "count": ""}


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value: float | None, kind: str) -> str:
    """One indicator value, e.g. `97.4%`, `5.32`, `18.5 h`, `12,408`; `–` when there is none."""
    if is_missing(value):
        return "–"
    assert value is not None
    if kind == "share":
        pct = value * 100
        return f"{pct:.2f}%" if abs(pct) < 10 else f"{pct:.1f}%"
    if kind == "duration":
        return f"{value:.1f} h"
    if kind == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 100 else f"{value:,.1f}"


def format_delta(delta: float | None, kind: str) -> str | None:
    """A change between two values (+0.4 pp, -1.2 h), or None when either side is missing."""
    if is_missing(delta):
        return None
    assert delta is not None
    if kind == "share":
        return f"{delta * 100:+.2f} pp"
    if kind == "duration":
        return f"{delta:+.1f} h"
    if kind == "count":
        return f"{delta:+,.0f}"
    return f"{delta:+.2f}"


def value_with_unit(value: float | None, kind: str, unit: str) -> str:
    """A value followed by its unit where the number alone would be ambiguous (rates, counts)."""
    text = format_value(value, kind)
    if kind in ("rate", "count") and text != "–":
        return f"{text} {unit}"
    return text


def plotly_tick_format(kind: str) -> str | None:
    """The y-axis tick format of a chart of this kind (d3 format)."""
    return ".1%" if kind == "share" else None


def hover_format(kind: str) -> str:
    """The d3 format for hover labels of a value of this kind."""
    return {"share": ".2%", "duration": ".1f", "count": ",.0f"}.get(kind, ".2f")


def sentence(text: str) -> str:
    """First letter upper case, the rest untouched (`str.capitalize` would lower `IP`)."""
    return text[:1].upper() + text[1:]


def humanize_area(owner_area: str) -> str:
    """`notice_and_action` -> `Notice and action`."""
    text = owner_area.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def describe_slice(slice_key: str) -> str:
    """`market=ES,category_l1=toys` -> `market ES · category toys`; `all` -> `whole platform`."""
    if slice_key == "all":
        return "whole platform"
    parts = []
    for part in slice_key.split(","):
        name, _, value = part.partition("=")
        parts.append(f"{name.replace('_l1', '').replace('_', ' ')} {value}")
    return " · ".join(parts)
