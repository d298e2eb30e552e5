"""Plotly figures built by pure functions from data frames: no Streamlit, no store access."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.presentation import describe_slice, format_delta, format_value

VALUE = "#1f3b73"
EXPECTED = "#6b7a8f"
BAND = "rgba(92, 142, 214, 0.18)"
PREVIOUS = "#a0a7b4"
ALERT = "#d62728"
UNUSUAL = "#ff9f1c"
WARNING = "#f0a202"
CRITICAL = "#c1121f"


def plotly_tick_format(kind: str) -> str | None:
    """The axis tick format (d3) of a chart of this kind: shares as percentages."""
    return ".1%" if kind == "share" else None


def value_texts(values: pd.Series, kind: str) -> list[str]:
    """Hover texts formatted by the presentation layer, so a hover reads as the tables do."""
    return [format_value(kind, v) for v in values]


def line_layout(fig: go.Figure, kind: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hovermode="x unified",
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "traceorder": "normal",
        },
        template="plotly_white",
    )
    fig.update_yaxes(tickformat=plotly_tick_format(kind), rangemode="normal")
    return fig


def heatmap_figure(
    grid: pd.DataFrame, kind: str, better: str | None, reference: float | None = None
) -> go.Figure:
    """Market (columns) x category (rows); red is worse than `reference` (the whole platform),
    green better, so the colour says the same thing whatever the spread of the cells."""
    table = grid.pivot_table(index="category_l1", columns="market", values="value", aggfunc="first")
    scale, zmin, zmax = _anchored_scale(table, better, reference)
    text = table.map(lambda v: "" if pd.isna(v) else format_value(kind, v))
    fig = go.Figure(
        go.Heatmap(
            z=table.values,
            x=list(table.columns),
            y=list(table.index),
            colorscale=scale,
            zmin=zmin,
            zmax=zmax,
            text=text.values,
            texttemplate="%{text}",
            hoverongaps=False,
            hovertemplate="market %{x} · %{y}: %{text}<extra></extra>",
            colorbar={"tickformat": plotly_tick_format(kind)},
        )
    )
    fig.update_layout(
        height=max(260, 36 * len(table.index) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "market", "side": "top"},
        yaxis={"title": "category", "autorange": "reversed"},
        template="plotly_white",
    )
    return fig


def _anchored_scale(
    table: pd.DataFrame, better: str | None, reference: float | None
) -> tuple[list[list[object]] | str, float | None, float | None]:
    """Colour scale and range with yellow at the reference value, so a cell's colour says
    better or worse than the platform (plotly's zmid would stretch the range symmetrically
    and show impossible negative shares)."""
    values = table.to_numpy(dtype=float)
    if not better or np.isnan(values).all():
        return "Blues", None, None
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if reference is not None and not np.isnan(reference):
        low, high = min(low, reference), max(high, reference)
    if high <= low:
        high = low + max(abs(low) * 0.01, 1e-6)
    good, bad = "#1a9850", "#d73027"
    low_colour, high_colour = (bad, good) if better == "higher" else (good, bad)
    middle = 0.5 if reference is None else (reference - low) / (high - low)
    if middle <= 0.0:
        return [[0.0, "#ffffbf"], [1.0, high_colour]], low, high
    if middle >= 1.0:
        return [[0.0, low_colour], [1.0, "#ffffbf"]], low, high
    return [[0.0, low_colour], [middle, "#ffffbf"], [1.0, high_colour]], low, high


def contribution_figure(contributors: pd.DataFrame, kind: str) -> go.Figure:
    """Each slice's share of the change, split into rate effect and mix (volume) effect."""
    df = contributors.iloc[::-1]
    labels = [describe_slice(s) for s in df["child_slice"]]
    if df["rate_effect"].isna().all():  # counts: no rate/mix split, just the change
        bars = [("contribution", "Change", VALUE, "change")]
    else:
        bars = [
            ("rate_effect", "Rate effect (its own value moved)", VALUE, "rate effect"),
            ("mix_effect", "Mix effect (its volume moved)", UNUSUAL, "mix effect"),
        ]
    fig = go.Figure()
    for column, name, color, hover in bars:
        fig.add_trace(
            go.Bar(
                y=labels,
                x=df[column],
                orientation="h",
                name=name,
                marker_color=color,
                hovertemplate=f"{hover} %{{text}}<extra></extra>",
                text=[format_delta(kind, v) for v in df[column]],
                textposition="none",
            )
        )
    return _bar_layout(fig, kind, len(df))


def _bar_layout(fig: go.Figure, kind: str, bars: int) -> go.Figure:
    fig.update_layout(
        barmode="relative",
        height=max(220, 48 * bars + 100),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        template="plotly_white",
    )
    fig.update_xaxes(tickformat=plotly_tick_format(kind), zeroline=True, zerolinecolor="#888")
    return fig


def export_rows_figure(rows_per_day: pd.DataFrame) -> go.Figure:
    """Rows per day in each export: a gap or a cliff shows a late or broken export."""
    fig = go.Figure()
    for table, group in rows_per_day.groupby("table", sort=True):
        fig.add_trace(go.Scatter(x=group["date"], y=group["rows"], mode="lines", name=str(table)))
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        hovermode="x unified",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        template="plotly_white",
        yaxis={"title": "rows per day", "rangemode": "tozero"},
    )
    return fig
