"""Alerts: what is firing (or was, on a past morning), the history of alert episodes and the
team's response, silences; acknowledge, resolve, give feedback and silence from here."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import streamlit as st

from alerts.state import alert_store
from alerts.state.silences import silence_end
from dashboard.builders.access import Access
from dashboard.builders.alert_rows import breach_requests, firing_rows, rule_name
from dashboard.builders.link_table import link_table_markdown
from dashboard.builders.plain_text import markdown_literal
from dashboard.context import PageContext, page_context
from dashboard.data import ledger as alert_access
from dashboard.data.store import dashboard_settings
from dashboard.sections.alert_history import history_section, response_section
from dashboard.sections.as_of import as_of_banner, as_of_day, as_of_picker
from dashboard.sections.audit import audit_section
from dashboard.sections.closure_forms import (
    FLASH,
    acknowledge_form,
    feedback_form,
    resolve_form,
)
from dashboard.sections.sign_in import author_input, operator_only, page_access
from metrics.errors import UserError
from metrics.presentation import (
    describe_slice,
    format_time,
    format_value,
    view_path,
)


def _kind(ctx: PageContext, metric_id: str) -> str:
    definition = ctx.definition(metric_id)
    return definition.kind if definition else "rate"


def _trend_link(ctx: PageContext, metric_id: str, slice_key: str, day: date) -> str:
    return view_path(metric_id, slice_key, day - timedelta(days=89), day)


def _firing_table(ctx: PageContext, firing: pd.DataFrame, day: date) -> pd.DataFrame:
    firing = firing.reset_index(drop=True)
    requests = breach_requests(firing)
    facts = alert_access.breach_facts(ctx.store, requests)
    # The detector's alerts say which test fired and since when, as the digest card does.
    stories = alert_access.change_stories(ctx.store, requests)
    table = firing_rows(firing, facts, ctx.definition, stories)
    links = [
        _trend_link(ctx, m, s, day)
        for m, s in zip(firing["metric_id"], firing["slice"], strict=True)
    ]
    table.insert(2, "Trend", links)
    table["Action link"] = [u if isinstance(u, str) else "" for u in firing["ack_url"]]
    # A column with nothing in any row only narrows the others (the caption still says what
    # it would hold): the table keeps to what these alerts have.
    blank = [c for c in OPTIONAL_COLUMNS if c in table and not _has_text(table[c])]
    return table.drop(columns=blank)


OPTIONAL_COLUMNS = ("Change", "Acknowledged by", "Action link")


def _has_text(column: pd.Series) -> bool:
    return bool(column.map(lambda v: isinstance(v, str) and bool(v.strip())).any())


# The table is Markdown (its links open in place), so the column help is a caption below it.
STATE_HELP = (
    "State: new (started firing today); still firing; escalated (worse than yesterday); "
    "recovering (good again, not yet for long enough); no data (the latest day is missing or "
    "incomplete: the alert stays as it was until data arrives). The digest email uses the same "
    "words. Last breach: the last day that breached, its value and what it breached. Change: "
    "for the statistical detector, which test fired and since when (a one-day spike, a spike "
    "over several days, a shift, a slow ramp, a volume collapse), as in the digest. Rule: the "
    "threshold rule's name (its id is the indicator's id, a dot and the name), or “anomaly” "
    "for the statistical detector. Change, Acknowledged by and Action link are shown when an "
    "alert has one."
)


def silence_problems(metric_pattern: str, slice_pattern: str, until: object, author: str,
                     reason: str) -> list[str]:  # fmt: skip
    """What keeps a silence from being added. There is no default matcher: a silence of every
    alert for a week must be asked for, never left in place by a click."""
    problems = []
    if not metric_pattern.strip() and not slice_pattern.strip():
        problems.append(
            "Choose what to silence: an indicator pattern, a slice pattern or both "
            "(type `*` in one of them to match every alert on purpose)."
        )
    if until is None:
        problems.append("Choose the last day of the silence.")
    if not author.strip() or not reason.strip():
        problems.append("Please give your name and a reason.")
    return problems


def _silence_form(ctx: PageContext, access: Access) -> None:
    zone = dashboard_settings().zone  # the reporting zone, as `govkpi alerts silence --until`
    today = datetime.now(zone).date()
    with st.form("silence", clear_on_submit=False):
        st.caption(
            "A silence stops notifications (not evaluation) for every alert whose indicator "
            "and slice match the patterns, until the end of the chosen day. A pattern left "
            "empty matches everything, so at least one must be given."
        )
        left, right = st.columns(2)
        metric_pattern = left.text_input(
            "Indicator pattern",
            key="sil_metric",
            placeholder="e.g. complaint_rate or *_rate",
            help="An indicator id or a glob, e.g. `complaint_rate` or `*_rate`.",
        )
        slice_pattern = right.text_input(
            "Slice pattern",
            key="sil_slice",
            placeholder="e.g. market=ES* or all",
            help="A slice or a glob, e.g. `market=ES*` or `all` (the whole platform).",
        )
        until_day = st.date_input(
            f"Silence until the end of this day ({zone.key} time)",
            value=None,
            min_value=today,
            key="sil_until",
            format="YYYY-MM-DD",
        )
        author = author_input(access, "sil_author")
        reason = st.text_area("Reason (required)", key="sil_reason")
        if not st.form_submit_button("Add silence"):
            return
    problems = silence_problems(metric_pattern, slice_pattern, until_day, author, reason)
    if problems:
        st.error(" ".join(problems))
        return
    assert isinstance(until_day, date)
    until = silence_end(until_day, zone)
    try:
        silence_id = alert_store.add_silence(
            ctx.store,
            metric_pattern.strip() or "*",
            slice_pattern.strip() or "*",
            until,
            reason.strip(),
            author.strip(),
            role=access.role,
        )
    except UserError as exc:
        st.error(markdown_literal(exc))
        return
    st.session_state[FLASH] = f"Silence {silence_id} added until {until_day.isoformat()}."
    st.rerun()


def _expire_form(ctx: PageContext, silences: pd.DataFrame, access: Access) -> None:
    with st.form("expire"):
        choice = st.selectbox(
            "Silence",
            list(silences["silence_id"]),
            key="exp_id",
            format_func=lambda sid: _silence_label(silences, sid),
        )
        author = author_input(access, "exp_author")
        if not st.form_submit_button("End silence"):
            return
    if not author.strip():
        st.error("Please give your name.")
        return
    try:
        alert_store.expire_silence(ctx.store, str(choice), author.strip(), role=access.role)
    except UserError as exc:
        st.error(markdown_literal(exc))
        return
    st.session_state[FLASH] = f"Silence {choice} ended."
    st.rerun()


def _silence_label(silences: pd.DataFrame, silence_id: str) -> str:
    row = silences[silences["silence_id"] == silence_id].iloc[0]
    until = pd.Timestamp(row["until"])
    return f"{row['metric_pattern']} / {row['slice_pattern']} until {until:%Y-%m-%d}"


def _silence_table(silences: pd.DataFrame) -> pd.DataFrame:
    zone = dashboard_settings().zone
    return pd.DataFrame(
        {
            "Indicators": silences["metric_pattern"],
            "Slices": silences["slice_pattern"],
            "Until": [
                format_time(until.to_pydatetime(), zone)
                for until in pd.to_datetime(silences["until"], utc=True)
            ],
            "Reason": silences["reason"],
            "By": silences["author"],
            "Id": silences["silence_id"],
        }
    )


def _word(state: str) -> str:
    """A ledger state as people read it (`no_data` -> `no data`)."""
    return str(state).replace("_", " ")


def _history_table(ctx: PageContext, history: pd.DataFrame) -> pd.DataFrame:
    kinds = [_kind(ctx, m) for m in history["metric_id"]]
    return pd.DataFrame(
        {
            "Day": pd.to_datetime(history["date"]).dt.date,
            "Indicator": [ctx.label(m) for m in history["metric_id"]],
            "Slice": [describe_slice(s) for s in history["slice"]],
            "Rule": [
                rule_name(r, m)
                for r, m in zip(history["rule_id"], history["metric_id"], strict=True)
            ],
            "Change": [
                f"{_word(a) if a else 'new'} → {_word(b)}"
                for a, b in zip(history["state_before"], history["state"], strict=True)
            ],
            "Severity": history["severity"].fillna(""),
            "Value": [format_value(k, v) for v, k in zip(history["observed"], kinds, strict=True)],
        }
    )


ctx = page_context()
access = page_access()
st.title("Alerts")
st.caption(
    "Alerts fire when an indicator breaks its threshold or moves outside its expected range "
    "for long enough; they resolve after enough good days. Acknowledging stops reminders; "
    "resolving by hand closes an episode; a silence stops notifications for matching alerts "
    "until a date."
)
if FLASH in st.session_state:
    st.success(markdown_literal(st.session_state.pop(FLASH)))
as_of = as_of_day(ctx)
zone = dashboard_settings().zone
as_of_picker(ctx, as_of, "alerts_as_of")
if as_of is not None:
    as_of_banner(as_of, zone.key, alert_access.logged(ctx.store, as_of))
firing = (
    alert_access.firing(ctx.store)
    if as_of is None
    else alert_access.as_of(ctx.store, as_of, zone.key)
)
history = alert_access.history(ctx.store)
silences = alert_access.silences(ctx.store)
if firing is None or history is None:
    st.info("The alert tables cannot be read yet. Run `govkpi alerts run` to evaluate the alerts.")
    st.stop()
if firing.empty and history.empty:
    st.info("No alert evaluation has run on this store yet: run `govkpi alerts run`.")

shown_day = as_of or ctx.report_day
if as_of is None:
    st.subheader(f"Firing now ({len(firing)})")
else:
    st.subheader(f"Firing and pending that morning ({len(firing)})")
if firing.empty:
    st.success("No alert is firing." if as_of is None else "No alert was firing or pending.")
else:
    st.markdown(
        link_table_markdown(
            _firing_table(ctx, firing, shown_day),
            {"Trend": "Open trend"},
            external=("Action link",),
        ),
        unsafe_allow_html=True,
    )
    st.caption(STATE_HELP)
    if as_of is None and operator_only(access, "Acknowledging or resolving an alert"):
        with st.expander("Acknowledge an alert", icon=":material/task_alt:"):
            acknowledge_form(ctx, firing, access)
        with st.expander("Resolve an alert by hand", icon=":material/check_circle:"):
            resolve_form(ctx, firing, access)

st.subheader(f"Silences in force ({0 if silences is None else len(silences)})")
if silences is not None and not silences.empty:
    st.dataframe(_silence_table(silences), hide_index=True)
    if access.can_act:
        with st.expander("End a silence early", icon=":material/notifications_active:"):
            _expire_form(ctx, silences, access)
else:
    st.caption("No silence is in force.")
if operator_only(access, "Adding or ending a silence"):
    with st.expander("Add a silence", icon=":material/notifications_off:"):
        _silence_form(ctx, access)

searched = history_section(ctx)
if searched is not None:
    episodes, found = searched
    if not episodes.empty and operator_only(access, "Giving feedback on an alert"):
        with st.expander("Give feedback on an alert", icon=":material/thumbs_up_down:"):
            feedback_form(ctx, episodes, access)
    response_section(ctx, found)

st.subheader("State changes")
if history.empty:
    st.caption("No state change recorded yet.")
else:
    st.caption(
        "Newest first (the latest 500): each time an alert moved between normal, pending, "
        "firing, recovering and no data."
    )
    st.dataframe(
        _history_table(ctx, history),
        hide_index=True,
        # Dates stay dates (the column sorts), shown as every other page writes a day.
        column_config={"Day": st.column_config.DateColumn(format="ddd DD MMM YYYY")},
    )

if access.can_audit:
    audit_section(ctx)
