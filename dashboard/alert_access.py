"""The alert ledger (firing, history, silences) and its actions, through `alerts.alert_store`.

Reads use a read-only connection per call; writes go through alert_store, which owns the
store's write path. While the alerts package or its tables are not there yet, reads return
None ("not available") and the page says what to run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from types import ModuleType

import duckdb
import pandas as pd
import streamlit as st

from metrics.metric_store import MetricStore

logger = logging.getLogger(__name__)


def _module() -> ModuleType | None:
    try:
        from alerts import alert_store
    except ImportError:
        return None
    return alert_store


def available() -> bool:
    return _module() is not None


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
    module = _module()
    return None if module is None else _read(path, module.firing_alerts)


@st.cache_data(show_spinner=False, max_entries=64)
def _history(path: str, version: str, limit: int) -> pd.DataFrame | None:
    module = _module()
    return None if module is None else _read(path, lambda con: module.alert_history(con, limit))


@st.cache_data(show_spinner=False, max_entries=64)
def _silences(path: str, version: str, active_only: bool) -> pd.DataFrame | None:
    module = _module()
    if module is None:
        return None
    return _read(path, lambda con: module.list_silences(con, active_only=active_only))


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


def acknowledge(
    store: MetricStore, metric_id: str, slice_key: str, rule_id: str, author: str, note: str
) -> None:
    module = _module()
    if module is None:
        raise RuntimeError("alert tracking is not installed")
    module.acknowledge(store, metric_id, slice_key, rule_id, author, note)


def add_silence(
    store: MetricStore,
    metric_pattern: str,
    slice_pattern: str,
    until: datetime,
    reason: str,
    author: str,
) -> str:
    module = _module()
    if module is None:
        raise RuntimeError("alert tracking is not installed")
    return str(module.add_silence(store, metric_pattern, slice_pattern, until, reason, author))


def expire_silence(store: MetricStore, silence_id: str, author: str) -> None:
    module = _module()
    if module is None:
        raise RuntimeError("alert tracking is not installed")
    module.expire_silence(store, silence_id, author)


def pick(df: pd.DataFrame, *candidates: str) -> str | None:
    """The first of `candidates` that is a column of `df` (the ledger's columns may evolve)."""
    return next((c for c in candidates if c in df.columns), None)
