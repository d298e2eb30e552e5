"""Data: how fresh the exports are, how many rows arrived each day, and what validation found."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from dashboard.builders.figures import export_rows_figure
from dashboard.builders.plain_text import markdown_literal
from dashboard.context import page_context
from dashboard.data import queries
from metrics.presentation import format_time, plural


def _written_at(stamp: str | None) -> str:
    """The store's write time in the reporting zone, the zone named (the meta keeps UTC ISO)."""
    try:
        moment = datetime.fromisoformat(stamp or "")
    except ValueError:
        return "at an unknown time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_time(moment, ZoneInfo(ctx.freshness.timezone))


ctx = page_context()
st.title("Data freshness and quality")
fresh = ctx.freshness
st.caption(
    f"Data as of **{fresh.as_of_text()}** (the latest event in the exports). Days are calendar "
    f"days in **{fresh.timezone}**. Indicators were computed from "
    f"{markdown_literal(ctx.meta.get('data_dir', '?'))}"
    + (f" (store written {_written_at(ctx.meta.get('written_at'))}).")
)
if fresh.incomplete_days:
    st.warning(
        "Not complete yet (the exports were taken before these days ended): "
        + ", ".join(d.isoformat() for d in fresh.incomplete_days)
        + ". They are shown but not judged."
    )

st.subheader("Exports")
files = queries.export_files(ctx.store)
if files.empty:
    st.info("The store has no record of the export files.")
else:
    shown = files.rename(
        columns={
            "table": "Export",
            "path": "Location",
            "files": "Files",
            "rows": "Rows",
            "latest_event": "Latest event (UTC)",
            "modified_at": "File written (UTC)",
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "Rows": st.column_config.NumberColumn(format="localized"),
            "Latest event (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "File written (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )

st.subheader("Rows per day")
per_day = queries.export_rows_per_day(ctx.store)
if per_day.empty:
    st.info("No per-day row counts were recorded.")
else:
    st.caption(
        "Rows by the day they happened (listings by creation, complaints by receipt, appeals by "
        "filing). A sudden drop on the last days usually means an export is late or partial."
    )
    st.plotly_chart(export_rows_figure(per_day), key="data_rows_chart")

st.subheader("Validation")
findings = queries.validation(ctx.store)
if findings.empty:
    st.success("The last compute found no problem in the exports.")
else:
    errors = int((findings["severity"] == "error").sum()) if "severity" in findings else 0
    warnings = len(findings) - errors
    st.caption(
        f"{plural(errors, 'error')} and {plural(warnings, 'warning')} from the last compute."
    )
    st.dataframe(findings.rename(columns=str.capitalize), hide_index=True)

skipped = [s for s in (ctx.meta.get("skipped_metrics") or "").split(";") if s.strip()]
if skipped:
    st.subheader("Indicators not computed")
    for item in skipped:
        st.markdown(f"- {markdown_literal(item.strip())}")
