"""Drill-down: where an indicator moved (market x category), which slices drove it, the rows."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from alerts.detection.drivers import MIN_CASES
from alerts.notify.contributor_text import (
    cases_text,
    change_is_material,
    contributor_label,
    evidence_noun,
    pattern_sentence,
)
from dashboard.builders.access import Access
from dashboard.builders.figures import contribution_figure, heatmap_figure
from dashboard.builders.periods import period_note, pooled_series_value
from dashboard.builders.plain_text import markdown_literal as literal
from dashboard.builders.tables import (
    contribution_table,
    grid_table,
    to_csv_bytes,
)
from dashboard.builders.view import View, first_value
from dashboard.context import PageContext, page_context
from dashboard.data import ledger, queries, raw_rows
from dashboard.data.drivers import BASELINE_DAYS, contributors, dimensions
from dashboard.sections.sign_in import operator_only, page_access
from dashboard.view_state import metric_select, resolve_view, slice_select, write_view
from metrics.catalogue import MetricDefinition
from metrics.presentation import (
    describe_slice,
    dimension_label,
    format_date,
    format_day,
    format_period,
    format_value,
    plural,
    sentence,
)

PERIODS = {1: "1 day", 7: "7 days", 28: "28 days"}


def _controls(ctx: PageContext, view: View) -> tuple[View, int]:
    a, b, c, d = st.columns([2, 2, 1.2, 1])
    with a:
        metric = metric_select(ctx, view, key="drill_metric")
    with b:
        slice_key = slice_select(ctx, metric, view.slice, key="drill_slice")
    day = min(max(view.day or ctx.report_day, ctx.first_day), ctx.last_day)
    if view.day is not None and view.day != day:
        st.warning(f"{view.day.isoformat()} is outside the data; showing {day.isoformat()}.")
    with c:
        day = st.date_input(
            "Day",
            value=day,
            min_value=ctx.first_day,
            max_value=ctx.last_day,
            key="drill_day",
            format="YYYY-MM-DD",
        )
    requested = first_value(st.query_params.to_dict(), "period")
    period = int(requested) if requested in ("1", "7", "28") else 1
    with d:
        period = st.selectbox(
            "Period",
            list(PERIODS),
            index=list(PERIODS).index(period),
            format_func=PERIODS.__getitem__,
            key="drill_period",
            help="The days ending on the chosen day that are compared with the 28 days before.",
        )
    return View(metric, slice_key, view.start, view.end, day), period


def _heatmap(ctx: PageContext, definition: MetricDefinition, day: date, period: int) -> None:
    start = day - timedelta(days=period - 1)
    note = period_note(definition.kind, period)
    st.subheader("By market and category")
    grid = queries.grid(ctx.store, definition.id, start, day)
    if grid.empty:
        st.info("This indicator is not computed per market and category.")
        return
    platform = queries.series(ctx.store, definition.id, "all", start, day)
    reference = pooled_series_value(platform, definition.kind, definition.scale)
    colours = (
        f"Red: worse than the whole platform ({format_value(definition.kind, reference)}); "
        "green: better."
        if definition.better and reference is not None
        else "Darker: higher."
    )
    noun = evidence_noun(definition)
    muted = (
        ""
        if definition.kind == "count"
        else f" Grey: fewer than {plural(MIN_CASES, noun)}, too few to judge; the number in "
        f"brackets is the count. Hover a cell for its value and {noun}s."
    )
    st.caption(
        f"{definition.label} per market and category, "
        + (format_day(day) if period == 1 else format_period(start, day))
        + (f" ({note})" if note else "")
        + f". {colours}{muted}"
    )
    table = grid_table(
        grid, definition.kind, definition.scale, period, reference, min_cases=MIN_CASES
    )
    figure = heatmap_figure(table, definition.kind, definition.better, reference, noun)
    st.plotly_chart(figure, key="drill_heatmap")
    st.download_button(
        "Download this grid (CSV)",
        to_csv_bytes(table),
        file_name=f"{definition.id}_market_category_{day.isoformat()}.csv",
        mime="text/csv",
        key="drill_grid_csv",
    )


def _drivers(ctx: PageContext, definition: MetricDefinition, view: View, period: int) -> None:
    assert view.day is not None
    st.subheader("What drove the change")
    options = dimensions(definition, view.slice)
    if not options:
        st.info(
            literal(f"{sentence(describe_slice(view.slice))} has no finer slices to break down.")
        )
        return
    dimension = st.radio(
        "Break down by",
        options,
        horizontal=True,
        key="drill_dimension",
        format_func=dimension_label,
    )
    result = contributors(ctx.store, definition, view.slice, view.day, period, dimension)
    if result.problem:
        st.info(literal(result.problem))
        return
    kind = definition.kind
    before = result.info.get("parent_baseline_value")
    now = result.info.get("parent_value")
    dimension = str(result.info.get("dimension", dimension))
    min_cases = float(result.info.get("min_cases", MIN_CASES))
    rows = result.table.to_dict("records")
    material = change_is_material(result.info)
    summary = pattern_sentence(result.info.get("pattern"), rows, dimension, definition, min_cases)
    if material and summary:
        st.markdown(f"**{literal(summary)}**")
    # Which of the detector's tests flagged the day and how long the change has been building,
    # in the digest card's words.
    found = ledger.change_stories(ctx.store, [(definition.id, view.slice, view.day)])
    flagged = found.get((definition.id, view.slice, view.day))
    st.markdown(
        f"Statistical detector on {format_day(view.day)}: {literal(flagged)}."
        if flagged
        else f"The statistical detector did not flag {format_day(view.day)}."
    )
    noun = evidence_noun(definition)
    st.caption(
        f"{literal(sentence(describe_slice(view.slice)))}: {format_value(kind, now)} in the "
        f"{PERIODS[period]} to {format_date(view.day)} against {format_value(kind, before)} in "
        f"the {BASELINE_DAYS} days before. Each bar is one slice's part of that change, "
        f"weighed by its evidence: a slice on a handful of {noun}s is read as moving like "
        "its parent until its own cases say otherwise, so it cannot lead on luck. The "
        "**rate effect** is its own value moving, the **mix effect** its volume moving "
        "towards or away from it; the table keeps the exact effects. "
        + _small_rule(definition, min_cases)
        + " The slices that pushed in the bad direction come first."
        + (
            " Approximate for medians and distinct counts."
            if result.info.get("approximate")
            else ""
        )
    )
    labels = [
        " · ".join(
            x
            for x in (
                contributor_label(r, dimension, definition, min_cases),
                cases_text(definition, r),
            )
            if x
        )
        for r in rows
    ]
    st.plotly_chart(contribution_figure(result.table, kind, labels), key="drill_contrib")
    if not material:
        st.caption(
            "The indicator barely moved, so shares of the change are not shown; the bars "
            "still show which slices moved, and which way."
        )
    st.dataframe(
        contribution_table(result.table, definition, dimension, min_cases, show_share=material),
        hide_index=True,
    )
    st.download_button(
        "Download the contributions (CSV)",
        to_csv_bytes(result.table),
        file_name=f"{definition.id}_drivers_{view.day.isoformat()}.csv",
        mime="text/csv",
        key="drill_contrib_csv",
    )


def _small_rule(definition: MetricDefinition, min_cases: float) -> str:
    """Which slices are the one row of small slices (the rule is `drivers.top_contributors`)."""
    noun = evidence_noun(definition)
    if definition.kind == "rate":
        return (
            f"Slices with under {plural(min_cases, noun)} both seen in the period and expected "
            "from their usual volume are one row."
        )
    return (
        f"Slices with under {plural(min_cases, noun)} in the period are one row, however many "
        "they usually have (the number their usual volume led to expect is beside it)."
    )


def _rows(ctx: PageContext, definition: MetricDefinition, view: View, access: Access) -> None:
    assert view.day is not None
    source = raw_rows.ROW_SOURCES.get(definition.id)
    st.subheader("The rows behind it")
    # The rows name listings, sellers and complainants: operators and admins only.
    if not operator_only(access, "Seeing the rows behind a slice (and their CSV)"):
        return
    if source is None:
        st.info("Rows are not available for this indicator.")
        return
    problem = raw_rows.data_folder_problem(ctx.meta.get("data_dir"), source.table)
    if problem:
        st.info(literal(f"The export rows cannot be shown: {problem}."))
        return
    st.caption(
        f"{sentence(source.description)} ({view.day:%d %b %Y}, {ctx.freshness.timezone}), "
        f"{literal(describe_slice(view.slice))}; read from the exports in "
        f"{literal(ctx.meta['data_dir'])}."
    )
    page_key = "drill_rows_page"
    signature = f"{definition.id}|{view.slice}|{view.day}"
    if st.session_state.get("drill_rows_view") != signature:
        st.session_state.pop(page_key, None)  # a new view starts on its first page
        st.session_state["drill_rows_view"] = signature
    page = int(st.session_state.get(page_key, 1))

    day = view.day  # narrowed above; a closure would lose the narrowing of the attribute

    def fetch(number: int) -> tuple[pd.DataFrame, int]:
        return raw_rows.rows_page(
            ctx.store,
            ctx.meta["data_dir"],
            definition.id,
            view.slice,
            day,
            ctx.freshness.timezone,
            number,
        )

    rows, total = fetch(page)
    pages = max(1, -(-total // raw_rows.PAGE_SIZE))
    if page > pages:  # the rows behind the view shrank since the page was chosen
        page = pages
        rows, total = fetch(page)
    left, right = st.columns([1, 3])
    with left:
        st.number_input(
            f"Page (of {pages})", min_value=1, max_value=pages, value=page, step=1, key=page_key
        )
    with right:
        first = (page - 1) * raw_rows.PAGE_SIZE + 1
        shown = f"Rows {first:,}–{first + len(rows) - 1:,} of {total:,}." if total else "No rows."
        st.caption(shown)
    st.dataframe(rows, hide_index=True)
    st.download_button(
        "Download these rows (CSV)",
        to_csv_bytes(rows),
        file_name=f"{definition.id}_{view.day.isoformat()}_rows_page{page}.csv",
        mime="text/csv",
        key="drill_rows_csv",
        disabled=rows.empty,
    )


ctx = page_context()
access = page_access()
st.title("Drill-down")
view = resolve_view(ctx, use_day=True)
view, period = _controls(ctx, view)
write_view(view, use_day=True)
if period != 1:
    st.query_params["period"] = str(period)
definition = ctx.definition(view.metric)
if definition is None:
    st.warning("This indicator is not in the catalogue.")
    st.stop()
st.caption(
    f"**{definition.label}**, {literal(describe_slice(view.slice))}. Pick a day (a flagged day "
    "from the "
    "trend, for example) to see where the indicator moved and why."
)
_heatmap(ctx, definition, view.day or ctx.report_day, period)
_drivers(ctx, definition, view, period)
_rows(ctx, definition, view, access)
st.page_link(
    "app_pages/indicator.py",
    label="Back to the trend",
    icon=":material/show_chart:",
    query_params=view.to_params(),
)
