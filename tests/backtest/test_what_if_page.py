"""The Catalogue's what-if (AppTest): other limits give other episodes on the trend, counted
beside the rule in force, checked like the rules file, and nothing is saved."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from alerts.backtest import backtest, with_limits
from alerts.rules.rulebook import load_rules
from metrics.catalogue import load_catalogue
from metrics.metric_store import MetricStore
from metrics.settings import load_settings
from metrics.store_files import copy_store_files
from tests.dashboard_fixtures import REPORT_DAY, build_store
from tests.ledger_support import fresh_caches, open_page, texts  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("fresh_caches")
RULE = "proactive_rate.headline"
SLICE = "market=ES"


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_store(tmp_path_factory.mktemp("what_if") / "store.duckdb").path


@pytest.fixture
def store(fixture_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    path = tmp_path / "store.duckdb"
    copy_store_files(fixture_store, path)
    monkeypatch.setenv("GOVKPI_STORE", str(path))
    return MetricStore(path)


def _episodes(store: MetricStore, warning: float | None, critical: float | None) -> int:
    """What the backtest finds for the rule on the slice over the page's default period."""
    catalogue = load_catalogue()
    book = load_rules(catalogue=catalogue)
    if warning is not None or critical is not None:
        book = with_limits(book, RULE, warning, critical)
    start = REPORT_DAY - timedelta(days=58)  # the store's first day (60 days to LAST_DAY)
    with store.read() as con:
        found = backtest(con, catalogue, book, load_settings(), start, REPORT_DAY, (
            "proactive_rate", SLICE))  # fmt: skip
    return int((found.episodes["rule_id"] == RULE).sum())


def _counts(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric if m.label.startswith("Episodes with")}


def _shaded(at) -> int:  # type: ignore[no-untyped-def]
    import json

    figure = json.loads(at.get("plotly_chart")[-1].proto.spec)
    return len(figure["layout"].get("shapes", []))


def test_other_limits_raise_other_episodes(store) -> None:
    digest = hashlib.sha256(Path(store.path).read_bytes()).hexdigest()
    at = open_page("catalogue")
    assert "What if: try other limits" in texts(at, "subheader")
    at.selectbox(key="wi_rule").set_value(
        next(
            o for o in at.selectbox(key="wi_rule").options if "headline" in o and "Proactive" in o
        )  # fmt: skip
    ).run()
    at.selectbox(key="wi_slice").set_value(SLICE).run()
    in_force = _episodes(store, None, None)
    assert _counts(at) == {
        "Episodes with these limits": str(in_force),
        "Episodes with the rule in force": str(in_force),
    }
    key = f"{RULE}|{SLICE}"
    # A stricter warning (98.5%: most days of the ES series lie below it) keeps the alert
    # firing for longer: fewer, longer episodes.
    at.number_input(key=f"wi_warning|{key}").set_value(98.5)
    at.button(key="FormSubmitter:what_if-Show the episodes").click().run()
    stricter = _episodes(store, 0.985, 0.95)
    assert stricter != in_force
    assert _counts(at)["Episodes with these limits"] == str(stricter)
    assert _shaded(at) == stricter + in_force  # full-height what-if, grey strips in force
    # A critical limit less severe than the warning is refused, as the rules file refuses it.
    at.number_input(key=f"wi_critical|{key}").set_value(99.0)
    at.button(key="FormSubmitter:what_if-Show the episodes").click().run()
    assert any("critical limit must be at or below" in e for e in texts(at, "error"))
    assert hashlib.sha256(Path(store.path).read_bytes()).hexdigest() == digest
