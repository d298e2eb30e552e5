"""Helpers shared by the engine tests: a catalogue subset, stored series, one stored point."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from metrics.catalogue import Catalogue, load_catalogue
from metrics.metric_store import MetricStore


def subset(*ids: str) -> Catalogue:
    """The catalogue restricted to `ids` (with the shared relations)."""
    full = load_catalogue()
    return Catalogue(metrics={i: full.get(i) for i in ids}, shared_sql=full.shared_sql)


def read_series(store: MetricStore) -> pd.DataFrame:
    with store.read() as con:
        return con.execute("SELECT * FROM series ORDER BY metric_id, slice, date").df()


def point(series: pd.DataFrame, metric: str, slice_: str, day: str) -> dict[str, Any]:
    """The one stored row of (metric, slice, date)."""
    rows = series[
        (series["metric_id"] == metric)
        & (series["slice"] == slice_)
        & (series["date"] == pd.Timestamp(day))
    ]
    assert len(rows) == 1, f"{metric}/{slice_} on {day}: {len(rows)} rows"
    return rows.iloc[0].to_dict()


def check(row: dict[str, Any], value: float | None, num: float | None, den: float | None) -> None:
    """value, numerator, denominator as stored; None means SQL NULL (NaN in the frame)."""
    for name, want in (("value", value), ("numerator", num), ("denominator", den)):
        got = row[name]
        if want is None:
            assert got is None or math.isnan(got), f"{name}: expected NULL, got {got}"
        else:
            assert got == pytest.approx(want, rel=1e-9), f"{name}: expected {want}, got {got}"
