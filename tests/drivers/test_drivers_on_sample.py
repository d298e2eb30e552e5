"""What drove it, on incidents planted by the sample generator and computed by the engine:
the incident's slice must come out on top."""

from __future__ import annotations

import json
from datetime import date

import pytest

from alerts.detection.drivers import top_contributors
from metrics.catalogue import load_catalogue
from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from sample_data.generator import generate_sample


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[MetricStore, list[dict]]:
    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder / "data", listings=400_000, days=200)
    store = MetricStore(folder / "store.duckdb")
    compute_store(str(folder / "data"), store, full=True)
    incidents = json.loads((folder / "data" / "incidents.json").read_text())
    return store, incidents


def _incident(incidents: list[dict], kind: str, metric: str) -> dict:
    return next(i for i in incidents if i["kind"] == kind and i["metric"] == metric)


def _window(incident: dict) -> tuple[date, int]:
    """The incident's days but its first (the effect builds up): (last day, period length)."""
    start, end = date.fromisoformat(incident["start"]), date.fromisoformat(incident["end"])
    return end, (end - start).days


def test_counterfeit_wave_is_driven_by_its_category(sample_store) -> None:
    store, incidents = sample_store
    wave = _incident(incidents, "counterfeit_wave", "counterfeit_complaint_rate")
    market, category = wave["slice"].split(",")  # market=ES,category_l1=toys
    day, period = _window(wave)
    metric = load_catalogue().get("counterfeit_complaint_rate")
    with store.read() as con:
        drivers = top_contributors(
            con, metric, market, day, period_days=period, dimension="category_l1"
        )
    assert drivers.iloc[0]["child_slice"] == wave["slice"]
    assert drivers.iloc[0]["rate_effect"] > 0


def test_review_backlog_is_driven_by_its_market(sample_store) -> None:
    store, incidents = sample_store
    backlog = _incident(incidents, "review_backlog", "time_to_decision")
    day, period = _window(backlog)
    metric = load_catalogue().get("time_to_decision")
    with store.read() as con:
        drivers = top_contributors(con, metric, "all", day, period_days=period, dimension="market")
    assert drivers.iloc[0]["child_slice"] == backlog["slice"]
