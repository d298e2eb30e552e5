"""Retention in the alert ledger: the evaluation log and sent mail older than `retention_days`
(reporting-zone days) are pruned at the daily job's write, so the often-copied ledger stays
small. Never pruned: episodes (the history keeps every one), acknowledgements, silences,
closure and feedback, notifications (reminders and response times read them), and mail that
is still queued, failed or dropped (an operator may still act on it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from alerts.state.alert_store import has_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pruned:
    before: date  # the first day kept, in the reporting zone
    evaluations: int
    sent_mail: int


def retention_start(today: date, retention_days: int) -> date:
    """The first day kept: what is older than `retention_days` days goes."""
    return today - timedelta(days=retention_days)


def prune(
    con: duckdb.DuckDBPyConnection, retention_days: int, now: datetime, zone: ZoneInfo
) -> Pruned:
    """Inside a ledger write: deletes evaluations whose as_of, and sent messages whose
    sending day (in `zone`), is more than `retention_days` days before today (in `zone`)."""
    first_kept = retention_start(now.astimezone(zone).date(), retention_days)
    evaluations = sent = 0
    if has_table(con, "alert_evaluations"):
        evaluations = _deleted(con, "DELETE FROM alert_evaluations WHERE as_of < ?", first_kept)
    if has_table(con, "outbox"):
        since = datetime.combine(first_kept, time(0), tzinfo=zone)  # midnight in the zone
        sent = _deleted(con, "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?", since)
    if evaluations or sent:
        log.info(
            "retention (%d days, from %s %s): pruned %d evaluations and %d sent messages",
            retention_days, first_kept.isoformat(), zone.key, evaluations, sent,
        )  # fmt: skip
    return Pruned(first_kept, evaluations, sent)


def _deleted(con: duckdb.DuckDBPyConnection, sql: str, bound: object) -> int:
    row = con.execute(sql, [bound]).fetchone()
    return int(row[0]) if row else 0
