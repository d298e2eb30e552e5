"""Which slices drove a move (`alerts.detection.drivers`), cached per store version
(`dashboard.data.cache`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from alerts.detection.drivers import drill_dimensions, top_contributors
from dashboard.data.cache import per_store_version
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


@per_store_version
def contributors(
    path: str,
    definition: MetricDefinition,
    slice_key: str,
    day: date,
    period_days: int,
    dimension: str | None,
    n: int = 10,
) -> Contributions:
    try:
        with MetricStore(path).read() as con:
            table = top_contributors(
                con,
                definition,
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
