"""Which slices drove a move (`alerts.detection.drivers`), cached per store version."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from alerts.detection.drivers import drill_dimensions, top_contributors
from metrics.catalogue import MetricDefinition
from metrics.errors import UserError
from metrics.metric_store import MetricStore

logger = logging.getLogger(__name__)
BASELINE_DAYS = 28


@dataclass(frozen=True)
class Contributions:
    table: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why there is no breakdown, for the page to say


def dimensions(definition: MetricDefinition, slice_key: str) -> list[str]:
    try:
        return drill_dimensions(definition, slice_key)
    except ValueError:
        return []


@st.cache_data(show_spinner=False, max_entries=128)
def _contributors(
    path: str,
    version: str,
    fingerprint: str,
    _definition: MetricDefinition,  # not hashed: the fingerprint stands for it
    slice_key: str,
    day: date,
    period_days: int,
    dimension: str | None,
    n: int,
) -> Contributions:
    try:
        with MetricStore(path).read() as con:
            table = top_contributors(
                con,
                _definition,
                slice_key,
                day,
                baseline_days=BASELINE_DAYS,
                period_days=period_days,
                dimension=dimension,
                n=n,
            )
    except UserError as exc:
        return Contributions(pd.DataFrame(), problem=str(exc))
    info = {str(k): v for k, v in table.attrs.items()}
    table.attrs = {}
    if table.empty:
        return Contributions(
            table, info, problem="Not enough data in the period or the 28 days before it."
        )
    return Contributions(table, info)


def contributors(
    store: MetricStore,
    definition: MetricDefinition,
    slice_key: str,
    day: date,
    period_days: int,
    dimension: str | None,
    n: int = 10,
) -> Contributions:
    return _contributors(
        store.path,
        store.version(),
        f"{definition.id}:{definition.fingerprint}",
        definition,
        slice_key,
        day,
        period_days,
        dimension,
        n,
    )
