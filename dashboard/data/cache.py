"""The dashboard's one caching style: every read is cached per store path and store version.

A page passes the `MetricStore`; the cache is keyed on its path and its current version (the
file's identity and modification time, `MetricStore.version()`), so a newly swapped-in compute
or alert run is read on the next page load without a restart, and an unchanged store is never
read twice. Reads open their own read-only connection: DuckDB connections are not shared across
Streamlit's script threads.

The configuration the reads are judged by (the settings, the rules file) is keyed the same way,
on `metrics.metric_store.file_version`: an edited file is read again on the next page load.
Those are objects, not data, so they are kept with `st.cache_resource` (shared, never copied).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from alerts.rules.rulebook import RuleBook
from metrics.catalogue import MetricDefinition
from metrics.metric_store import MetricStore

P = ParamSpec("P")
R = TypeVar("R")

# Cached entries per read: enough for a few users flipping between views.
MAX_ENTRIES = 256
# A metric definition is keyed by its id and fingerprint (a hash of its SQL and settings), a
# rule book by its version (a hash of its file).
HASH_FUNCS: dict[str | type[Any], Callable[[Any], Any]] = {
    MetricDefinition: lambda d: f"{d.id}:{d.fingerprint}",
    RuleBook: lambda book: book.version,
}


def per_store_version(
    read: Callable[Concatenate[str, P], R],
) -> Callable[Concatenate[MetricStore, P], R]:
    """Turns `read(path, *args)` into `read(store, *args)`, cached per store version.

    The version is part of the cache key only (the read itself needs just the path).
    """

    def read_version(path: str, version: str, *args: object, **kwargs: object) -> object:
        return read(path, *args, **kwargs)  # type: ignore[arg-type]

    # Streamlit keys a cache on the function's module and qualified name: one per read.
    read_version.__module__ = read.__module__
    read_version.__qualname__ = f"{read.__qualname__}.per_store_version"
    cached = st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES, hash_funcs=HASH_FUNCS)(
        read_version
    )

    @functools.wraps(read)
    def for_store(store: MetricStore, *args: P.args, **kwargs: P.kwargs) -> R:
        return cached(store.path, store.version(), *args, **kwargs)  # type: ignore[return-value]

    return for_store
