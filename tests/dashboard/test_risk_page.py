"""The Risk matrix page with AppTest over a fixture store and the exports it was computed from."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from metrics.metric_store import MetricStore
from tests.dashboard_fixtures import REPORT_DAY, build_store, write_rows_exports

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MetricStore]:
    st.cache_data.clear()
    st.cache_resource.clear()
    # 120 listings removed in ES x toys on the report day, one in FR: ES x toys rose most.
    built = build_store(tmp_path / "store.duckdb", data_dir=write_rows_exports(tmp_path / "data"))
    monkeypatch.setenv("GOVKPI_STORE", built.path)
    yield built
    st.cache_data.clear()


def _open(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("app_pages/risk.py")
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_ranks_the_cells_that_rose_most(store: MetricStore) -> None:
    at = _open({"day": REPORT_DAY.isoformat()})
    assert [t.value for t in at.title] == ["Risk matrix"]
    risers = at.dataframe[0].value
    assert (risers.iloc[0]["Market"], risers.iloc[0]["Category"]) == ("ES", "toys")
    assert risers.iloc[0]["Violations"] == 120 and risers.iloc[0]["Before"] == 0
    caption = " ".join(str(c.value) for c in at.caption)
    assert "score = likelihood / 10,000 × exposure × severity" in caption
    assert "(UTC)" in caption  # the window's days are named in the reporting zone
    grading = at.dataframe[1].value
    assert set(grading["Level"]) <= {"serious", "high", "medium", "low"}


def test_a_bad_day_in_the_url_is_shown_as_plain_text(store: MetricStore) -> None:
    at = _open({"day": "[evil](http://x.example)"})
    warning = at.warning[0].value
    assert "\\[evil\\]" in warning and "is not a day" in warning
    assert at.date_input(key="risk_day").value == REPORT_DAY  # the latest complete day


def test_without_reachable_exports_the_page_says_why(store: MetricStore, tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "data")
    at = _open({})
    assert "not reachable" in at.info[0].value
