"""The one interface every compute engine implements (DuckDB in-process, Apache Spark).

`metrics.engine.compute_store` drives a backend through these steps and keeps everything
that does not depend on the engine (the catalogue, slices and dense days, running totals,
the store write) to itself. A backend validates and reads the exports, prepares the fact
relations once and shares them across indicators, and returns each indicator's aggregates
at the grain of its GROUPING SETS as a small pandas frame (all indicators in one call, so an
engine can batch them into few jobs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import pandas as pd

from metrics.catalogue import MetricDefinition
from metrics.facts import DataWindow
from metrics.sla import SlaPolicy
from metrics.validation.report import ValidationReport

# The daily row counts of export_stats: (export, fact relation, day column), for every engine.
DAILY_COUNTS = (
    ("listings", "listing_facts", "created_day"),
    ("complaints", "complaint_facts", "received_day"),
    ("appeals", "appeal_facts", "filed_day"),
    ("traffic", "traffic_facts", "day"),
)


@dataclass(frozen=True)
class ExportFile:
    """One export as the Data page shows it: where it was read, how many files and rows."""

    table: str
    location: str
    files: int
    rows: int
    # Newest modification time of its files (epoch seconds); None when unknown.
    modified: float | None


class ComputeBackend(Protocol):
    """An engine that turns the exports into per-slice daily aggregates."""

    name: str

    def exports_fingerprint(self, data: str) -> str:
        """Changes when an export changes; "" when unknown (then validation always runs)."""
        ...

    def validate(self, data: str) -> ValidationReport:
        """The contract checks of `metrics.validation`; raises InvalidExportError if invalid."""
        ...

    def prepare(
        self,
        data: str,
        tz: str,
        sla: SlaPolicy,
        since: date | None,
        shared_sql: Mapping[str, str],
    ) -> DataWindow:
        """Reads the exports and builds the fact relations and sql/shared once."""
        ...

    def aggregate(
        self, metrics: Sequence[MetricDefinition], first: date, last: date
    ) -> dict[str, pd.DataFrame]:
        """Each metric's rows per day and slice of its GROUPING SETS over [first, last], by
        id: `day`, its dimensions, `grouping_id` (GROUPING() bits over its dimensions),
        `numerator`, `denominator`, `p90` and, for median indicators, `median`."""
        ...

    def daily_counts(self, window: DataWindow, since: date) -> list[pd.DataFrame]:
        """Rows per export, day and market from `since` on (table, date, market, rows)."""
        ...

    def export_files(self, data: str) -> list[ExportFile]: ...

    def close(self) -> None: ...
