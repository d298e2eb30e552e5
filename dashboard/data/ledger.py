"""The alert ledger (firing, history, silences) for the pages, cached per store version
(`dashboard.data.cache`).

Reads use a read-only connection per call, through `alerts.state.alert_store`; while the alert
tables are not there yet, they return None and the page says what to run. Actions
(acknowledge, silence) call `alerts.state.alert_store` directly: it owns the store's write path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from alerts.notify.change_story import change_runs, story
from alerts.rules.rulebook import RuleBook
from alerts.state import alert_store, audit_log
from alerts.state.history import episode_history, evaluated_on, ledger_on
from alerts.state.status_data import day_facts
from dashboard.data.cache import per_store_version
from dashboard.data.rules import rulebook
from metrics.metric_store import MetricStore

logger = logging.getLogger(__name__)


def _read(path: str, reader: Callable[[duckdb.DuckDBPyConnection], Any]) -> pd.DataFrame | None:
    try:
        with MetricStore(path).read() as con:
            result = reader(con)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        logger.info("alert tables not readable yet: %s", exc)
        return None
    if result is None:
        return None
    return result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)


@per_store_version
def evaluated(path: str) -> bool:
    """Whether an alert run has evaluated this store (then the ledger is the truth, even
    when nothing fires)."""
    try:
        with MetricStore(path).read() as con:
            row = con.execute("SELECT count(*) FROM alert_state").fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


@per_store_version
def firing(path: str) -> pd.DataFrame | None:
    return _read(path, alert_store.firing_alerts)


@per_store_version
def history(path: str, limit: int = 500) -> pd.DataFrame | None:
    return _read(path, lambda con: alert_store.alert_history(con, limit))


@per_store_version
def episodes(path: str, start: date, end: date, zone: str) -> pd.DataFrame | None:
    """Every episode overlapping start..end with its closure and clocks (times in `zone`)."""
    return _read(path, lambda con: episode_history(con, start, end, ZoneInfo(zone)))


@per_store_version
def as_of(path: str, day: date, zone: str) -> pd.DataFrame | None:
    """What was firing and pending the morning after `day` (the evaluation log's snapshot)."""
    return _read(path, lambda con: ledger_on(con, day, ZoneInfo(zone)))


@per_store_version
def logged(path: str, day: date) -> bool:
    """Whether the alert job's evaluation log holds `day`."""
    try:
        with MetricStore(path).read() as con:
            return evaluated_on(con, day)
    except duckdb.CatalogException:
        return False


@per_store_version
def silences(path: str, active_only: bool = True) -> pd.DataFrame | None:
    return _read(path, lambda con: alert_store.list_silences(con, active_only=active_only))


@per_store_version
def audit_entries(path: str, limit: int = 200) -> pd.DataFrame | None:
    return _read(path, lambda con: audit_log.audit_entries(con, limit))


@per_store_version
def _day_facts(
    path: str, requests: tuple[tuple[str, str, date], ...], book: RuleBook | None
) -> dict[tuple[str, str, date], dict]:
    with MetricStore(path).read() as con:
        return day_facts(con, list(requests), book)


def breach_facts(
    store: MetricStore, requests: list[tuple[str, str, date]]
) -> dict[tuple[str, str, date], dict]:
    """The facts (value, band, threshold, guard) of each alert's last breached day, judged by
    the rules the job uses; cached per store version and rules version."""
    return _day_facts(store, tuple(sorted(set(requests))), rulebook())


@per_store_version
def _change_stories(
    path: str, requests: tuple[tuple[str, str, date], ...]
) -> dict[tuple[str, str, date], str]:
    with MetricStore(path).read() as con:
        runs = change_runs(con, list(requests))
    return {key: story(run) for key, run in runs.items()}


def change_stories(
    store: MetricStore, requests: list[tuple[str, str, date]]
) -> dict[tuple[str, str, date], str]:
    """Which test fired on each (metric, slice, day) and since when, in the digest card's
    words ("Shift since Sat 05 Sep 2026 (2 days)"); days that were not anomalous are absent."""
    return _change_stories(store, tuple(sorted(set(requests))))
