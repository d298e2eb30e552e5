"""Time left on the SLA clocks of open complaints: the at-risk filter, the time-left buckets
and the at-risk table that the CLI writes and the dashboard downloads. Pure functions over the
frame `metrics.deadlines.open_cases` reads.

"Within H hours after the end of day D" includes H itself, and a case past its deadline has
negative hours left: the at-risk list keeps it, marked `overdue`, because nowhere else lists
the open cases that already missed their deadline (overdue_backlog only counts them).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

DEFAULT_HOURS = 24.0
OVERDUE = "overdue"
AT_RISK = "at_risk"

# Buckets of time left, as the dashboard counts them: (label, upper bound in hours, inclusive).
BUCKETS: tuple[tuple[str, float], ...] = (
    ("overdue", 0.0),
    ("due within 24 h", 24.0),
    ("24–48 h", 48.0),
    ("over 48 h", float("inf")),
)
BUCKET_LABELS = tuple(label for label, _ in BUCKETS)

# The columns of the at-risk list, in order (CLI file and dashboard download alike).
AT_RISK_COLUMNS = (
    "complaint_id",
    "listing_id",
    "market",
    "channel",
    "issue_type",
    "received_at",
    "deadline",
    "hours_left",
    "status",
    "clock",
    "timezone",
)


def end_of_day_utc(day: date, tz: str) -> datetime:
    """The first instant after `day` in `tz`, as naive UTC (how exports store timestamps)."""
    local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC).replace(tzinfo=None)


def at_risk(
    cases: pd.DataFrame, hours: float = DEFAULT_HOURS, *, overdue: bool = True
) -> pd.DataFrame:
    """The open cases whose deadline falls at most `hours` after the clock was read, and
    with `overdue` those already past it (negative hours left); in deadline order."""
    lowest = -math.inf if overdue else 0.0
    chosen = cases[(cases["hours_left"] <= hours) & (cases["hours_left"] >= lowest)]
    return chosen.sort_values(["deadline", "complaint_id"], kind="stable").reset_index(drop=True)


def bucket_of(hours_left: float) -> str:
    """The time-left bucket of one case (bounds inclusive: 24.0 h left is due within 24 h)."""
    if hours_left < 0:
        return BUCKETS[0][0]
    for label, upper in BUCKETS[1:]:
        if hours_left <= upper:
            return label
    return BUCKETS[-1][0]


def time_left_counts(cases: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Open cases per group of `by` and time-left bucket: the `by` columns, one count column
    per bucket (in BUCKETS order, zeros kept) and `open` (their total)."""
    if cases.empty:
        return pd.DataFrame(columns=[*by, *BUCKET_LABELS, "open"])
    labelled = cases.assign(bucket=[bucket_of(h) for h in cases["hours_left"]])
    table = (
        labelled.groupby([*by, "bucket"]).size().unstack("bucket", fill_value=0)
        .reindex(columns=list(BUCKET_LABELS), fill_value=0)
    )  # fmt: skip
    table["open"] = table.sum(axis=1)
    return table.reset_index().rename_axis(columns=None)


def local_text(moment: datetime | pd.Timestamp, zone: ZoneInfo) -> str:
    """A naive-UTC timestamp as local ISO time with its offset: `2026-10-13 23:59:59+02:00`."""
    stamp = pd.Timestamp(moment).tz_localize(UTC).tz_convert(zone).floor("s")
    return stamp.isoformat(sep=" ")


def at_risk_table(cases: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The at-risk list as written to a file: AT_RISK_COLUMNS, times in the reporting zone
    with their UTC offset and the zone named, hours left to 0.1 h, each case marked
    `overdue` or `at_risk`."""
    zone = ZoneInfo(tz)
    out = pd.DataFrame(
        {
            "complaint_id": cases["complaint_id"].astype(str),
            "listing_id": cases["listing_id"].astype(str),
            "market": cases["market"].astype(str),
            "channel": cases["channel"].astype(str),
            "issue_type": cases["issue_type"].astype(str),
            "received_at": [local_text(v, zone) for v in cases["received_at"]],
            "deadline": [local_text(v, zone) for v in cases["deadline"]],
            "hours_left": cases["hours_left"].astype(float).round(1),
            "status": [OVERDUE if h < 0 else AT_RISK for h in cases["hours_left"]],
            "clock": cases["clock"].astype(str),
            "timezone": tz,
        },
        columns=list(AT_RISK_COLUMNS),
    )
    return out.reset_index(drop=True)


def at_risk_csv(table: pd.DataFrame) -> bytes:
    """The at-risk table as the CLI writes it and the dashboard downloads it: UTF-8 CSV with a
    header row, no index."""
    return table.to_csv(index=False).encode("utf-8")
