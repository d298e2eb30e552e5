"""The dashboard's settings and the metric store they name.

The app loads the settings with `metrics.settings.load_settings`, as every command does;
`govkpi dashboard` hands them over through GOVKPI_CONFIG and GOVKPI_* variables. Pages ask for
them many times per run, so they are kept per environment and config-file version (a changed
file or variable is picked up on the next run); nothing is read at import.
"""

from __future__ import annotations

import os
from functools import lru_cache

from metrics.metric_store import MetricStore
from metrics.settings import CONFIG_ENV, Settings, load_settings

STORE_ENV = "GOVKPI_STORE"


def dashboard_settings() -> Settings:
    """The settings of this process's environment (raises ConfigError when they are wrong)."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("GOVKPI_")))
    return _settings(env, _file_version(os.environ.get(CONFIG_ENV)))


@lru_cache(maxsize=8)
def _settings(env: tuple[tuple[str, str], ...], file_version: object) -> Settings:
    return load_settings(env=dict(env))


def _file_version(path: str | None) -> object:
    try:
        return os.stat(path).st_mtime_ns if path else None
    except OSError:
        return None  # load_settings reports the missing file


def configured_store() -> MetricStore | None:
    """The store the settings name (GOVKPI_STORE, or `store` in the config file), or None."""
    path = (dashboard_settings().store or "").strip()
    return MetricStore(path) if path else None
