"""Plotly figures built by pure functions from data frames: no Streamlit, no store access."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.presentation import format_delta, format_value, plural

VALUE = "#1f3b73"
EXPECTED = "#6b7a8f"
BAND = "rgba(92, 142, 214, 0.18)"
PREVIOUS = "#a0a7b4"
ALERT = "#d62728"
UNUSUAL = "#ff9f1c"
WARNING = "#f0a202"
CRITICAL = "#c1121f"
MUTED = "#eceef1"  # a heatmap cell with too few cases to judge


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
    grid: pd.DataFrame,
    kind: str,
    better: str | None,
    reference: float | None = None,
    noun: str = "case",
) -> go.Figure:
    """Market (columns) x category (rows); red is worse than `reference` (the whole platform),
    green better, so the colour says the same thing whatever the spread of the cells.

    Cells that are not `judged` (too few cases: `grid_table`) are grey with their count in
    brackets, never a stark 0% or 100%; every hover names the count behind the value."""
    grid = grid.copy()
    if "judged" not in grid:
        grid["judged"] = grid["value"].notna()
    if "cases" not in grid:
        grid["cases"] = np.nan
    grid["shown"] = grid["value"].where(grid["judged"].astype(bool))
    grid["muted"] = np.where(grid["value"].notna() & ~grid["judged"].astype(bool), 0.0, np.nan)
    grid["hover"] = [_cell_hover(kind, r, noun) for r in grid.to_dict("records")]
    grid["muted_text"] = [
        "" if pd.isna(c) else f"({c:,.0f})" for c in grid["cases"].where(grid["muted"].notna())
    ]

    def pivot(column: str) -> pd.DataFrame:
        return grid.pivot_table(
            index="category_l1", columns="market", values=column, aggfunc="first", dropna=False
        )

    table = pivot("shown").astype(float)
    muted = pivot("muted").reindex_like(table).astype(float)
    hover = pivot("hover").reindex_like(table).fillna("")
    muted_text = pivot("muted_text").reindex_like(table).fillna("")
    scale, zmin, zmax = _anchored_scale(table, better, reference)
    text = table.map(lambda v: "" if pd.isna(v) else format_value(kind, v))
    fig = go.Figure(
        [
            go.Heatmap(
                z=table.values,
                x=list(table.columns),
                y=list(table.index),
                colorscale=scale,
                zmin=zmin,
                zmax=zmax,
                text=text.values,
                customdata=hover.values,
                texttemplate="%{text}",
                hoverongaps=False,
                hovertemplate="%{customdata}<extra></extra>",
                colorbar={"tickformat": plotly_tick_format(kind)},
            ),
            go.Heatmap(
                z=muted.values,
                x=list(table.columns),
                y=list(table.index),
                colorscale=[[0.0, MUTED], [1.0, MUTED]],
                showscale=False,
                text=muted_text.values,
                customdata=hover.values,
                texttemplate="%{text}",
                textfont={"color": "#6b7280"},
                hoverongaps=False,
                hovertemplate="%{customdata}<extra></extra>",
                name="not judged",
            ),
        ]
    )
    fig.update_layout(
        height=max(260, 36 * len(table.index) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": "market", "side": "top"},
        yaxis={"title": "category", "autorange": "reversed"},
        template="plotly_white",
    )
    return fig


def _cell_hover(kind: str, cell: dict, noun: str) -> str:
    """`market ES · toys: 97.0% · 120 removals`, and `too few to judge` below the minimum."""
    where = f"market {cell['market']} · {str(cell['category_l1']).replace('_', ' ')}"
    if pd.isna(cell["value"]):
        return f"{where}: no {noun}s"
    count = "" if pd.isna(cell["cases"]) else f" · {plural(cell['cases'], noun)}"
    verdict = "" if cell["judged"] else " · too few to judge"
    return f"{where}: {format_value(kind, cell['value'])}{count}{verdict}"


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


def contribution_figure(contributors: pd.DataFrame, kind: str, labels: list[str]) -> go.Figure:
    """Each slice's part of the change weighed by its evidence (what ranks it: the shrunk
    contributions of `alerts.detection.drivers`), split into rate effect and mix (volume)
    effect; `labels` name the rows (slice and cases), top row first."""
    df = contributors.iloc[::-1]
    names = list(reversed(labels))
    weighed = "shrunk_rate_effect" in df
    rate, mix = (
        ("shrunk_rate_effect", "shrunk_mix_effect") if weighed else ("rate_effect", "mix_effect")
    )
    if df[rate].isna().all():  # counts: no rate/mix split, just the change
        bars = [("contribution", "Change", VALUE, "change")]
    else:
        bars = [
            (rate, "Rate effect (its own value moved)", VALUE, "rate effect"),
            (mix, "Mix effect (its volume moved)", UNUSUAL, "mix effect"),
        ]
    fig = go.Figure()
    for column, name, color, hover in bars:
        fig.add_trace(
            go.Bar(
                y=names,
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
