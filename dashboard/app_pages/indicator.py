"""Indicator: one indicator and slice over time, with its expected band, thresholds and flags."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from alerts.state.alert_status import FLAG_LABELS
from alerts.state.status_series import facts_frame, series_flags
from dashboard.builders.link_table import link_table_markdown
from dashboard.builders.periods import previous_period, shift_previous
from dashboard.builders.plain_text import markdown_literal
from dashboard.builders.status import describe_target
from dashboard.builders.tables import daily_values_table
from dashboard.builders.trend_figure import trend_figure, trend_notes
from dashboard.builders.view import View
from dashboard.context import PageContext, page_context
from dashboard.data import queries
from dashboard.data.rules import rated, thresholds_over
from dashboard.sections.runbook import owner_line
from dashboard.view_state import (
    metric_select,
    period_select,
    resolve_view,
    slice_select,
    write_view,
)
from metrics.presentation import (
    describe_slice,
    format_day,
    format_value,
    sentence,
    view_path,
)


def _controls(ctx: PageContext, view: View) -> tuple[View, bool]:
    left, middle, right = st.columns([2, 2, 2])
    with left:
        metric = metric_select(ctx, view, key="indicator_metric")
    with middle:
        slice_key = slice_select(ctx, metric, view.slice, key="indicator_slice")
    with right:
        start, end = period_select(ctx, view, key="indicator_period")
    compare = st.toggle(
        "Compare with the previous period",
        value=False,
        key="indicator_compare",
        help="Overlays the period of the same length just before, shifted onto this one.",
    )
    return View(metric, slice_key, start, end, view.day), compare


def _drill_link(view: View, day: date) -> str:
    return view_path(view.metric, view.slice, view.start, view.end, page="drilldown", day=day)


def _flag_table(view: View, flags: pd.DataFrame, kind: str) -> None:
    """The days the chart marks, each with why (`alert_status.series_flags`): the same days
    the digest's chart marks for this link."""
    flagged = flags[flags["flag"].notna()]
    st.subheader(f"Flagged days ({len(flagged)})")
    if flagged.empty:
        st.caption("No day in this period is beyond a threshold or outside its expected range.")
        return
    days = pd.to_datetime(flagged["date"]).dt.date
    table = pd.DataFrame(
        {
            "Day": [format_day(d) for d in days],
            "Value": [format_value(kind, v) for v in flagged["value"]],
            "Flagged as": [FLAG_LABELS[f] for f in flagged["flag"]],
            "What it says": [sentence(n) for n in flagged["note"]],
            "Drill down": [_drill_link(view, d) for d in days],
        }
    )
    st.markdown(link_table_markdown(table, {"Drill down": "What drove it"}), unsafe_allow_html=True)


ctx = page_context()
st.title("Indicator trend")
view = resolve_view(ctx)
view, compare = _controls(ctx, view)
write_view(view)

definition = ctx.definition(view.metric)
kind = definition.kind if definition else "rate"
st.caption(
    f"**{ctx.label(view.metric)}** for **{markdown_literal(describe_slice(view.slice))}**, "
    f"{view.start:%d %b %Y} – {view.end:%d %b %Y}. "
    + (definition.description if definition else "")
)
if definition is not None:
    owner_line(definition)
series = queries.series(ctx.store, view.metric, view.slice, view.start, view.end)
detections = queries.detections(ctx.store, view.metric, view.slice, view.start, view.end)
thresholds = thresholds_over(view.metric, view.slice, view.start, view.end)
judged = rated(series.assign(metric_id=view.metric, slice=view.slice))
flags = series_flags(
    facts_frame(series, detections, judged), kind, definition.case_noun if definition else "case"
)
previous = None
label = "Previous period"
if compare:
    p_start, p_end, length = previous_period(view.start, view.end)
    previous = shift_previous(
        queries.series(ctx.store, view.metric, view.slice, p_start, p_end), length
    )
    label = f"Previous period ({p_start:%d %b} – {p_end:%d %b}, shifted {length} days)"

if series.empty or series["value"].isna().all():
    st.info("There is no value for this indicator and slice in the chosen period.")
else:
    st.plotly_chart(
        trend_figure(series, flags, thresholds, kind, previous, label),
        key="indicator_trend",
    )
    unit = definition.unit if definition else ""
    notes = [f"Unit: {unit}."]
    if detections.empty:
        notes.append("No expected range yet: run `govkpi detect` to add one.")
    else:
        notes.extend(trend_notes(flags))
    if not thresholds.empty:
        rule = thresholds.iloc[-1]
        notes.append(f"Thresholds in force at the end: {describe_target(rule, kind)}.")
    if kind == "duration":
        notes.append("The value is the median; the p90 is in the table below.")
    st.caption(" ".join(notes))
    if not flags.empty:
        _flag_table(view, flags, kind)
    with st.expander("Daily values"):
        st.dataframe(daily_values_table(series, kind), hide_index=True)
st.page_link(
    "app_pages/drilldown.py",
    label="Drill down into the last day of this period",
    icon=":material/zoom_in:",
    query_params={**view.to_params(), "day": view.end.isoformat()},
)
