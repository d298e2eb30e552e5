"""Data: how fresh the exports are, how the daily job last ran, how many rows arrived each day,
and what validation found.

Job health and export ages are `alerts.job_health`'s decisions in the sentences `govkpi alerts
status` prints; an export is stale when its newest day is more than lifecycle.stale_after_days
before today in the store's reporting zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from alerts.job_health import freshness_heading
from alerts.rules.export_age import today_in
from dashboard.builders.export_health import exports_with_age
from dashboard.builders.figures import export_rows_figure
from dashboard.builders.plain_text import markdown_literal
from dashboard.context import page_context
from dashboard.data import queries
from dashboard.data.store import dashboard_settings
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

zone = ZoneInfo(fresh.timezone)
health = queries.job_health(
    ctx.store, today_in(zone), zone.key, dashboard_settings().lifecycle.stale_after_days
)
if health.freshness.stale:
    limit = health.freshness.stale_after_days
    st.error(
        "**No new data** (the daily digest says so once a day):\n\n"
        + "\n".join(f"- {markdown_literal(e.sentence(limit))}" for e in health.freshness.stale),
        icon=":material/cloud_off:",
    )

st.subheader("Job health")
run = health.last_run
run_text = markdown_literal(run.sentence(zone) if run else "Last job run: none recorded.")
if run is None or run.ok:
    st.markdown(run_text)
else:
    st.error(run_text)
mail_text = markdown_literal(health.mail.sentence())
if health.mail.failed:
    st.error(mail_text + " `govkpi alerts outbox` lists them; `--retry ID` sends one again.")
elif health.mail.queued:
    st.warning(mail_text + " The next run sends them.")
else:
    st.markdown(mail_text)
st.caption("`govkpi alerts status` prints the same, with the firing alerts and silences.")

st.subheader("Exports")
st.caption(markdown_literal(freshness_heading(health.freshness)))
files = queries.export_files(ctx.store)
if files.empty and not health.freshness.exports:
    st.info("The store has no record of the export files.")
else:
    st.dataframe(
        exports_with_age(files, health.freshness),
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
