"""The daily job: compute -> detect -> evaluate -> notify -> deliver. Safe to re-run.

1. compute the metric series incrementally (metrics.engine.compute_store);
2. run the detector with the [detection] settings (alerts.detect_step), as `govkpi detect`;
3. read the SLA clocks of the complaints still open at the end of the as-of day from the
   exports (the digest's "At risk in the next 24 h" section; `alerts.notify.at_risk_section`);
4. in one store write: step the lifecycle to the as-of day, log every evaluation, work out the
   due notifications, judge how old each export's newest day is (the digest's "No new data"
   section; `alerts.rules.export_age`), render one digest per recipient and queue it with its
   items logged;
5. outside the write: send everything queued (this run's and earlier runs'), then record
   what went out. Anything left queued raises DeliveryQueuedError (exit code 3).
A dry run does 1-4 but writes the digests as .eml files instead of queueing them; the
notification log is untouched, so a later real run still sends them.

Every run is recorded in `scheduler_runs` with its outcome, a run that stopped on an error
too (status bad-input or error, its one line as detail), so `govkpi alerts status` and the
Data page can say how the last run ended (`alerts.job_health`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

import duckdb

from alerts.detect_step import detect_with_settings
from alerts.notify.at_risk_section import AtRiskSection, read_sections
from alerts.notify.digest import ContributorsFn, build_digests
from alerts.notify.due_items import due_items
from alerts.notify.email_render import build_message
from alerts.notify.outbox import log_silenced, queue_digest, queued, record_delivery, write_eml
from alerts.notify.smtp_delivery import deliver
from alerts.rules.export_age import export_freshness, today_in
from alerts.rules.rulebook import RuleBook, load_rules
from alerts.run_log import run_id_in_logs
from alerts.state.alert_store import ensure_schema, has_table
from alerts.state.evaluation import evaluate, persist
from alerts.state.retention import prune
from alerts.state.silences import active_silences
from alerts.stop_request import finish_before_stopping
from metrics.catalogue import Catalogue, load_catalogue
from metrics.errors import ConfigError, DeliveryQueuedError, UserError
from metrics.metric_store import MetricStore, get_meta
from metrics.presentation import plural
from metrics.settings import Settings

log = logging.getLogger(__name__)

# What a run with no digest says (the CLI prints it too): an empty day sends no email.
NOTHING_TO_SEND = "nothing to send (no alert news, no complaints due within 24 h, no stale exports)"


@dataclass
class RunReport:
    run_id: str
    run_date: date
    dry_run: bool
    evaluated: int = 0
    firing: int = 0
    items: int = 0
    silenced: int = 0
    digests: int = 0
    # Open complaints due within the next 24 h in the routed markets (the at-risk section).
    at_risk: int = 0
    queued_now: int = 0
    sent: int = 0
    still_queued: int = 0
    failed: int = 0  # given up this run (refused for good, or out of attempts)
    # Exports whose newest day is more than lifecycle.stale_after_days old (the no-data notice).
    stale_exports: list[str] = field(default_factory=list)
    eml_paths: list[str] = field(default_factory=list)
    outbox_dir: str | None = None


def default_run_date(config: Settings, now: datetime) -> date:
    """Yesterday in the reporting time zone: the last whole day."""
    return now.astimezone(config.zone).date() - timedelta(days=1)


def judged_today(config: Settings, run_date: date, now: datetime) -> date:
    """The morning the job judges the exports' age on: today in the reporting zone, or the
    morning after the as-of day when that is earlier (a run for a past day judges that
    morning, as its alerts; the daily run's as-of day is yesterday, so it judges today)."""
    return min(today_in(config.zone, now), run_date + timedelta(days=1))


def run_daily(
    config: Settings,
    *,
    run_date: date | None = None,
    dry_run: bool = False,
    compute: bool = True,
    detect: bool = True,
    trigger: str = "manual",
    scheduled_for: datetime | None = None,
    now: datetime | None = None,
    catalogue: Catalogue | None = None,
    rulebook: RuleBook | None = None,
    contributors: ContributorsFn | None = None,
) -> RunReport:
    if not config.store:
        raise ConfigError("no metric store: pass --store PATH or set GOVKPI_STORE")
    now = now or datetime.now(UTC)
    store = MetricStore(config.store)
    run_date = run_date or default_run_date(config, now)
    report = RunReport(uuid.uuid4().hex[:12], run_date, dry_run)
    try:
        if not dry_run:
            missing = config.missing_for_delivery()
            if missing:
                raise ConfigError("email delivery needs " + ", ".join(missing) + " (or --dry-run)")
        return _run(config, store, report, compute, detect, trigger, scheduled_for, now,
                    catalogue, rulebook, contributors)  # fmt: skip
    except DeliveryQueuedError:
        raise  # recorded as `queued` by _deliver
    except Exception as exc:
        _record_failure(store, report, trigger, scheduled_for, now, exc)
        raise


def _run(
    config: Settings,
    store: MetricStore,
    report: RunReport,
    compute: bool,
    detect: bool,
    trigger: str,
    scheduled_for: datetime | None,
    now: datetime,
    catalogue: Catalogue | None,
    rulebook: RuleBook | None,
    contributors: ContributorsFn | None,
) -> RunReport:
    run_date, dry_run = report.run_date, report.dry_run
    with run_id_in_logs(report.run_id):
        if compute:
            _compute(config, store)
        if detect:
            detect_with_settings(store, config.detection, engine=config.engine, spark=config.spark)
        catalogue = catalogue or load_catalogue()
        sections = read_sections(config, _data_folder(config, store), run_date, catalogue)
        report.at_risk = sum(
            {m.market: m.due for s in sections.values() for m in s.markets}.values()
        )
        # Evaluating, queueing and sending take seconds: a stop request lets them finish,
        # so that no digest is queued and left unsent, nor sent twice.
        with finish_before_stopping():
            if rulebook is None:
                rulebook = load_rules(config.rules_file)
            messages = _evaluate_and_queue(
                config, store, report, catalogue, rulebook, contributors, sections,
                trigger, scheduled_for, now,
            )  # fmt: skip
            if dry_run:
                folder = config.outbox_dir or os.path.join(os.path.dirname(store.path), "outbox")
                report.outbox_dir = os.path.join(folder, run_date.isoformat())
                report.eml_paths = write_eml(report.outbox_dir, messages)
                return report
            return _deliver(config, store, report)


def _evaluate_and_queue(
    config: Settings,
    store: MetricStore,
    report: RunReport,
    catalogue: Catalogue,
    rulebook: RuleBook,
    contributors: ContributorsFn | None,
    sections: dict[str, AtRiskSection],
    trigger: str,
    scheduled_for: datetime | None,
    now: datetime,
) -> list[EmailMessage]:
    """Step 3, in one store write: evaluate, log, render and queue the digests (a dry run
    queues nothing); returns the rendered messages."""
    run_date, dry_run = report.run_date, report.dry_run
    messages = []
    with store.write_ledger() as con:
        ensure_schema(con)
        evaluation = evaluate(con, catalogue, rulebook, run_date, config, report.run_id, now)
        persist(con, evaluation, now)
        report.evaluated = len(evaluation.log_rows)
        report.firing = sum(1 for s in evaluation.states.values() if s.active)
        items = due_items(con, evaluation, config, catalogue, active_silences(con, now))
        report.items = len(items)
        report.silenced = sum(1 for i in items if i.silence is not None)
        fresh = export_freshness(
            con, judged_today(config, run_date, now), config.timezone,
            config.lifecycle.stale_after_days,
        )  # fmt: skip
        report.stale_exports = [e.export for e in fresh.stale]
        for export in fresh.stale:
            log.warning("no new data: %s", export.sentence(fresh.stale_after_days))
        digests = build_digests(
            con, evaluation, items, config, catalogue, rulebook, contributors, now, sections,
            fresh if fresh.stale else None,
        )  # fmt: skip
        report.digests = len(digests)
        for digest in digests:
            msg = build_message(digest, config, now)
            messages.append(msg)
            if not dry_run and queue_digest(
                con, msg, digest.items, run_date, digest.content_key, now
            ):
                report.queued_now += 1
        if not dry_run:
            log_silenced(con, items, run_date, now)
        _record_run(con, report, trigger, scheduled_for, now, "dry-run" if dry_run else "evaluated")
        prune(con, config.retention_days, now, config.zone)
    log.info(
        "%s: %s, %d firing, %s due (%d silenced), %s due within 24 h, %s",
        run_date,
        plural(report.evaluated, "evaluation"),
        report.firing,
        plural(report.items, "notification"),
        report.silenced,
        plural(report.at_risk, "complaint"),
        plural(report.digests, "digest"),
    )
    if not digests:
        log.info("%s: %s", run_date, NOTHING_TO_SEND)
    return messages


@contextlib.contextmanager
def delivery_lock(store: MetricStore) -> Iterator[None]:
    """One sender at a time per store, so two overlapping runs never send a message twice."""
    with open(store.path + ".delivery.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _deliver(config: Settings, store: MetricStore, report: RunReport) -> RunReport:
    """Sends what is queued; exit code 3 (DeliveryQueuedError) only while something stays
    queued for a later run. A message given up (refused for good, or out of attempts) is
    logged and named by `govkpi alerts status`; it does not fail every later run."""
    with delivery_lock(store):
        with store.read() as con:
            pending = queued(con)
        result = deliver(pending, config.smtp, config.smtp_password, config.mail.from_ or "")
        with store.write_ledger() as con:
            ensure_schema(con)
            given_up = record_delivery(con, result, datetime.now(UTC), config.smtp.max_attempts)
            still = [m for m in result.failed if m not in given_up]
            report.sent = len(result.sent)
            report.still_queued = len(still)
            report.failed = len(given_up)
            errors = [*result.failed.values(), *result.refused.values()]
            status = "queued" if still else "failed" if given_up else "ok"
            _update_run(con, report, status, errors[0] if errors else None)
    for message_id in given_up:
        error = result.refused.get(message_id) or result.failed.get(message_id, "")
        log.error(
            "gave up message %s (%s); `govkpi alerts outbox` lists it, --retry sends it again",
            message_id,
            error,
        )
    if still:
        raise DeliveryQueuedError(
            f"{plural(len(still), 'message')} not delivered ({result.failed[still[0]]}); "
            "they stay queued and the next run sends them"
        )
    return report


def _data_folder(config: Settings, store: MetricStore) -> str | None:
    """The exports the SLA clocks are read from: the settings' data folder, else the one the
    store was computed from."""
    if config.data:
        return config.data
    if not store.exists():
        return None
    with store.read() as con:
        return get_meta(con, "data_dir")


def _compute(config: Settings, store: MetricStore) -> None:
    if not config.data:
        raise ConfigError("no data folder: pass --data DIR or set GOVKPI_DATA")
    from metrics.engine import compute_with_settings

    # The engine works out the incremental start itself (from what the store holds).
    log.info("computing metrics from %s", config.data)
    compute_with_settings(config.data, store, config)


def _record_run(
    con: duckdb.DuckDBPyConnection,
    report: RunReport,
    trigger: str,
    scheduled_for: datetime | None,
    now: datetime,
    status: str,
) -> None:
    finished = now if status == "dry-run" else None
    con.execute(
        "INSERT INTO scheduler_runs VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        [report.run_id, trigger, scheduled_for, report.run_date, now, finished, status],
    )


def _record_failure(
    store: MetricStore,
    report: RunReport,
    trigger: str,
    scheduled_for: datetime | None,
    now: datetime,
    exc: Exception,
) -> None:
    """Records a run that stopped on an error (status bad-input: exit code 2, else error:
    exit code 1), so the status command and the Data page say how the last run ended. Best
    effort: a store that cannot be written keeps the error in the log alone."""
    status = "bad-input" if isinstance(exc, UserError) else "error"
    first = (str(exc).strip().splitlines() or [""])[0]
    detail = (first or type(exc).__name__)[:500]
    if not store.exists():
        return
    try:
        with store.write_ledger(with_store=False) as con:
            ensure_schema(con)
            known = con.execute(
                "SELECT count(*) FROM scheduler_runs WHERE run_id = ?", [report.run_id]
            ).fetchone()
            if not (known and known[0]):
                _record_run(con, report, trigger, scheduled_for, now, status)
            _update_run(con, report, status, detail)
    except Exception as record_exc:  # the run's own error is what the caller must see
        log.warning("could not record the failed run %s: %s", report.run_id, record_exc)


def _update_run(
    con: duckdb.DuckDBPyConnection, report: RunReport, status: str, detail: str | None
) -> None:
    con.execute(
        "UPDATE scheduler_runs SET finished_at = ?, status = ?, detail = ? WHERE run_id = ?",
        [datetime.now(UTC), status, detail, report.run_id],
    )


def last_scheduled_run(store: MetricStore) -> datetime | None:
    """When the scheduler's last run was due (cron and catch-up runs only; not one that
    stopped on an error, which left the store as it was)."""
    if not store.exists():
        return None
    with store.read() as con:
        if not has_table(con, "scheduler_runs"):
            return None
        row = con.execute(
            "SELECT max(scheduled_for) FROM scheduler_runs WHERE trigger IN ('cron', 'catch-up') "
            # A run that stopped on an error is caught up by the next scheduler to start.
            "AND coalesce(status, '') NOT IN ('bad-input', 'error')"
        ).fetchone()
    return row[0] if row else None
