"""Builders for the ledger tests (history, closure, backtest): a hand-made store whose alerts
fire in known episodes, the daily job run on it, `govkpi` called in-process, CSV read back."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from govkpi import cli
from metrics.metric_store import MetricStore
from metrics.settings import Settings
from tests.alerts_support import add_export_stats, add_series, make_config

ES = "market=ES"
FR = "market=FR"
DAYS = 120
# proactive_rate in market ES breaches on these days: with pending_days = 1 and
# keep_firing_days = 1, episode A fires on day 31 and resolves on day 34, B fires on day 81
# and resolves on day 85.
FLAGGED_ES = {30, 31, 32, 80, 81, 82, 83}
# proactive_rate in market FR breaches from day 95 on: an episode still firing at the end.
FLAGGED_FR = set(range(95, DAYS))


def proactive(store: MetricStore, slice_key: str, flagged: set[int], days: int = DAYS) -> None:
    values = [0.90 if i in flagged else 0.98 for i in range(days)]
    alerts = [i in flagged for i in range(days)]
    add_series(store, "proactive_rate", slice_key, values, alerts, expected=0.98, band=0.01)


def episode_store(path: Path) -> tuple[MetricStore, Settings]:
    """A store with two series (ES: two episodes; FR: one, open at the end) and its settings
    (reporting zone Europe/Madrid, one recipient)."""
    store = MetricStore(path)
    proactive(store, ES, FLAGGED_ES)
    proactive(store, FR, FLAGGED_FR)
    add_export_stats(store, DAYS)
    return store, make_config(store.path)


def use_store(monkeypatch: pytest.MonkeyPatch, store: MetricStore) -> None:
    """GOVKPI_* for `govkpi` run in-process on this store, nothing else from the machine."""
    for name in list(os.environ):
        if name.startswith("GOVKPI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GOVKPI_STORE", store.path)
    monkeypatch.setenv("GOVKPI_TIMEZONE", "Europe/Madrid")


def govkpi(*args: str) -> int:
    return cli.main(["alerts", *args])


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
