"""The Alerts page's episode history and team-response tables (pure): which episodes a search
keeps, and how each reads. Days and times in the reporting zone, the zone named in the
headers; every response figure with the number of episodes behind it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd

from alerts.rules.observations import market_of
from alerts.state.closure import REASON_TEXT
from dashboard.builders.alert_rows import rule_name
from metrics.presentation import (
    MISSING,
    describe_slice,
    format_date,
    format_percent,
    is_missing,
    plural,
)

ANY = "any"
NO_MARKET = "none"  # slices without a market: the whole platform, a category, a tier...
# The three clocks share one column: the table must fit a laptop screen.
CLOCKS_HEADER = "Days to detect / ack. / resolve"


def filter_history(
    history: pd.DataFrame, metric_id: str = ANY, market: str = ANY, state: str = ANY
) -> pd.DataFrame:
    """The episodes of one indicator, one market (`NO_MARKET`: slices without one) and one
    state (`firing`, `resolved`); `ANY` keeps all."""
    keep = pd.Series(True, index=history.index)
    if metric_id != ANY:
        keep &= history["metric_id"] == metric_id
    if market != ANY:
        markets = [market_of(s) or NO_MARKET for s in history["slice"]]
        keep &= pd.Series(markets, index=history.index) == market
    if state != ANY:
        keep &= history["state"] == state
    return history[keep]


def markets_in(history: pd.DataFrame) -> list[str]:
    """The markets of the history's slices, sorted, then NO_MARKET if some slice has none."""
    found = {market_of(s) for s in history["slice"]}
    return sorted(m for m in found if m) + ([NO_MARKET] if None in found else [])


def _day(value: object) -> str:
    """`29 Oct 2026`: the weekday would wrap every date cell of a wide table."""
    if is_missing(value):
        return ""
    return format_date(pd.Timestamp(value).date())  # type: ignore[arg-type]


def _time(value: object, zone: ZoneInfo) -> str:
    if is_missing(value):
        return ""
    local = pd.Timestamp(value).tz_convert(zone)  # type: ignore[arg-type]
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _clock(value: object) -> str:
    """Whole days (the column says so); a dash while the clock has not stopped."""
    return "–" if is_missing(value) else str(int(value))  # type: ignore[call-overload]


def _ending(row: dict) -> str:
    reason = row.get("resolution")
    if not isinstance(reason, str):
        return ""
    text = "recovered" if reason == "recovered" else REASON_TEXT.get(reason, reason)
    note = row.get("resolution_note")
    by = row.get("resolved_by")
    if isinstance(by, str) and by:
        text += f", by {by}"
    if isinstance(note, str) and note:
        text += f": {note}"
    return text


def history_table(
    history: pd.DataFrame, label: Callable[[str], str], zone: ZoneInfo
) -> pd.DataFrame:
    """The rows as the page shows them, newest first, narrow enough for a laptop screen (the
    CSV has every column); `Action link` holds the link as typed (the page renders it as a
    link only when it is an http(s) address)."""
    rows = []
    for rec in history.iloc[::-1].to_dict("records"):
        rows.append(
            {
                "Alert": f"{label(rec['metric_id'])} · {describe_slice(rec['slice'])}",
                "Rule": rule_name(rec["rule_id"], rec["metric_id"]),
                "Severity": _text(rec["severity"]),
                "Firing since": _day(rec["firing_since"]),
                "Resolved on": _day(rec["resolved_on"]) or "still firing",
                "How it ended": _ending(rec),
                f"Acknowledged ({zone.key})": _acknowledged(rec, zone),
                "Action link": _text(rec["action_url"]),
                "Feedback": _text(rec["feedback"]).replace("_", " "),
                CLOCKS_HEADER: " / ".join(
                    _clock(rec[f"days_to_{c}"]) for c in ("detect", "acknowledge", "resolve")
                ),
            }
        )
    return pd.DataFrame(rows)


def _acknowledged(rec: dict, zone: ZoneInfo) -> str:
    """`ana, 08 Sep 2026 09:30 CEST: on it` (the first acknowledgement, the latest note)."""
    by = _text(rec["acknowledged_by"])
    if not by:
        return ""
    text = f"{by}, {_time(rec['acknowledged_at'], zone)}"
    note = _text(rec["note"])
    return f"{text}: {note}" if note else text


def _median(value: float, count: int) -> str:
    """`1.5 days (2 episodes)`: the median and the episodes behind it."""
    if count == 0 or is_missing(value):
        return f"{MISSING} (no episode)"
    days = f"{value:,.1f}".removesuffix(".0")
    unit = "day" if days == "1" else "days"
    return f"{days} {unit} ({plural(count, 'episode')})"


def response_table(summary: pd.DataFrame, area_label: Callable[[str], str]) -> pd.DataFrame:
    """`alerts.state.response_times.response_times` as the page shows it."""
    rows = []
    for rec in summary.to_dict("records"):
        share = (
            f"{format_percent(rec['false_alarm_share'])} ({rec['false_alarms']} of "
            f"{rec['with_feedback']} judged)"
            if rec["with_feedback"]
            else f"{MISSING} (no feedback)"
        )
        rows.append(
            {
                "Area": area_label(rec["area"]),
                "Month": f"{date.fromisoformat(rec['month'] + '-01'):%b %Y}",
                "Episodes": rec["episodes"],
                "Median time to detect": _median(rec["median_days_to_detect"], rec["detected"]),
                "Median time to acknowledge": _median(
                    rec["median_days_to_acknowledge"], rec["acknowledged"]
                ),
                "Median time to resolve": _median(rec["median_days_to_resolve"], rec["resolved"]),
                "False alarms": share,
            }
        )
    return pd.DataFrame(rows)


def episode_label(rec: dict, label: Callable[[str], str]) -> str:
    """`Complaint rate · market ES · firing since Mon 07 Sep 2026 (rule headline)`."""
    return (
        f"{label(rec['metric_id'])} · {describe_slice(rec['slice'])} · firing since "
        f"{_day(rec['firing_since'])} (rule {rule_name(rec['rule_id'], rec['metric_id'])})"
    )
