"""One alert truth: what a series' day says against its threshold and its expected band, and
what an alert's lifecycle state is called, decided once for every surface.

The Overview tile, the Alerts page, the Indicator trend, the digest email (card and chart) and
`govkpi alerts status` all render these decisions; none of them compares a value with a limit
on its own. Rules held here:

- A status never silently contradicts the value beside it. The threshold level is the one the
  rule book judged (minimum-volume guard included); when the guard judged a day lower than its
  raw value, the reason says so in place ("33.3% on 3 appeals decided: too few to call
  critical").
- "Flagged" means what the numbers say: a detector-flagged day whose value lies outside its
  stored expected range [lower, upper] is "outside the expected range" (the sentence gives the
  range); a flagged day whose value is inside that range, or that has no range, is "part of a
  sustained shift", and its sentence says which of the two it is. A day beyond a threshold is
  flagged as such.
- A band is drawn only on days the detector judged and where it says something: a share band
  from 0% to 100% (or a band without a finite upper edge) would call every value normal, so the
  day reads "the detector: ... too few cases to judge" instead. A band [0, upper] of a rate or
  count with a finite upper edge does say something (the value can exceed it) and is drawn.
- Each part of a day's sentence says whose verdict it is: the threshold part names the
  threshold (and the cases it judged), the detector part names the detector.
- Lifecycle states get one set of user words (new, still firing, escalated, recovering,
  resolved, pending, no data, normal) whichever surface shows them.

Pure: frames and values in, frozen dataclasses and frames out. Input columns follow the store:
series (value, numerator, denominator), detections (expected, lower, upper, score, is_anomaly,
is_alert) and `RuleBook.evaluate` (warning, critical, side, min_volume, level, low_volume).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from alerts.rules.observations import ANOMALY_RULE
from alerts.state.status_text import (
    FlagKind,
    threshold_sentence,
    verdict_sentence,
)
from metrics.presentation import format_day, plural

ThresholdLevel = Literal["on_target", "warning", "critical", "not_judged", "no_data", "no_target"]
Verdict = Literal[
    "within", "flagged_above", "flagged_below", "shift_above", "shift_below", "volume_below",
    "volume_above", "unusual", "not_judged", "too_wide", "no_value", "not_scored",
]  # fmt: skip
StateWord = Literal[
    "new", "still firing", "escalated", "recovering", "resolved", "pending", "no data", "normal"
]  # fmt: skip

_RANK = {None: 0, "ok": 0, "warning": 1, "critical": 2}
THRESHOLD_WORDS: dict[str, str] = {
    "on_target": "On target",
    "warning": "Warning",
    "critical": "Critical",
    "not_judged": "Not judged",
    "no_data": "No data",
    "no_target": "No fixed target",
}
FLAG_LABELS: dict[str, str] = {
    "beyond_threshold": "Beyond threshold",
    "outside_range": "Outside expected range",
    "shift": "Part of a sustained shift",
    "volume": "Volume collapse or surge",
}


@dataclass(frozen=True)
class ThresholdStatus:
    level: ThresholdLevel
    reason: str  # e.g. "33.3% on 3 appeals decided: too few to call critical"
    capped: bool = False  # the guard judged the day lower than its raw value

    @property
    def word(self) -> str:
        return THRESHOLD_WORDS[self.level]

    @property
    def breached(self) -> bool:
        return self.level in ("warning", "critical")


@dataclass(frozen=True)
class DetectorVerdict:
    verdict: Verdict
    band_drawn: bool
    reason: str

    @property
    def counts(self) -> bool:
        """A breach for the alert lifecycle (detections.is_alert)."""
        return self.verdict in (
            "flagged_above", "flagged_below", "shift_above", "shift_below", "volume_below",
            "volume_above",
        )  # fmt: skip


@dataclass(frozen=True)
class Lifecycle:
    word: StateWord
    severity: str | None
    firing_since: date | None
    last_breach: date | None

    @property
    def label(self) -> str:
        """`Still firing · critical`, `Recovering · warning`, `Resolved`."""
        word = self.word[:1].upper() + self.word[1:]
        if self.severity and self.word not in ("resolved", "normal"):
            return f"{word} · {self.severity}"
        return word


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _raw_level(value: float, warning: float | None, critical: float | None, side: str) -> str:
    def beyond(limit: float | None) -> bool:
        return limit is not None and (value < limit if side == "below" else value > limit)

    return "critical" if beyond(critical) else "warning" if beyond(warning) else "ok"


def threshold_status(
    row: Any, kind: str, case_noun: str, with_count: bool = False
) -> ThresholdStatus:
    """The threshold status of one day (a mapping or frame row with the columns above);
    `case_noun` is what one case of the denominator is (the catalogue's, e.g. "appeal").
    `with_count` adds the number of cases the rule judged ("(49 removals)"), as a day's
    sentence on a chart does so that it is never read as "too few cases"."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    warning, critical = _num(get("warning")), _num(get("critical"))
    if warning is None and critical is None:
        return ThresholdStatus("no_target", "no fixed target")
    value = _num(get("value"))
    if value is None:
        return ThresholdStatus("no_data", "no value for this day")
    gap = get("data_status")  # the alert job's completeness verdict: "ok" or why not
    if isinstance(gap, str) and gap and gap != "ok":
        return ThresholdStatus("no_data", f"no data: {gap}, so the day is not judged")
    side = "below" if get("side") == "below" else "above"
    raw = _raw_level(value, warning, critical, side)
    level = get("level")
    judged = level if level in ("ok", "warning", "critical") else None
    low = bool(get("low_volume")) and not pd.isna(get("low_volume"))
    cases = (_num(get("denominator")), case_noun, _num(get("min_volume")))
    limits = {"warning": warning, "critical": critical}
    if judged is None:
        text = threshold_sentence(kind, value, raw, None, side, limits, cases if low else None)
        return ThresholdStatus("not_judged", text, capped=raw != "ok")
    capped = _RANK[raw] > _RANK[judged]
    text = threshold_sentence(kind, value, raw, judged, side, limits, cases if low else None)
    count = cases[0] if with_count and not low and kind != "count" else None
    if count is not None:
        text += f" ({plural(count, case_noun)})"
    mapped: ThresholdLevel = "on_target" if judged == "ok" else judged
    return ThresholdStatus(mapped, text, capped=capped)


def band_is_drawn(kind: str, expected: Any, lower: Any, upper: Any, score: Any) -> bool:
    """Whether a day's expected range is worth drawing: the detector judged the day (a
    score), the range has finite edges and it does not cover everything the value could be
    (a share from 0% to 100%). A rate or count range [0, upper] with a finite upper edge is
    drawn: a value above it is outside. `expected` is not needed; kept for the callers."""
    del expected
    lo, hi = _num(lower), _num(upper)
    if lo is None or hi is None or _num(score) is None:
        return False
    if not math.isfinite(hi):
        return False
    if kind == "share":
        return lo > 0 or hi < 1
    return True


def detector_verdict(row: Any, kind: str, case_noun: str = "case") -> DetectorVerdict:
    """What the detector says about one day, in the words the trend and the email use.

    A day the volume test flagged is a volume collapse or surge (its cases, not its value, are
    the news; alerted on one of the indicators that share the denominator); otherwise a
    flagged day (is_alert) is outside its expected range when its
    value lies outside the stored [lower, upper], whether or not the band is drawn, and else
    (inside, or no range) part of a sustained shift."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)
    value, lo, hi = _num(get("value")), _num(get("lower")), _num(get("upper"))
    expected, score = _num(get("expected")), _num(get("score"))
    drawn = band_is_drawn(kind, expected, lo, hi, score)
    alert = _flag(get("is_alert"))
    verdict: Verdict
    if expected is None and score is None and lo is None:
        verdict = "not_scored"
    elif value is None:
        verdict = "no_value"
    elif get("test") == "volume" and _flag(get("is_anomaly")):
        verdict = "volume_below" if get("direction") == "down" else "volume_above"
    elif alert and hi is not None and value > hi:
        verdict = "flagged_above"
    elif alert and lo is not None and value < lo:
        verdict = "flagged_below"
    elif alert:  # counted by the detector although the day alone is not outside its range
        up = get("direction") == "up" or (get("direction") != "down" and (score or 0) > 0)
        verdict = "shift_above" if up else "shift_below"
    elif score is None:
        verdict = "not_judged"
    elif not drawn:
        verdict = "too_wide"
    elif _flag(get("is_anomaly")):
        verdict = "unusual"
    else:
        verdict = "within"
    return DetectorVerdict(
        verdict, drawn, verdict_sentence(verdict, kind, value, lo, hi, score, case_noun)
    )


def _flag(value: Any) -> bool:
    return bool(value) if value is not None and not pd.isna(value) else False


def day_flag(threshold: ThresholdStatus, detector: DetectorVerdict) -> FlagKind | None:
    """Why a day is marked on a chart, or None: beyond a drawn threshold first (the rule's
    limit is what the owner agreed), then outside the drawn range, then a sustained shift."""
    if threshold.breached:
        return "beyond_threshold"
    if detector.verdict in ("flagged_above", "flagged_below"):
        return "outside_range"
    if detector.verdict in ("volume_below", "volume_above"):
        return "volume"
    if detector.counts:
        return "shift"
    return None


def lifecycle(
    state: str,
    held_state: str | None,
    severity: str | None,
    firing_since: date | None,
    last_breach: date | None,
    resolved_on: date | None,
    as_of: date,
    severity_before: str | None = None,
) -> Lifecycle:
    """An alert's state in user words, from its ledger row as of `as_of`.

    `severity_before` is the severity after the previous day's evaluation: a firing alert
    whose severity rose on `as_of` has escalated."""
    word: StateWord
    if state == "no_data":
        word = "no data"
    elif state == "firing" and firing_since == as_of:
        word = "new"
    elif state == "firing" and _RANK.get(severity, 0) > _RANK.get(severity_before, 0):
        word = "escalated" if severity_before else "still firing"
    elif state == "firing":
        word = "still firing"
    elif state in ("recovering", "pending"):
        word = state  # type: ignore[assignment]
    else:
        word = "resolved" if resolved_on is not None else "normal"
    shown = severity if word not in ("resolved", "normal") else None
    return Lifecycle(word, shown, firing_since, last_breach)


def breach_sentence(rule_id: str, day: date | None, facts: Any, kind: str, case_noun: str) -> str:
    """What breached on an alert's last breached day, against the threshold or band it
    breached: "Last breach Mon 02 Nov 2026: 7.20% is above the warning threshold 5.00%"."""
    if day is None:
        return "No breach recorded"
    if rule_id == ANOMALY_RULE:
        reason = detector_verdict(facts, kind, case_noun).reason
    else:
        reason = threshold_status(facts, kind, case_noun).reason
    return f"Last breach {format_day(day)}: {reason}"


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return pd.Timestamp(value).date()


def ledger_lifecycle(row: Any, as_of: date) -> Lifecycle:
    """`lifecycle` of a row of the alert_state table (`alert_store.firing_alerts`), whose
    `severity_before` column holds the severity logged for the day before."""
    get = row.get if hasattr(row, "get") else lambda k, d=None: getattr(row, k, d)

    def text(name: str) -> str | None:
        value = get(name)
        return value if isinstance(value, str) else None

    return lifecycle(
        str(get("state")),
        text("held_state"),
        text("severity"),
        _day(get("firing_since")),
        _day(get("last_breach")),
        _day(get("resolved_on")),
        as_of,
        text("severity_before"),
    )
