"""The built-in scheduler: runs the daily job on a cron expression in a time zone.

One scheduler per store (an fcntl lock on `<store>.scheduler.lock`; a second one exits 2).
The last scheduled run is remembered in the store (`scheduler_runs`): on start, if a slot
passed since then (downtime), the job runs once at once to catch up; the job itself catches
up every missed day. A failed run is logged and the scheduler goes on. SIGTERM or SIGINT
stop it within seconds (`alerts.stop_request`): the lock is released on the way out, so a new
scheduler can start at once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from alerts.daily_job import last_scheduled_run, run_daily
from alerts.stop_request import StopRequest, StopRequested
from metrics.errors import ConfigError, DeliveryQueuedError, UserError
from metrics.metric_store import MetricStore
from metrics.settings import Settings

log = logging.getLogger(__name__)

Job = Callable[[Settings, date, str, datetime], object]
POLL_SECONDS = 300.0  # wake up at least this often, so clock changes are noticed


@contextlib.contextmanager
def scheduler_lock(store_path: str) -> Iterator[str]:
    path = os.path.abspath(store_path) + ".scheduler.lock"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fh = open(path, "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise UserError(
                f"a scheduler is already running for store {store_path} "
                f"(lock {path} held by pid {holder}); stop it first"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield path
    finally:
        fh.close()


def next_slot(cron: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first slot strictly after `after` (aware, in `zone`)."""
    return croniter(cron, after.astimezone(zone)).get_next(datetime)


def latest_slot(cron: str, zone: ZoneInfo, at: datetime) -> datetime:
    """The last slot at or before `at`."""
    probe = at.astimezone(zone) + timedelta(seconds=1)
    return croniter(cron, probe).get_prev(datetime)


def missed_slot(cron: str, zone: ZoneInfo, last: datetime | None, now: datetime) -> datetime | None:
    """The slot to catch up after downtime, if one passed since the last scheduled run.
    A scheduler that never ran has nothing to catch up."""
    if last is None:
        return None
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    slot = latest_slot(cron, zone, now)
    return slot if slot > last else None


def run_date_for(slot: datetime, config: Settings) -> date:
    """A run due at `slot` evaluates the day before, in the reporting time zone."""
    return slot.astimezone(config.zone).date() - timedelta(days=1)


def _default_job(config: Settings, run_date: date, trigger: str, slot: datetime) -> object:
    return run_daily(config, run_date=run_date, trigger=trigger, scheduled_for=slot)


def run_scheduler(
    config: Settings,
    *,
    job: Job = _default_job,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], object] | None = None,
    max_runs: int | None = None,
    stop: StopRequest | None = None,
) -> int:
    """Runs until stopped by SIGTERM/SIGINT (or `max_runs` runs, for tests); returns the
    number of runs started. `sleep` defaults to a wait that a stop request cuts short."""
    if not config.store:
        raise ConfigError("no metric store: pass --store PATH or set GOVKPI_STORE")
    cron, zone = config.schedule.cron, config.schedule_zone
    stop = stop or StopRequest()
    wait = sleep or stop.wait
    runs = 0
    with scheduler_lock(config.store), stop.installed():
        last = last_scheduled_run(MetricStore(config.store))
        missed = missed_slot(cron, zone, last, clock())
        if missed is not None and not stop.requested:
            log.info("catching up the run due %s", missed.isoformat())
            _run_once(job, config, missed, "catch-up", stop)
            runs += 1
        while (max_runs is None or runs < max_runs) and not stop.requested:
            due = next_slot(cron, zone, clock())
            log.info("next run %s", due.isoformat())
            while not stop.requested and (remaining := (due - clock()).total_seconds()) > 0:
                wait(min(remaining, POLL_SECONDS))
            if stop.requested:
                break
            _run_once(job, config, due, "cron", stop)
            runs += 1
    if stop.requested:
        log.info("scheduler stopped (%s); lock released", stop.signal_name)
    return runs


def _run_once(job: Job, config: Settings, slot: datetime, trigger: str, stop: StopRequest) -> None:
    run_date = run_date_for(slot, config)
    try:
        with stop.running():
            job(config, run_date, trigger, slot)
    except StopRequested:
        log.warning(
            "run for %s abandoned; the store is as it was before it, and the next scheduler "
            "to start catches it up",
            run_date,
        )
    except DeliveryQueuedError as exc:
        log.warning("run for %s: %s", run_date, exc)
    except UserError as exc:
        log.error("run for %s failed: %s", run_date, exc)
    except Exception:  # the scheduler outlives one bad run; the traceback is logged
        log.exception("run for %s failed", run_date)
