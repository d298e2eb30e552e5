"""The Catalogue's what-if: change a threshold rule's limits and see, on one trend, the alert
episodes it would have raised, beside those of the rule in force. The backtest behind it is
`govkpi alerts backtest`'s (`dashboard.data.what_if`); nothing is saved."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from alerts.rules.rulebook import RuleBook
from alerts.rules.rules_file import Rule
from dashboard.builders.alert_rows import rule_name
from dashboard.builders.view import first_value
from dashboard.builders.what_if import (
    limits_problem,
    shown_limit,
    stored_limit,
    what_if_figure,
)
from dashboard.context import PageContext
from dashboard.data import queries
from dashboard.data.rules import rulebook
from dashboard.data.what_if import what_if
from metrics.metric_store import parse_slice
from metrics.presentation import (
    describe_slice,
    describe_slice_pattern,
    format_day,
    format_period,
    format_value,
    plural,
    sentence,
)

DEFAULT_DAYS = 90


def _rules(ctx: PageContext, book: RuleBook) -> list[Rule]:
    """Threshold rules of indicators the store holds, headline indicators first."""
    order = {m: i for i, m in enumerate(ctx.metric_ids)}
    found = [r for r in book.rules if r.metric_id in order and r.versions[-1][1] is not None]
    return sorted(found, key=lambda r: (order[r.metric_id], r.rule_id))


def _rule_text(ctx: PageContext, rule: Rule) -> str:
    patterns = "; ".join(
        describe_slice_pattern(",".join(f"{d}={v}" for d, v in p.dims) or "all")
        for p in rule.patterns
    )
    return (
        f"{ctx.label(rule.metric_id)} · rule {rule_name(rule.rule_id, rule.metric_id)} ({patterns})"
    )


def _slices(ctx: PageContext, rule: Rule) -> list[str]:
    present = ctx.slices.get(rule.metric_id, [])
    mine = [s for s in present if rule.specificity_for(parse_slice(s)) is not None]
    return sorted(mine, key=lambda s: (s != "all", s))


def _episode_rows(episodes: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Firing since": [format_day(d) for d in episodes["firing_since"]],
            "Resolved on": [
                format_day(d) if d is not None and not pd.isna(d) else "still firing"
                for d in episodes["resolved_on"]
            ],
            "Severity": episodes["severity"].fillna(""),
            "Days firing": [plural(int(n), "day") for n in episodes["alert_days"].fillna(0)],
        }
    )


def what_if_section(ctx: PageContext) -> None:
    st.subheader("What if: try other limits")
    st.caption(
        "Change a threshold rule's warning and critical limits and see the alert episodes the "
        "rule would have raised on one trend, as if the daily job had run every day of the "
        "period (the same replay as `govkpi alerts backtest`). Nothing is saved: to change a "
        "limit for real, add a version to the rules file."
    )
    book = rulebook()
    rules = _rules(ctx, book) if book is not None else []
    if book is None or not rules:
        st.caption("No threshold rule to try: the rules file cannot be read or has none.")
        return
    # A link to the catalogue with ?metric=ID opens the what-if on that indicator's rule.
    wanted = first_value(st.query_params.to_dict(), "metric")
    first = next((i for i, r in enumerate(rules) if r.metric_id == wanted), 0)
    left, middle, right = st.columns([3, 2, 2])
    index = left.selectbox(
        "Rule",
        list(range(len(rules))),
        index=first,
        format_func=lambda i: _rule_text(ctx, rules[int(i)]),
        key="wi_rule",
    )
    rule = rules[int(index or 0)]
    slices = _slices(ctx, rule) or ["all"]
    slice_key = str(middle.selectbox("Slice", slices, format_func=describe_slice, key="wi_slice"))
    end = ctx.report_day
    start = max(ctx.first_day, end - timedelta(days=DEFAULT_DAYS - 1))
    picked = right.date_input(
        "Period",
        value=(start, end),
        min_value=ctx.first_day,
        max_value=ctx.report_day,
        key="wi_period",
        format="YYYY-MM-DD",
    )
    if isinstance(picked, tuple | list) and len(picked) == 2:
        start, end = picked[0], picked[1]
    definition = ctx.definition(rule.metric_id)
    kind = definition.kind if definition else "rate"
    in_force = book.threshold_for(rule.metric_id, slice_key, end)
    _limits_form(ctx, book, rule, slice_key, start, end, kind, in_force)


def _limits_form(
    ctx: PageContext,
    book: RuleBook,
    rule: Rule,
    slice_key: str,
    start: date,
    end: date,
    kind: str,
    in_force: object,
) -> None:
    definition = ctx.definition(rule.metric_id)
    unit = "%" if kind == "share" else (definition.unit if definition else "")
    bad = "below" if rule.side == "below" else "above"
    key = f"{rule.rule_id}|{slice_key}"  # new defaults when another rule or slice is picked
    with st.form("what_if"):
        st.caption(
            f"In force on {format_day(end)}: warning "
            f"{_limit_text(getattr(in_force, 'warning', None), kind)}, critical "
            f"{_limit_text(getattr(in_force, 'critical', None), kind)}; bad is {bad}."
        )
        one, two = st.columns(2)
        warning = one.number_input(
            f"Warning limit ({unit})",
            value=shown_limit(kind, getattr(in_force, "warning", None)),
            step=0.1,
            format="%.2f",
            key=f"wi_warning|{key}",
        )
        critical = two.number_input(
            f"Critical limit ({unit})",
            value=shown_limit(kind, getattr(in_force, "critical", None)),
            step=0.1,
            format="%.2f",
            key=f"wi_critical|{key}",
        )
        st.form_submit_button("Show the episodes")
    stored_warning, stored_critical = stored_limit(kind, warning), stored_limit(kind, critical)
    problem = limits_problem(kind, rule.side, stored_warning, stored_critical)
    if problem:
        st.error(problem)
        return
    found = what_if(
        ctx.store, book, rule.rule_id, rule.metric_id, slice_key, start, end,
        stored_warning, stored_critical,
    )  # fmt: skip
    one, two = st.columns(2)
    one.metric(
        "Episodes with these limits",
        len(found.changed),
        delta=len(found.changed) - len(found.in_force),
        delta_color="off",
        delta_description="against the rule in force",
    )
    two.metric("Episodes with the rule in force", len(found.in_force))
    series = queries.series(ctx.store, rule.metric_id, slice_key, start, end)
    st.plotly_chart(
        what_if_figure(series, kind, stored_warning, stored_critical, found.changed,
                       found.in_force),
        key="wi_chart",
    )  # fmt: skip
    st.caption(
        f"{sentence(describe_slice(slice_key))}, {format_period(start, end)}: shaded, the "
        f"{plural(len(found.changed), 'episode')} these limits would have raised (firing days, "
        "recovering included); grey along the bottom, those of the rule in force."
    )
    if not found.changed.empty:
        st.dataframe(_episode_rows(found.changed), hide_index=True)


def _limit_text(value: float | None, kind: str) -> str:
    return "none" if value is None else format_value(kind, value)
