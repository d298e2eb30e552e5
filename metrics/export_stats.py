"""Export freshness and completeness figures kept in the store for the dashboard and the
alert lifecycle (a market with no complaint rows on a day is an incomplete day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from metrics.engines.backend import ExportFile
from metrics.facts import DataWindow


def write_export_stats(
    target: duckdb.DuckDBPyConnection,
    window: DataWindow,
    report: object | None,
    since: date,
    daily_counts: list[pd.DataFrame],
    files: list[ExportFile],
) -> None:
    """Replaces the daily counts from `since` on (the facts hold every row of those days);
    the counts and files come from the engine that read the exports."""
    target.execute("DELETE FROM export_stats WHERE date >= ?", [since])
    for counts in daily_counts:
        target.register("counts", counts)
        target.execute("INSERT INTO export_stats BY NAME SELECT * FROM counts")
        target.unregister("counts")
    target.execute("DELETE FROM export_files")
    for export in files:
        modified = export.modified
        target.execute(
            "INSERT INTO export_files VALUES (?, ?, ?, ?, ?, ?)",
            [
                export.table,
                export.location,
                export.files,
                export.rows,
                window.as_of,
                datetime.fromtimestamp(modified, UTC).replace(tzinfo=None) if modified else None,
            ],
        )
    if report is None:
        return  # exports unchanged since their last validation: keep its findings
    target.execute("DELETE FROM validation")
    for finding in getattr(report, "findings", []) or []:
        target.execute(
            "INSERT INTO validation VALUES (?, ?, ?, ?)",
            [finding.severity, finding.table, finding.column, finding.message],
        )
