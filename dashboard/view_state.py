"""Reads the view from the URL, shows what was wrong with it, and writes the view back.

The URL wins when it names any view parameter (a deep link must reopen exactly that view);
otherwise the view last shown in this session is kept, so moving between pages through the
sidebar keeps the indicator and slice the analyst was looking at.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard.builders.plain_text import markdown_literal
from dashboard.builders.view import View, parse_view
from dashboard.context import PageContext
from metrics.presentation import describe_slice

VIEW_KEYS = ("metric", "slice", "start", "end", "day")
REMEMBERED = "govkpi_view"
DEFAULT_PERIOD_DAYS = 90


def default_view(ctx: PageContext) -> View:
    end = ctx.report_day
    start = max(ctx.first_day, end - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    return View(metric=ctx.metric_ids[0], slice="all", start=start, end=end, day=end)


def resolve_view(ctx: PageContext, use_day: bool = False) -> View:
    """The view for this run; warnings about the link are shown on the page."""
    url = st.query_params.to_dict()
    given = {k: url[k] for k in VIEW_KEYS if k in url}
    from_url = bool(given)
    params = given if from_url else dict(st.session_state.get(REMEMBERED, {}))
    view, warnings = parse_view(
        params,
        metrics={m: ctx.label(m) for m in ctx.metric_ids},
        defaults=default_view(ctx),
        slice_exists=lambda metric, key: key in ctx.slices.get(metric, ()),
        use_day=use_day,
    )
    if from_url:
        for warning in warnings:
            st.warning(markdown_literal(warning), icon=":material/warning:")
    return view


def write_view(view: View, use_day: bool = False) -> None:
    """Puts the view shown into the URL (so the address bar is a shareable link)."""
    params = view.to_params(with_day=use_day)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    st.session_state[REMEMBERED] = view.to_params(with_day=True)


def metric_select(ctx: PageContext, view: View, key: str) -> str:
    options = ctx.metric_ids
    index = options.index(view.metric) if view.metric in options else 0
    return st.selectbox("Indicator", options, index=index, format_func=ctx.label, key=key)


def slice_select(ctx: PageContext, metric: str, current: str, key: str) -> str:
    options = ctx.slices.get(metric) or ["all"]
    if "all" in options:
        options = ["all"] + [s for s in options if s != "all"]
    index = options.index(current) if current in options else 0
    return st.selectbox(
        "Slice",
        options,
        index=index,
        format_func=describe_slice,
        key=key,
        help="Whole platform, or one market, category, seller tier, channel or issue type.",
    )


def period_select(ctx: PageContext, view: View, key: str) -> tuple[date, date]:
    value = (
        min(max(view.start, ctx.first_day), ctx.last_day),
        min(max(view.end, ctx.first_day), ctx.last_day),
    )
    picked = st.date_input(
        "Date range",
        value=value,
        min_value=ctx.first_day,
        max_value=ctx.last_day,
        key=key,
        format="YYYY-MM-DD",
    )
    if isinstance(picked, tuple | list):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:  # the user has picked the first end of the range only
            return picked[0], view.end
        return view.start, view.end
    return picked, picked
