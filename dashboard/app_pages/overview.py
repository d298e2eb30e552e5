"""Overview: the governance lead's five-minute morning review."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from alerts.state.alert_status import ledger_lifecycle
from dashboard.builders.link_table import link_table_markdown
from dashboard.builders.overview_data import (
    SPARK_DAYS,
    headline_card,
    split_firing,
    split_flagged,
)
from dashboard.builders.plain_text import markdown_literal
from dashboard.builders.status import BADGE_COLOR, badge_markdown, describe_target
from dashboard.context import PageContext, page_context
from dashboard.data import ledger as alert_access
from dashboard.data import queries
from dashboard.data.rules import rated, threshold
from dashboard.data.store import dashboard_settings
from dashboard.sections.as_of import as_of_banner, as_of_day, as_of_picker
from metrics.catalogue import MetricDefinition
from metrics.presentation import (
    MISSING,
    area_label,
    describe_slice,
    format_day,
    format_delta,
    format_value,
    is_missing,
    sentence,
    view_path,
)

CARDS_PER_ROW = 4
MAX_ROWS = 15


def _cards(ctx: PageContext, day: date) -> None:
    platform = queries.platform_series(ctx.store, day - timedelta(days=SPARK_DAYS + 7), day)
    judged = rated(platform[pd.to_datetime(platform["date"]).dt.date == day])
    headline = [m for m in ctx.catalogue if m.headline]
    for start in range(0, len(headline), CARDS_PER_ROW):
        columns = st.columns(CARDS_PER_ROW)
        for column, definition in zip(
            columns, headline[start : start + CARDS_PER_ROW], strict=False
        ):
            with column.container(border=True):
                _card(ctx, definition, platform, judged, day)


def _card(
    ctx: PageContext,
    definition: MetricDefinition,
    platform: pd.DataFrame,
    judged: pd.DataFrame,
    day: date,
) -> None:
    if definition.id not in ctx.slices:
        st.markdown(f"**{definition.label}**")
        st.caption(markdown_literal(_not_computed_reason(ctx, definition.id)))
        return
    rule = threshold(definition.id, "all", day)
    gap = ctx.data_gap(definition.id, day)
    card = headline_card(
        definition.id, definition.kind, definition.case_noun, platform, judged, day, gap
    )
    st.markdown(f"**{definition.label}**")
    st.badge(card.status.text, color=BADGE_COLOR[card.status.level])  # type: ignore[arg-type]
    delta_color = {"higher": "normal", "lower": "inverse"}.get(definition.better or "", "off")
    st.metric(
        definition.unit,
        format_value(definition.kind, card.value),
        delta=None if is_missing(card.delta) else format_delta(definition.kind, card.delta),
        delta_color=delta_color,  # type: ignore[arg-type]
        delta_description="vs same day last week",
        chart_data=card.spark or None,
        help=definition.description,
    )
    st.caption(
        f"{sentence(describe_target(rule, definition.kind))}. {sentence(card.status.reason)}."
    )
    st.page_link(
        "app_pages/indicator.py",
        label="Open trend",
        icon=":material/show_chart:",
        query_params={
            "metric": definition.id,
            "slice": "all",
            "start": (day - timedelta(days=89)).isoformat(),
            "end": day.isoformat(),
        },
    )


def _not_computed_reason(ctx: PageContext, metric_id: str) -> str:
    for item in (ctx.meta.get("skipped_metrics") or "").split(";"):
        name, _, reason = item.partition(":")
        if name.strip() == metric_id and reason.strip():
            return f"Not computed: {reason.strip()}."
    return "Not computed in this store."


def _link(metric_id: str, slice_key: str, day: date) -> str:
    return view_path(metric_id, slice_key, day - timedelta(days=89), day)


def _alert_table(
    ctx: PageContext, frame: pd.DataFrame, value_column: str, day: date
) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)

    def label(metric_id: str) -> str:
        return ctx.label(metric_id)

    out = pd.DataFrame(
        {
            "Indicator": [label(m) for m in frame["metric_id"]],
            "Slice": [describe_slice(s) for s in frame["slice"]],
        }
    )
    if "state" in frame and "as_of" in frame:  # the ledger: its state words, as everywhere
        out["State"] = [
            ledger_lifecycle(row, pd.Timestamp(row["as_of"]).date()).label
            for row in frame.to_dict("records")
        ]
    elif "severity" in frame:
        out["Severity"] = ["critical" if s == "critical" else "warning" for s in frame["severity"]]
    kinds = [d.kind if (d := ctx.definition(m)) else "rate" for m in frame["metric_id"]]
    out["Value"] = [format_value(k, v) for v, k in zip(frame[value_column], kinds, strict=True)]
    if "firing_since" in frame:
        out["Firing since"] = [
            format_day(pd.Timestamp(d).date()) if pd.notna(d) else MISSING
            for d in frame["firing_since"]
        ]
    if "acknowledged_by" in frame:
        out["Acknowledged by"] = frame["acknowledged_by"].fillna("")
    out["Trend"] = [
        _link(m, s, day) for m, s in zip(frame["metric_id"], frame["slice"], strict=True)
    ]
    return out


def _show(
    ctx: PageContext, title: str, frame: pd.DataFrame, value_column: str, empty: str, day: date
) -> None:
    st.subheader(f"{title} ({len(frame)})")
    if frame.empty:
        st.success(empty)
        return
    if "score" in frame and len(frame) > MAX_ROWS:
        frame = frame.reindex(frame["score"].abs().sort_values(ascending=False).index)
    if len(frame) > MAX_ROWS:
        st.caption(f"Showing the {MAX_ROWS} most unusual of {len(frame)}.")
        frame = frame.head(MAX_ROWS)
    table = _alert_table(ctx, frame, value_column, day)
    st.markdown(link_table_markdown(table, {"Trend": "Open trend"}), unsafe_allow_html=True)


def _firing_then(ctx: PageContext, day: date, zone: str) -> None:
    """A past morning: the ledger's snapshot after `day`, pending alerts included."""
    ledger = alert_access.as_of(ctx.store, day, zone)
    if ledger is None:
        st.info("The alert ledger cannot be read yet: run `govkpi alerts run`.")
        return
    effective = ledger["state"].where(ledger["state"] != "no_data", ledger["held_state"])
    pending = ledger[effective == "pending"]
    new, still = split_firing(ledger[effective != "pending"], day)
    _show(ctx, "Started firing that day", new, "observed", "Nothing started firing.", day)
    _show(ctx, "Still firing that morning", still, "observed", "Nothing else was firing.", day)
    _show(ctx, "Pending (breached, not firing yet)", pending, "observed", "Nothing was pending.",
          day)  # fmt: skip
    st.caption(
        f"From the alert ledger as the job left it after {day:%a %d %b %Y}. See the Alerts page "
        "for the history of every episode."
    )


def _firing(ctx: PageContext) -> None:
    firing = alert_access.firing(ctx.store)
    if firing is not None and alert_access.evaluated(ctx.store):
        latest = ctx.report_day
        if not firing.empty and "as_of" in firing:
            latest = pd.to_datetime(firing["as_of"]).max().date()
        new, still = split_firing(firing, latest)
        source = f"From the alert ledger as of {latest:%a %d %b}."
        value_column = "observed"
    else:
        day = ctx.report_day
        flagged = queries.flagged_on(ctx.store, (day - timedelta(days=1), day))
        new, still = split_flagged(flagged, day)
        source = (
            "No alert run has evaluated this store yet (`govkpi alerts run`), so these are the "
            "days the anomaly detector flagged in the bad direction."
        )
        value_column = "value"
    day = ctx.report_day
    _show(ctx, "Started firing since yesterday", new, value_column, "Nothing new since yesterday.",
          day)  # fmt: skip
    _show(ctx, "Still firing", still, value_column, "Nothing has been firing for more than a day.",
          day)  # fmt: skip
    st.caption(source + " See the Alerts page to acknowledge or silence.")


def _freshness(ctx: PageContext) -> None:
    fresh = ctx.freshness
    text = (
        f"Data as of **{fresh.as_of_text()}**. Days are calendar days in **{fresh.timezone}** "
        f"(the reporting time zone). This review judges **{ctx.report_day:%A %d %B %Y}**, the "
        "latest complete day."
    )
    if fresh.incomplete_days:
        why = fresh.incomplete_reasons
        days = ", ".join(
            f"{d:%a %d %b}" + (f" ({why[d]})" if d in why else "") for d in fresh.incomplete_days
        )
        text += f" Incomplete, still arriving: {markdown_literal(days)} (not judged yet)."
    st.info(text, icon=":material/schedule:")


ctx = page_context()
st.title("Governance overview")
as_of = as_of_day(ctx)
st.caption(
    "How the headline indicators stood on the latest complete day against their targets, "
    "what started firing since yesterday and what is still firing."
    if as_of is None
    else "How the headline indicators stood on a past day against the targets then in force, "
    "and what was firing and pending the morning after."
)
zone = dashboard_settings().zone.key
if as_of is None:
    _freshness(ctx)
else:
    as_of_banner(as_of, zone, alert_access.logged(ctx.store, as_of))
as_of_picker(ctx, as_of, "overview_as_of")
st.caption(
    f"{badge_markdown('red')} judged beyond the critical threshold · {badge_markdown('amber')} "
    "judged beyond the warning threshold (or, as Unusual, outside the range expected from "
    f"recent history) · {badge_markdown('green')} within target · {badge_markdown('grey')} too "
    "few cases to judge · Under each value: the change against the "
    "same weekday a week before (green: a change for the better, red: for the worse) and the "
    f"last {SPARK_DAYS} days."
)
_cards(ctx, as_of or ctx.report_day)
if as_of is None:
    _firing(ctx)
else:
    _firing_then(ctx, as_of, zone)
owners = sorted({area_label(m.owner_area) for m in ctx.catalogue if m.headline})
st.caption("Owner areas of the headline indicators: " + ", ".join(owners) + ".")
