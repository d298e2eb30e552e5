"""The Alerts page's closure forms: acknowledge (with a note and an action link), resolve by
hand with a reason, and feedback on an episode. The author is the signed-in identity (or, in
local mode without sign-in, the name typed); the store records it, its role and the time, in the
audit log too. Writes go through `alerts.state` (`alert_store.acknowledge`, `closure.resolve`,
`closure.give_feedback`). The page shows these forms to operators and admins only."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from alerts.state import alert_store, closure
from alerts.state.alert_status import ledger_lifecycle
from dashboard.builders.access import Access
from dashboard.builders.episode_rows import episode_label
from dashboard.builders.plain_text import markdown_literal
from dashboard.context import PageContext
from dashboard.sections.sign_in import author_input
from metrics.errors import UserError
from metrics.presentation import describe_slice, format_day

FLASH = "alerts_flash"
REASONS = {
    "action_taken": "Action taken: the cause was dealt with",
    "false_alarm": "False alarm: nothing was wrong",
    "expected": "Expected: e.g. a planned policy change",
}
VERDICTS = {"useful": "Useful", "not_useful": "Not useful"}


def alert_label(ctx: PageContext, row: pd.Series) -> str:
    since = pd.Timestamp(row["firing_since"]).date() if pd.notna(row["firing_since"]) else None
    state = ledger_lifecycle(row, pd.Timestamp(row["as_of"]).date())
    return (
        f"{ctx.label(row['metric_id'])} · {describe_slice(row['slice'])} · "
        f"{state.label} since {format_day(since)} (rule {row['rule_id']})"
    )


def _done(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


def _attempt(write: Callable[[], object]) -> bool:
    try:
        write()
    except UserError as exc:
        st.error(markdown_literal(exc))
        return False
    return True


def acknowledge_form(ctx: PageContext, firing: pd.DataFrame, access: Access) -> None:
    firing = firing.reset_index(drop=True)
    with st.form("acknowledge", clear_on_submit=False):
        st.caption("Acknowledging says someone is on it: no reminders until the alert resolves.")
        choice = st.selectbox(
            "Alert",
            list(range(len(firing))),
            format_func=lambda i: alert_label(ctx, firing.iloc[int(i)]),
            key="ack_alert",
        )
        author = author_input(access, "ack_author")
        note = st.text_area("Reason / what is being done (required)", key="ack_note")
        url = st.text_input(
            "Action link (optional): the ticket or page of what is being done",
            key="ack_url",
            placeholder="https://tickets.example.com/GOV-123",
            help="An http:// or https:// address; it shows as a link in the history.",
        )
        if not st.form_submit_button("Acknowledge"):
            return
    if not author.strip() or not note.strip():
        st.error("Please give your name and a reason.")
        return
    row = firing.iloc[int(choice or 0)]
    metric_id, slice_key, rule_id = row["metric_id"], row["slice"], row["rule_id"]
    if _attempt(
        lambda: alert_store.acknowledge(
            ctx.store,
            metric_id,
            slice_key,
            rule_id,
            author.strip(),
            note.strip(),
            url,
            role=access.role,
        )  # fmt: skip
    ):
        _done(f"Acknowledged {ctx.label(metric_id)} ({describe_slice(slice_key)}).")


def resolve_form(ctx: PageContext, firing: pd.DataFrame, access: Access) -> None:
    firing = firing.reset_index(drop=True)
    with st.form("resolve", clear_on_submit=False):
        st.caption(
            "Resolving by hand closes the episode: it leaves this list and the digest says "
            "nothing more about it. The data is still judged: a breach after the indicator "
            "recovers starts a new episode."
        )
        choice = st.selectbox(
            "Alert",
            list(range(len(firing))),
            format_func=lambda i: alert_label(ctx, firing.iloc[int(i)]),
            key="res_alert",
        )
        reason = st.radio(
            "Reason", list(REASONS), format_func=REASONS.__getitem__, key="res_reason"
        )
        note = st.text_area("What was done, or why (required)", key="res_note")
        author = author_input(access, "res_author")
        if not st.form_submit_button("Resolve"):
            return
    if not author.strip() or not note.strip():
        st.error("Please give your name and a note.")
        return
    row = firing.iloc[int(choice or 0)]
    metric_id, slice_key, rule_id = row["metric_id"], row["slice"], row["rule_id"]
    episode = pd.Timestamp(row["firing_since"]).date()
    if _attempt(
        lambda: closure.resolve(
            ctx.store,
            metric_id,
            slice_key,
            rule_id,
            str(reason),
            note.strip(),
            author.strip(),
            episode,
            role=access.role,
        )  # fmt: skip
    ):
        _done(f"Resolved {ctx.label(metric_id)} ({describe_slice(slice_key)}).")


def feedback_form(ctx: PageContext, episodes: pd.DataFrame, access: Access) -> None:
    """`episodes`: history rows (newest last), the ones offered for feedback."""
    records = episodes.iloc[::-1].to_dict("records")
    with st.form("feedback", clear_on_submit=False):
        st.caption(
            "Was the alert worth raising? The false-alarm share below counts the episodes "
            "judged not useful."
        )
        choice = st.selectbox(
            "Alert episode",
            list(range(len(records))),
            format_func=lambda i: episode_label(records[int(i)], ctx.label),
            key="fb_episode",
        )
        verdict = st.radio(
            "Verdict", list(VERDICTS), format_func=VERDICTS.__getitem__, key="fb_verdict",
            horizontal=True,
        )  # fmt: skip
        note = st.text_input("Why (optional)", key="fb_note")
        author = author_input(access, "fb_author")
        if not st.form_submit_button("Save feedback"):
            return
    if not author.strip():
        st.error("Please give your name.")
        return
    rec = records[int(choice or 0)]
    if _attempt(
        lambda: closure.give_feedback(
            ctx.store,
            rec["metric_id"],
            rec["slice"],
            rec["rule_id"],
            str(verdict),
            author.strip(),
            note,
            rec["firing_since"],
            role=access.role,
        )  # fmt: skip
    ):
        _done(f"Feedback saved: {VERDICTS[str(verdict)].lower()}.")
