"""Red/amber/green status of an indicator value against its threshold rule and detection verdict.

Red: beyond the critical threshold. Amber: beyond the warning threshold, or outside the range
the detector expected in the bad direction. Green: within target. Grey: no value that day, or
too few cases to judge against the target (the rule's minimum volume).
Thresholds are duck-typed (`warning`, `critical`, `side` = "below" | "above") so this module
does not depend on the alerts package being present.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from metrics.presentation import format_value, is_missing

Level = Literal["red", "amber", "green", "grey"]

LEVEL_TEXT: dict[Level, str] = {
    "red": "Critical",
    "amber": "Warning",
    "green": "On target",
    "grey": "Not judged",
}
# st.badge colours for each level.
BADGE_COLOR: dict[Level, str] = {"red": "red", "amber": "orange", "green": "green", "grey": "gray"}


@dataclass(frozen=True)
class Status:
    level: Level
    reason: str

    @property
    def text(self) -> str:
        return LEVEL_TEXT[self.level]

    @property
    def badge(self) -> str:
        return badge_markdown(self.level)


def badge_markdown(level: Level) -> str:
    """Streamlit markdown for a coloured badge, e.g. `:red-badge[Critical]`."""
    return f":{BADGE_COLOR[level]}-badge[{LEVEL_TEXT[level]}]"


def breaches(value: float, limit: float | None, side: str) -> bool:
    """True when `value` is on the bad side of `limit` (`side` says where bad lies)."""
    if limit is None or is_missing(limit):
        return False
    return value < limit if side == "below" else value > limit


def rag_status(
    value: float | None,
    threshold: Any | None,
    is_alert: bool | None,
    kind: str,
    low_volume_level: str | None = None,
    low_volume: bool = False,
) -> Status:
    """`low_volume`: the day had fewer cases than the rule's minimum volume; then only a
    breach that survives padding to that minimum (`low_volume_level`) counts, as in alerts."""
    if is_missing(value):
        return Status("grey", "no value for this day")
    assert value is not None
    if threshold is not None and low_volume:
        minimum = getattr(threshold, "min_volume", None)
        if low_volume_level == "critical":
            return Status("red", "beyond the critical threshold even allowing for low volume")
        if low_volume_level == "warning":
            return Status("amber", "beyond the warning threshold even allowing for low volume")
        return Status("grey", f"too few cases that day to judge (fewer than {minimum:g})")
    if threshold is not None:
        side = getattr(threshold, "side", "above")
        critical = getattr(threshold, "critical", None)
        warning = getattr(threshold, "warning", None)
        word = "below" if side == "below" else "above"
        if breaches(value, critical, side):
            return Status("red", f"{word} the critical threshold {format_value(kind, critical)}")
        if breaches(value, warning, side):
            return Status("amber", f"{word} the warning threshold {format_value(kind, warning)}")
    if is_alert:
        return Status("amber", "outside the range expected from recent history")
    if threshold is None:
        return Status("green", "within the expected range (no fixed target)")
    return Status("green", "within target")


def describe_target(threshold: Any | None, kind: str) -> str:
    """`target ≥ 97.0% · critical below 95.0%`, or `no fixed target`."""
    if threshold is None:
        return "no fixed target"
    side = getattr(threshold, "side", "above")
    warning = getattr(threshold, "warning", None)
    critical = getattr(threshold, "critical", None)
    parts = []
    if not is_missing(warning):
        parts.append(f"target {'≥' if side == 'below' else '≤'} {format_value(kind, warning)}")
    if not is_missing(critical):
        parts.append(
            f"critical {'below' if side == 'below' else 'above'} {format_value(kind, critical)}"
        )
    return " · ".join(parts) if parts else "no fixed target"
