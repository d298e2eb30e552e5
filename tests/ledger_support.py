"""Builders for the ledger tests (history, closure, backtest): a hand-made store whose alerts
fire in known episodes, the daily job run on it, `govkpi` called in-process, CSV read back."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from govkpi import cli
from metrics.metric_store import MetricStore
from metrics.settings import Settings
from tests.alerts_support import add_export_stats, add_series, make_config

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

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


# The dashboard over a real ledger: the fixture store of tests/dashboard_fixtures.py without
# its hand-made alert tables, judged by the real daily job (dry run) with the packaged rules:
# about thirty episodes over seven weeks, four of them still firing on REPORT_DAY.
APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGE_TIMEOUT = 90


def ledger_dashboard_store(path: Path) -> MetricStore:
    from datetime import timedelta

    from alerts.daily_job import run_daily
    from tests.dashboard_fixtures import REPORT_DAY, build_store

    store = build_store(path, alerts=False)
    config = Settings.model_validate({"store": store.path})
    for as_of in (REPORT_DAY - timedelta(days=20), REPORT_DAY):  # a first run, then a catch-up
        run_daily(config, run_date=as_of, dry_run=True, compute=False, detect=False)
    return store


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Streamlit caches are process-global: never let one test see another's results."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def open_page(page: str, params: dict[str, str] | None = None) -> AppTest:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=PAGE_TIMEOUT)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
    at.query_params.clear()
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def all_text(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "warning", "success", "error")
    return "\n".join(t for kind in kinds for t in texts(at, kind))


def markdown_tables(at: AppTest, first_column: str) -> list[str]:
    return [t for t in texts(at, "markdown") if t.startswith(f"| {first_column} |")]


def plain(source: str) -> str:
    """Markdown source as it reads: escapes, entities and word joiners undone."""
    import html
    import re

    return html.unescape(re.sub(r"\\(.)", r"\1", source)).replace("\u2060", "")
