"""The dashboard's settings and the metric store they name.

The app loads the settings with `metrics.settings.load_settings`, as every command does;
`govkpi dashboard` hands them over through GOVKPI_CONFIG and GOVKPI_* variables. Pages ask for
them many times per run, so they are kept per environment and config-file version (a changed
file or variable is picked up on the next run); nothing is read at import.
"""

from __future__ import annotations

import os

import streamlit as st

from metrics.metric_store import MetricStore, file_version
from metrics.settings import CONFIG_ENV, Settings, load_settings

STORE_ENV = "GOVKPI_STORE"


def dashboard_settings() -> Settings:
    """The settings of this process's environment (raises ConfigError when they are wrong)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("GOVKPI_")))
    return _settings(env, file_version(os.environ.get(CONFIG_ENV)))


@st.cache_resource(show_spinner=False, max_entries=8)
def _settings(env: tuple[tuple[str, str], ...], version: str) -> Settings:
    return load_settings(env=dict(env))


def configured_store() -> MetricStore | None:
    """The store the settings name (GOVKPI_STORE, or `store` in the config file), or None."""
    path = (dashboard_settings().store or "").strip()
    return MetricStore(path) if path else None
