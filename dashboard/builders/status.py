"""The Overview tile's badge: how `alerts.state.alert_status` decided a headline day, in
colour. Nothing is compared with a limit here; the decisions and their sentences come from
the alert status module, so the tile says what the email and the Alerts page say.

Red: the rule judged the day critical. Amber: judged warning, or (within target) flagged by
the detector outside its expected range. Green: within target, or within the expected range
where there is no fixed target. Grey: no value, or too few cases to judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from alerts.state.alert_status import DetectorVerdict, ThresholdStatus
from metrics.presentation import format_value, is_missing

Level = Literal["red", "amber", "green", "grey"]

# st.badge colours for each level.
BADGE_COLOR: dict[Level, str] = {"red": "red", "amber": "orange", "green": "green", "grey": "gray"}
LEGEND_TEXT: dict[Level, str] = {
    "red": "Critical",
    "amber": "Warning",
    "green": "On target",
    "grey": "Not judged",
}


@dataclass(frozen=True)
class Status:
    level: Level
    text: str  # the badge word
    reason: str  # the sentence under the value

    @property
    def badge(self) -> str:
        return f":{BADGE_COLOR[self.level]}-badge[{self.text}]"


def badge_markdown(level: Level) -> str:
    """Streamlit markdown for a legend badge, e.g. `:red-badge[Critical]`."""
    return f":{BADGE_COLOR[level]}-badge[{LEGEND_TEXT[level]}]"


def tile_status(threshold: ThresholdStatus, detector: DetectorVerdict) -> Status:
    """The tile of one headline day: the threshold decision first (it is the agreed target),
    the detector's verdict when there is no breach of a target to report."""
    if threshold.level == "critical":
        return Status("red", threshold.word, threshold.reason)
    if threshold.level == "warning":
        return Status("amber", threshold.word, threshold.reason)
    if threshold.level in ("not_judged", "no_data"):
        return Status("grey", threshold.word, threshold.reason)
    if detector.counts:
        return Status("amber", "Unusual", detector.reason)
    if threshold.level == "on_target":
        return Status("green", threshold.word, threshold.reason)
    if detector.verdict == "within":
        return Status("green", "Within expected range", detector.reason)
    return Status("grey", "Not judged", f"no fixed target; {detector.reason}")


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
