"""The "as of" day of the Overview and Alerts pages: review a past morning.

The day travels in the URL (`asof=YYYY-MM-DD`, validated by `dashboard.builders.view`; a bad
value is named in a plain-text warning and ignored) and is picked with a date input that writes
it back, so the address bar reopens the same morning.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard.builders.plain_text import markdown_literal
from dashboard.builders.view import AS_OF_PARAM, parse_as_of
from dashboard.context import PageContext
from metrics.presentation import format_day


def as_of_day(ctx: PageContext) -> date | None:
    """The past day the link asks to review, None for the latest complete day."""
    day, warning = parse_as_of(st.query_params.to_dict(), ctx.first_day, ctx.report_day)
    if warning:
        st.warning(markdown_literal(warning), icon=":material/warning:")
    return day


def as_of_picker(ctx: PageContext, day: date | None, key: str) -> None:
    """A date input for the morning to review; writes `asof` to the URL and reruns. A new
    `asof` in the URL (a link followed in the same session) resets the input to it."""
    synced = f"{key}__from_url"
    if synced not in st.session_state or st.session_state[synced] != day:
        st.session_state[key] = day or ctx.report_day
        st.session_state[synced] = day
    picked = st.columns([1, 2])[0].date_input(
        "Review a past morning (the day the job judged)",
        min_value=ctx.first_day,
        max_value=ctx.report_day,
        key=key,
        format="YYYY-MM-DD",
        help="Shows the alerts as the daily job left them after that day. The latest complete "
        "day is today's review.",
    )
    wanted = picked if isinstance(picked, date) and picked != ctx.report_day else None
    if wanted != day:
        st.session_state[synced] = wanted
        if wanted is None:
            del st.query_params[AS_OF_PARAM]
        else:
            st.query_params[AS_OF_PARAM] = wanted.isoformat()
        st.rerun()


NOT_LOGGED = (
    "The alert job's log holds no evaluation of {day}: it did not judge that day (it had not "
    "run yet, or the log of that day was pruned), so nothing can be said about that morning's "
    "alerts. The Alerts page's history still lists every episode the job recorded."
)


def as_of_banner(day: date, zone: str, logged: bool = True) -> None:
    if not logged:
        st.warning(NOT_LOGGED.format(day=format_day(day)), icon=":material/history:")
    st.info(
        f"Reviewing the morning after **{format_day(day)}**: the alerts as the daily job left "
        f"them after judging that day (days in **{zone}**), with the acknowledgements and "
        "resolutions recorded by the end of the next day. Pick the latest day to return to "
        "today's review.",
        icon=":material/history:",
    )
