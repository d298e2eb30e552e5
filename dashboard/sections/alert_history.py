"""The Alerts page's history of alert episodes: search by period, indicator, market and state;
the episodes with their closure (the action link a link only when it is an http(s) address);
the CSV `govkpi alerts history` writes; and the team's response per owner area and month."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from alerts.state.history import history_csv
from alerts.state.response_times import response_times
from dashboard.builders.episode_rows import (
    ANY,
    NO_MARKET,
    filter_history,
    history_table,
    markets_in,
    response_table,
)
from dashboard.builders.link_table import link_table_markdown
from dashboard.context import PageContext
from dashboard.data import ledger as alert_access
from dashboard.data.store import dashboard_settings
from metrics.presentation import area_label, format_period, plural

MAX_ROWS = 200
DEFAULT_DAYS = 90
STATES = {ANY: "Any state", "firing": "Still firing", "resolved": "Resolved"}


def _period(ctx: PageContext) -> tuple[date, date]:
    end = ctx.report_day
    start = max(ctx.first_day, end - timedelta(days=DEFAULT_DAYS - 1))
    picked = st.date_input(
        "Period (episodes firing on any of its days)",
        value=(start, end),
        min_value=ctx.first_day,
        max_value=ctx.last_day,
        key="hist_period",
        format="YYYY-MM-DD",
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        return picked[0], picked[1]
    if isinstance(picked, tuple | list) and len(picked) == 1:
        return picked[0], picked[0]
    return start, end


def history_section(ctx: PageContext) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Renders the search and the table; returns the episodes of the period (for the feedback
    form) and those the search kept (for `response_section`), or None when the ledger cannot
    be read."""
    zone = dashboard_settings().zone
    st.subheader("Alert history")
    st.caption(
        "Every alert episode the daily job recorded: from the day an alert started firing to "
        f"the day it resolved. Days are calendar days in {zone.key}; `govkpi alerts history` "
        "writes the same as CSV."
    )
    left, *rest = st.columns([2, 2, 1, 1])
    with left:
        start, end = _period(ctx)
    episodes = alert_access.episodes(ctx.store, start, end, zone.key)
    if episodes is None:
        st.info("The alert ledger cannot be read yet: run `govkpi alerts run`.")
        return None
    metric = rest[0].selectbox(
        "Indicator",
        [ANY, *ctx.metric_ids],
        format_func=lambda m: "Every indicator" if m == ANY else ctx.label(m),
        key="hist_metric",
    )
    market = rest[1].selectbox(
        "Market",
        [ANY, *markets_in(episodes)],
        format_func=lambda m: {ANY: "Any market", NO_MARKET: "No market"}.get(m, m),
        key="hist_market",
        help="“No market”: the whole platform and slices across markets (a category, a tier…).",
    )
    state = rest[2].selectbox(
        "State", list(STATES), format_func=STATES.__getitem__, key="hist_state"
    )
    found = filter_history(episodes, str(metric), str(market), str(state))
    st.markdown(
        f"**{plural(len(found), 'episode')}** firing during {format_period(start, end)}"
        + (f" (of {len(episodes)} before the filters)" if len(found) != len(episodes) else "")
    )
    if found.empty:
        st.caption("No episode matches.")
    else:
        table = history_table(found, ctx.label, zone)
        if len(table) > MAX_ROWS:
            st.caption(f"Showing the {MAX_ROWS} newest; the CSV has all {len(table)}.")
            table = table.head(MAX_ROWS)
        st.markdown(
            link_table_markdown(table, {}, external=("Action link",)), unsafe_allow_html=True
        )
        st.download_button(
            "Download these episodes (CSV)",
            history_csv(found, zone),
            file_name=f"alert-episodes-{start}-{end}.csv",
            mime="text/csv",
            key="hist_csv",
        )
    return episodes, found


def response_section(ctx: PageContext, found: pd.DataFrame) -> None:
    st.subheader("Team response")
    st.caption(
        "For the episodes above, by the owner area of the indicator and the month it started "
        "firing: the median days from the first breached day to firing (detect), from firing to "
        "the first acknowledgement and to resolution, each over the episodes that have that "
        "clock; and the share of episodes judged not useful among those with feedback."
    )
    areas = {m.id: m.owner_area for m in ctx.catalogue}
    summary = response_times(found, lambda m: areas.get(m, "unknown"))
    if summary.empty:
        st.caption("No episode to measure.")
        return
    st.dataframe(response_table(summary, area_label), hide_index=True)
