"""The alert ledger (firing, history, silences) for the pages, cached per store version.

Reads use a read-only connection per call, through `alerts.state.alert_store`; while the alert
tables are not there yet, they return None and the page says what to run. Actions
(acknowledge, silence) call `alerts.state.alert_store` directly: it owns the store's write path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from alerts.state import alert_store
from alerts.state.status_data import day_facts
from dashboard.data.rules import rulebook
from metrics.metric_store import MetricStore

logger = logging.getLogger(__name__)


def _read(path: str, reader: Callable[[duckdb.DuckDBPyConnection], object]) -> pd.DataFrame | None:
    try:
        with MetricStore(path).read() as con:
            result = reader(con)
    except (duckdb.CatalogException, duckdb.BinderException) as exc:
        logger.info("alert tables not readable yet: %s", exc)
        return None
    if result is None:
        return None
    return result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)


@st.cache_data(show_spinner=False, max_entries=64)
def _firing(path: str, version: str) -> pd.DataFrame | None:
    return _read(path, alert_store.firing_alerts)


@st.cache_data(show_spinner=False, max_entries=64)
def _history(path: str, version: str, limit: int) -> pd.DataFrame | None:
    return _read(path, lambda con: alert_store.alert_history(con, limit))


@st.cache_data(show_spinner=False, max_entries=64)
def _silences(path: str, version: str, active_only: bool) -> pd.DataFrame | None:
    return _read(path, lambda con: alert_store.list_silences(con, active_only=active_only))


@st.cache_data(show_spinner=False, max_entries=64)
def _evaluated(path: str, version: str) -> bool:
    try:
        with MetricStore(path).read() as con:
            row = con.execute("SELECT count(*) FROM alert_state").fetchone()
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def evaluated(store: MetricStore) -> bool:
    """Whether an alert run has evaluated this store (then the ledger is the truth, even
    when nothing fires)."""
    return _evaluated(store.path, store.version())


def firing(store: MetricStore) -> pd.DataFrame | None:
    return _firing(store.path, store.version())


def history(store: MetricStore, limit: int = 500) -> pd.DataFrame | None:
    return _history(store.path, store.version(), limit)


def silences(store: MetricStore, active_only: bool = True) -> pd.DataFrame | None:
    return _silences(store.path, store.version(), active_only)


@st.cache_data(show_spinner=False, max_entries=64)
def _day_facts(
    path: str, version: str, requests: tuple[tuple[str, str, date], ...], rules: str, _book: Any
) -> dict[tuple[str, str, date], dict]:
    with MetricStore(path).read() as con:
        return day_facts(con, list(requests), _book)


def breach_facts(
    store: MetricStore, requests: list[tuple[str, str, date]]
) -> dict[tuple[str, str, date], dict]:
    """The facts (value, band, threshold, guard) of each alert's last breached day, judged by
    the rules the job uses; cached per store and rules version."""
    book = rulebook()
    version = getattr(book, "version", "") if book is not None else ""
    return _day_facts(store.path, store.version(), tuple(sorted(set(requests))), version, book)
