"""Export freshness and completeness figures kept in the store for the dashboard and the
alert lifecycle (a market with no complaint rows on a day is an incomplete day)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb

from metrics.exports import locate_all, modified_at
from metrics.facts import DataWindow

# (table, relation, day column, whether the relation has a market column)
_DAILY_COUNTS = (
    ("listings", "listing_facts", "created_day"),
    ("complaints", "complaint_facts", "received_day"),
    ("appeals", "appeal_facts", "filed_day"),
    ("traffic", "traffic_facts", "day"),
)


def write_export_stats(
    source: duckdb.DuckDBPyConnection,
    target: duckdb.DuckDBPyConnection,
    data: str,
    window: DataWindow,
    report: object | None,
    since: date,
) -> None:
    """Replaces the daily counts from `since` on (the facts hold every row of those days)."""
    target.execute("DELETE FROM export_stats WHERE date >= ?", [since])
    for table, relation, day_col in _DAILY_COUNTS:
        if table not in window.tables:
            continue
        counts = source.execute(
            f'SELECT ? AS "table", {day_col} AS date, market, COUNT(*) AS rows '
            f"FROM {relation} WHERE {day_col} >= ? GROUP BY ALL",
            [table, since],
        ).df()
        target.register("counts", counts)
        target.execute("INSERT INTO export_stats BY NAME SELECT * FROM counts")
        target.unregister("counts")
    target.execute("DELETE FROM export_files")
    for name, src in locate_all(data).items():
        counted = source.execute(f"SELECT COUNT(*) FROM {name}").fetchone()
        assert counted is not None  # an aggregate query returns one row
        rows = counted[0]
        stamps = [m for f in src.files if (m := modified_at(f)) is not None]
        modified = max(stamps, default=None)
        target.execute(
            "INSERT INTO export_files VALUES (?, ?, ?, ?, ?, ?)",
            [
                name,
                src.pattern,
                len(src.files),
                rows,
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
