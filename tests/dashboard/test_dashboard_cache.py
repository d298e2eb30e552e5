"""The dashboard's one caching style: reads cached per store path and version."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from dashboard.data.cache import per_store_version
from metrics.metric_store import MetricStore, set_meta

calls: list[str] = []


@per_store_version
def read_note(path: str, key: str) -> str | None:
    calls.append(key)
    with MetricStore(path).read() as con:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


@per_store_version
def read_note_twice(path: str, key: str) -> str:
    return f"{read_note(MetricStore(path), key)}!"


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    st.cache_data.clear()
    calls.clear()


def _note(store: MetricStore, value: str) -> None:
    with store.write() as con:
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        set_meta(con, "note", value)


def test_an_unchanged_store_is_read_once_and_a_new_version_is_read_again(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    _note(store, "first")
    assert read_note(store, "note") == "first"
    assert read_note(store, "note") == "first"
    assert calls == ["note"]
    _note(store, "second")  # a swapped-in write is a new version
    assert read_note(store, "note") == "second"
    assert calls == ["note", "note"]


def test_each_read_has_its_own_cache(tmp_path: Path) -> None:
    """Every read goes through the same wrapper; their caches must not collide."""
    store = MetricStore(tmp_path / "store.duckdb")
    _note(store, "value")
    assert read_note(store, "note") == "value"
    assert read_note_twice(store, "note") == "value!"
    assert read_note.__name__ == "read_note"
