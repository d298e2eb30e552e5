"""Silence matching: a silence mutes notifications for alerts whose metric id and slice match
its glob patterns (fnmatch: `*`, `?`, `[...]`; case-sensitive), from its start until `until`.
Evaluation and logging go on under a silence; only the mail is held back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase

import duckdb

from alerts.state.alert_store import has_table


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
