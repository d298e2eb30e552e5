"""Figures and tables of the Compliance page's SLA clocks: pure builders over the open cases
(`metrics.deadlines`), no Streamlit, no store access."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard.builders.periods import pooled_series_value
from metrics.catalogue import MetricDefinition
from metrics.deadlines.time_left import BUCKET_LABELS
from metrics.presentation import (
    MISSING,
    plural,
    value_with_count,
    view_path,
)

# Overdue red, due within 24 h amber, then calmer as the deadline is further away.
BUCKET_COLOURS = dict(zip(BUCKET_LABELS, ("#c1121f", "#f0a202", "#f6d58e", "#b8c4d6"), strict=True))


def _label(value: object) -> str:
    return str(value).replace("_", " ")


def time_left_figure(counts: pd.DataFrame, by: str) -> go.Figure:
    """Open cases per value of `by` (rows of `time_left_counts`), stacked by time left; the
    busiest on top. Every hover names the count and the bucket."""
    rows = counts.sort_values("open", ascending=True)
    names = [_label(v) for v in rows[by]]
    fig = go.Figure()
    for bucket in BUCKET_LABELS:
        fig.add_bar(
            y=names,
            x=rows[bucket],
            name=bucket,
            orientation="h",
            marker_color=BUCKET_COLOURS[bucket],
            customdata=[plural(n, "open complaint") for n in rows[bucket]],
            hovertemplate="%{y}: %{customdata} " + bucket + "<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=max(220, 28 * len(rows) + 110),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "traceorder": "normal"},
        template="plotly_white",
        xaxis_title="open complaints",
    )
    return fig


def time_left_table(counts: pd.DataFrame) -> pd.DataFrame:
    """Market x channel counts as people read them (headers with their meaning)."""
    out = pd.DataFrame(
        {
            "Market": counts["market"].astype(str),
            "Channel": [_label(c) for c in counts["channel"]],
        }
    )
    for bucket in BUCKET_LABELS:
        out[bucket.capitalize()] = counts[bucket].astype(int).to_numpy()
    out["Open"] = counts["open"].astype(int).to_numpy()
    return out


# What a reader acts on first comes first; status and zone are said by the page around it.
SHOWN_COLUMNS = (
    "complaint_id", "hours_left", "deadline", "market", "channel", "issue_type", "clock",
    "received_at", "listing_id",
)  # fmt: skip


def at_risk_view(table: pd.DataFrame) -> pd.DataFrame:
    """The at-risk list as the page shows it: the file's columns (less status and zone, which
    the page's headings and caption give), channel and issue type in words; hours left stays a
    number so the column sorts as one."""
    shown = table.loc[:, list(SHOWN_COLUMNS)].copy()
    shown["channel"] = [_label(v) for v in shown["channel"]]
    shown["issue_type"] = [_label(v) for v in shown["issue_type"]]
    return shown.reset_index(drop=True)


def accuracy_rows(
    definitions: list[MetricDefinition],
    series: dict[str, pd.DataFrame],
    slice_key: str,
    start: date,
    end: date,
) -> pd.DataFrame:
    """One row per indicator: its value pooled over the period with the cases behind it, the
    latest day's value, and a link to its trend (a relative dashboard path)."""
    rows = []
    for definition in definitions:
        frame = series.get(definition.id, pd.DataFrame())
        if frame.empty:
            rows.append(
                {"Indicator": definition.label, "Over the period": MISSING,
                 "Latest day": MISSING, "Trend": ""}
            )  # fmt: skip
            continue
        pooled = pooled_series_value(frame, definition.kind, definition.scale)
        cases = frame["denominator"].astype(float).sum()
        last = frame.iloc[-1]
        latest = (
            value_with_count(
                definition.kind, last["value"], last["denominator"], definition.case_noun
            )
            if last["denominator"]
            else f"no {definition.case_noun}s"
        )
        rows.append(
            {
                "Indicator": definition.label,
                "Over the period": value_with_count(
                    definition.kind, pooled, cases, definition.case_noun
                ),
                "Latest day": f"{latest} ({pd.Timestamp(last['date']):%d %b})",
                "Trend": view_path(definition.id, slice_key, start, end),
            }
        )
    return pd.DataFrame(rows, columns=["Indicator", "Over the period", "Latest day", "Trend"])
