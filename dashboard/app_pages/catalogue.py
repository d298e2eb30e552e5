"""Catalogue: every indicator's definition, SQL, owner and runbook and the thresholds in force,
and a what-if that shows the episodes other limits would have raised."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.builders.status import describe_target
from dashboard.builders.view import first_value
from dashboard.context import PageContext, page_context
from dashboard.data.rules import rule_versions, threshold
from dashboard.sections.runbook import indicator_contact, runbook_details
from dashboard.sections.what_if import what_if_section
from metrics.catalogue import MetricDefinition
from metrics.presentation import area_label, describe_slice_pattern, format_value

BETTER = {"higher": "higher is better", "lower": "lower is better", None: "no good direction"}


def _summary(ctx: PageContext, definitions: list[MetricDefinition]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Indicator": [m.label for m in definitions],
            "Headline": [m.headline for m in definitions],
            "What it measures": [m.description for m in definitions],
            "Unit": [m.unit for m in definitions],
            "Better": [BETTER.get(m.better, "") for m in definitions],
            "Owner area": [area_label(m.owner_area) for m in definitions],
            "Owner": [indicator_contact(m).owner for m in definitions],
            "Platform threshold": [
                describe_target(threshold(m.id, "all", ctx.report_day), m.kind) for m in definitions
            ],
            "Id": [m.id for m in definitions],
        }
    )


def thresholds_as_values(rules: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Limits read like the indicator's values (97.0%, never 0.97), as on every other page;
    the slices a rule covers as people read them (`whole platform; every market`, never
    `all, market=*`)."""
    out = rules.copy()
    for column in ("warning", "critical"):
        if column in out:
            out[column] = [format_value(kind, v) for v in out[column]]
    if "slices" in out:
        out["slices"] = [slices_text(str(patterns)) for patterns in out["slices"]]
    return out


def slices_text(patterns: str) -> str:
    """`all, market=*` (the rule table's patterns, comma-space separated) -> `whole platform;
    every market`. A `;` between patterns: a pattern's own parts are joined by ` · `."""
    return "; ".join(describe_slice_pattern(p) for p in patterns.split(", ") if p)


def _details(ctx: PageContext, definition: MetricDefinition) -> None:
    st.markdown(definition.description)
    dims = ", ".join(d.replace("_l1", "").replace("_", " ") for d in definition.dimensions)
    needs = (
        f" · **Needs:** the {', '.join(definition.requires)} export" if definition.requires else ""
    )
    st.markdown(
        f"**Kind:** {definition.kind} · **Unit:** {definition.unit} · "
        f"**{BETTER.get(definition.better, '')}** · "
        f"**Owner area:** {area_label(definition.owner_area)} · "
        f"**Slices:** whole platform, by {dims}{needs} · **Version:** {definition.fingerprint}"
    )
    runbook_details(definition)
    if definition.id not in ctx.slices:
        st.caption("Not computed in this store.")
    rules = rule_versions(definition.id, ctx.report_day)
    if rules.empty:
        st.caption("No threshold rule: judged by the anomaly detector only.")
    else:
        st.markdown("**Threshold rules** (every version; `in force` marks the one judging today)")
        st.dataframe(thresholds_as_values(rules, definition.kind), hide_index=True)
    st.markdown("**SQL** (runs over the exports; the engine adds slices and days)")
    st.code(definition.sql.strip(), language="sql")


ctx = page_context()
st.title("Indicator catalogue")
st.caption(
    "What every indicator means, how it is computed, who owns it and which thresholds judge "
    f"it (as in force on {ctx.report_day:%d %b %Y}). Open an indicator below for its SQL and "
    "the history of its thresholds."
)
query = st.text_input("Filter", placeholder="e.g. complaint, notice and action", key="cat_filter")
wanted = first_value(st.query_params.to_dict(), "metric")
shown = [
    m
    for m in sorted(ctx.catalogue, key=lambda m: (not m.headline, m.label))
    if not query
    or query.lower() in f"{m.id} {m.label} {area_label(m.owner_area)} {m.description}".lower()
]
st.dataframe(
    _summary(ctx, shown),
    hide_index=True,
    column_config={
        "Headline": st.column_config.CheckboxColumn("Headline", help="shown on the overview"),
        "What it measures": st.column_config.TextColumn(width="large"),
    },
)
for definition in shown:
    title = f"{definition.label} (`{definition.id}`)"
    with st.expander(title, expanded=definition.id == wanted):
        _details(ctx, definition)

what_if_section(ctx)
