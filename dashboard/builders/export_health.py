"""The Data page's export table with each export's freshness (`alerts.rules.export_age`):
pure, so the columns the page shows are tested without Streamlit."""

from __future__ import annotations

import pandas as pd

from alerts.rules.export_age import ExportFreshness
from metrics.presentation import format_day

EXPORT_COLUMNS = {
    "table": "Export",
    "path": "Location",
    "files": "Files",
    "rows": "Rows",
    "latest_event": "Latest event (UTC)",
    "modified_at": "File written (UTC)",
}


def exports_with_age(files: pd.DataFrame, fresh: ExportFreshness) -> pd.DataFrame:
    """One row per export: the files the store recorded (may be empty) and, from the
    export statistics, the newest day, its age in days against today and whether that is
    stale. An export known to only one of the two still gets its row."""
    ages = pd.DataFrame(
        [
            {
                "table": e.export,
                "Newest day": format_day(e.newest_day),
                "Age (days)": e.age_days,
                "Freshness": f"stale (over {fresh.stale_after_days} days)" if e.stale else "fresh",
            }
            for e in fresh.exports
        ],
        columns=["table", "Newest day", "Age (days)", "Freshness"],
    )
    known = files if not files.empty and "table" in files else pd.DataFrame(columns=["table"])
    merged = ages.merge(known, on="table", how="outer", sort=True)
    merged = merged.rename(columns=EXPORT_COLUMNS)
    first = ["Export", "Newest day", "Age (days)", "Freshness"]
    return merged[first + [c for c in merged.columns if c not in first]]
