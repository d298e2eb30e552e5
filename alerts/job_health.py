"""Is the daily job healthy? Its last run (when, outcome, exit code or failure), the mail
queued and given up, and how old each export's newest day is (`alerts.rules.export_age`).

Decided and worded once here; `govkpi alerts status` prints these sentences and the Data
page shows the same ones, so the two never disagree. Reads take the caller's read-only
connection to the store that holds the job's tables (`scheduler_runs`, `outbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from alerts.notify.outbox import outbox_counts
from alerts.rules.export_age import ExportFreshness, export_freshness
from alerts.state.alert_store import has_table
from metrics.presentation import format_day, format_time, plural

# A run's recorded status -> the exit code `govkpi alerts run` ended (or would end) with.
EXIT_CODES = {"ok": 0, "failed": 0, "dry-run": 0, "queued": 3, "bad-input": 2, "error": 1}
OUTCOMES = {
    "ok": "finished, nothing left queued",
    "failed": "finished, but mail was given up",
    "dry-run": "dry run, digests written as .eml files, nothing sent",
    "queued": "mail left queued for the next run",
    "bad-input": "stopped on bad input or configuration",
    "error": "stopped on an internal error",
}


@dataclass(frozen=True)
class LastRun:
    run_id: str
    trigger: str  # manual | cron | catch-up
    run_date: date | None  # the day it evaluated
    started_at: datetime  # aware
    finished_at: datetime | None
    status: str | None
    detail: str | None  # the first delivery error, or the failure's one line

    @property
    def exit_code(self) -> int | None:
        """None while the run has not recorded an end (still running, or killed)."""
        if self.finished_at is None:
            return None
        return EXIT_CODES.get(self.status or "")

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.status != "failed"

    def outcome(self) -> str:
        """`finished, nothing left queued (exit code 0)`; with the failure's line after it."""
        if self.finished_at is None:
            text = "did not record an end (still running, or stopped before it finished)"
        else:
            text = OUTCOMES.get(self.status or "", f"status {self.status}")
            if self.exit_code is not None:
                text += f" (exit code {self.exit_code})"
        return f"{text}: {self.detail}" if self.detail else text

    def sentence(self, zone: ZoneInfo) -> str:
        """`Last job run: started 07 Dec 2026 07:00 CET (Europe/Madrid), cron, evaluating
        Sun 06 Dec 2026: finished, nothing left queued (exit code 0).`"""
        day = f", evaluating {format_day(self.run_date)}" if self.run_date else ""
        started = format_time(self.started_at, zone)
        return f"Last job run: started {started}, {self.trigger}{day}: {self.outcome()}."


@dataclass(frozen=True)
class MailCounts:
    queued: int
    failed: int  # given up; `govkpi alerts outbox --retry ID` sends one again
    failed_recipients: tuple[str, ...]

    def sentence(self) -> str:
        """`Mail: 2 messages queued, 1 given up (to a@x.com).`"""
        text = f"Mail: {plural(self.queued, 'message')} queued, {self.failed} given up"
        if self.failed_recipients:
            text += f" (to {', '.join(self.failed_recipients)})"
        return text + "."


@dataclass(frozen=True)
class JobHealth:
    last_run: LastRun | None
    mail: MailCounts
    freshness: ExportFreshness

    @property
    def problems(self) -> int:
        """What needs someone: a failed or unfinished last run, mail queued or given up,
        stale exports (the Data page's heading colour)."""
        run_bad = self.last_run is not None and not self.last_run.ok
        return (
            int(run_bad)
            + int(bool(self.mail.queued or self.mail.failed))
            + len(self.freshness.stale)
        )

    def lines(self, zone: ZoneInfo) -> list[str]:
        """The status command's lines, also the Data page's sentences."""
        run = self.last_run
        out = [run.sentence(zone) if run else "Last job run: none recorded in this store."]
        out.append(self.mail.sentence())
        out.append(freshness_heading(self.freshness))
        for export in self.freshness.exports:
            flag = "STALE " if export.stale else ""
            out.append(f"  {flag}{export.sentence(self.freshness.stale_after_days)}")
        return out


def freshness_heading(fresh: ExportFreshness) -> str:
    """`Exports on Mon 07 Dec 2026 (Europe/Madrid): 1 of 4 stale (newest day more than 2
    days old).`"""
    if not fresh.exports:
        return "Exports: the store has no export statistics yet (`govkpi compute` records them)."
    limit = plural(fresh.stale_after_days, "day")
    stale = f"{len(fresh.stale)} of {len(fresh.exports)} stale" if fresh.stale else "none stale"
    return (
        f"Exports on {format_day(fresh.today)} ({fresh.zone}): {stale} "
        f"(stale when the newest day is more than {limit} old)."
    )


def _aware(value: object) -> datetime | None:
    if value is None or value is pd.NaT:
        return None
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    stamp = stamp if stamp.tzinfo else stamp.tz_localize("UTC")
    return stamp.to_pydatetime()


def last_run(con: duckdb.DuckDBPyConnection) -> LastRun | None:
    """The job run started last (any trigger, dry runs included)."""
    if not has_table(con, "scheduler_runs"):
        return None
    row = con.execute(
        "SELECT run_id, trigger, run_date, started_at, finished_at, status, detail "
        "FROM scheduler_runs ORDER BY started_at DESC, run_id LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    run_id, trigger, run_date, started, finished, status, detail = row
    return LastRun(
        str(run_id),
        str(trigger),
        run_date,
        _aware(started) or datetime.min.replace(tzinfo=UTC),
        _aware(finished),
        status,
        detail,
    )


def mail_counts(con: duckdb.DuckDBPyConnection) -> MailCounts:
    if not has_table(con, "outbox"):
        return MailCounts(0, 0, ())
    queued, failed, recipients = outbox_counts(con)
    return MailCounts(queued, failed, tuple(recipients))


def job_health(
    con: duckdb.DuckDBPyConnection, today: date, zone: str, stale_after_days: int
) -> JobHealth:
    return JobHealth(
        last_run(con), mail_counts(con), export_freshness(con, today, zone, stale_after_days)
    )
