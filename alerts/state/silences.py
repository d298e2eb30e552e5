"""Silence matching: a silence mutes notifications for alerts whose metric id and slice match
its glob patterns (fnmatch: `*`, `?`, `[...]`; case-sensitive), from its start until `until`.
Evaluation and logging go on under a silence; only the mail is held back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo

import duckdb

from alerts.state.alert_store import has_table


def silence_end(day: date, zone: ZoneInfo) -> datetime:
    """The instant a silence "until the end of `day`" ends: the next midnight in the reporting
    zone. The CLI (`--until DATE`) and the dashboard's form both end a silence here."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


@dataclass(frozen=True)
class Silence:
    silence_id: str
    metric_pattern: str
    slice_pattern: str
    starts_at: datetime
    until: datetime
    reason: str | None
    author: str

    def matches(self, metric_id: str, slice_key: str) -> bool:
        return fnmatchcase(metric_id, self.metric_pattern) and fnmatchcase(
            slice_key, self.slice_pattern
        )


def active_silences(con: duckdb.DuckDBPyConnection, at: datetime) -> list[Silence]:
    if not has_table(con, "silences"):
        return []
    rows = con.execute(
        """
        SELECT silence_id, metric_pattern, slice_pattern, starts_at, until, reason, author
        FROM silences
        WHERE expired_at IS NULL AND starts_at <= ? AND until > ?
        ORDER BY created_at
        """,
        [at, at],
    ).fetchall()
    return [Silence(*row) for row in rows]


def silence_for(silences: list[Silence], metric_id: str, slice_key: str) -> Silence | None:
    return next((s for s in silences if s.matches(metric_id, slice_key)), None)
