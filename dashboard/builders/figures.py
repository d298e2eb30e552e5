"""Plotly figures built by pure functions from data frames: no Streamlit, no store access."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from alerts.state.alert_status import FLAG_LABELS
from alerts.state.status_series import drawn_band
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


def _texts(values: pd.Series, kind: str) -> list[str]:
    """Hover texts formatted by the presentation layer, so a hover reads as the tables do."""
    return [format_value(kind, v) for v in values]


def _layout(fig: go.Figure, kind: str, height: int = 420) -> go.Figure:
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


def trend_figure(
    series: pd.DataFrame,
    flags: pd.DataFrame,
    thresholds: pd.DataFrame,
    kind: str,
    previous: pd.DataFrame | None = None,
    previous_label: str = "Previous period",
) -> go.Figure:
    """Value over time with the expected band where it is drawn, threshold steps, the flagged
    days marked by why (`alerts.state.alert_status.series_flags`: the same days the email
    chart marks) and an overlay. `flags` may be empty (no detections, no rules)."""
    fig = go.Figure()
    if not flags.empty:
        _add_band(fig, drawn_band(flags), kind)
    if previous is not None and not previous.empty:
        fig.add_trace(
            go.Scatter(
                x=previous["date"],
                y=previous["value"],
                mode="lines",
                name=previous_label,
                line={"color": PREVIOUS, "dash": "dot", "width": 1.5},
                hovertemplate="previous %{text}<extra></extra>",
                text=_texts(previous["value"], kind),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=series["date"],
            y=series["value"],
            mode="lines+markers",
            name="Value",
            line={"color": VALUE, "width": 2},
            marker={"size": 4},
            hovertemplate="value %{text}<extra></extra>",
            text=_texts(series["value"], kind),
        )
    )
    _add_thresholds(fig, thresholds, kind)
    if not flags.empty:
        _add_flags(fig, flags)
    return _layout(fig, kind)


def _runs(mask: pd.Series) -> list[tuple[int, int]]:
    """(start, stop) positions of each run of consecutive True values."""
    runs, start = [], None
    for i, on in enumerate(mask.tolist() + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            runs.append((start, i))
            start = None
    return runs


def _add_band(fig: go.Figure, band: pd.DataFrame, kind: str) -> None:
    """The expected range only on the days it is drawn (one filled run per stretch of such
    days, so an undrawn day leaves a gap rather than a band interpolated across it)."""
    drawn = band["lower"].notna() & band["upper"].notna()
    for number, (start, stop) in enumerate(_runs(drawn)):
        part = band.iloc[start:stop]
        common = {"mode": "lines", "line": {"width": 0}, "legendgroup": "band"}
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["upper"],
                hoverinfo="skip",
                showlegend=False,
                name="upper",
                **common,
            )  # fmt: skip
        )
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part["lower"],
                fill="tonexty",
                fillcolor=BAND,
                name="Expected range",
                showlegend=number == 0,
                hovertemplate="expected range %{text} – %{customdata}<extra></extra>",
                text=_texts(part["lower"], kind),
                customdata=_texts(part["upper"], kind),
                **common,
            )
        )
    if drawn.any():
        fig.add_trace(
            go.Scatter(
                x=band["date"],
                y=band["expected"].where(drawn),
                mode="lines",
                name="Expected",
                line={"color": EXPECTED, "dash": "dash", "width": 1},
                hovertemplate="expected %{text}<extra></extra>",
                text=_texts(band["expected"], kind),
            )
        )


def _add_thresholds(fig: go.Figure, thresholds: pd.DataFrame, kind: str) -> None:
    for column, color, name in (
        ("warning", WARNING, "Warning threshold"),
        ("critical", CRITICAL, "Critical threshold"),
    ):
        if thresholds.empty or column not in thresholds or thresholds[column].isna().all():
            continue
        fig.add_trace(
            go.Scatter(
                x=thresholds["date"],
                y=thresholds[column],
                mode="lines",
                name=name,
                line={"color": color, "dash": "dash", "width": 1.5, "shape": "hv"},
                hovertemplate=f"{name.lower()} %{{text}}<extra></extra>",
                text=_texts(thresholds[column], kind),
            )
        )


# Marker per reason a day is marked; the legend names the reason (the email chart's shapes).
FLAG_MARKERS = {
    "beyond_threshold": {"color": ALERT, "size": 10, "symbol": "diamond"},
    "outside_range": {"color": ALERT, "size": 11, "symbol": "x"},
    "shift": {"color": ALERT, "size": 10, "symbol": "circle-open", "line": {"width": 2}},
}


def _add_flags(fig: go.Figure, flags: pd.DataFrame) -> None:
    unusual = flags[flags["detector"] == "unusual"]
    if not unusual.empty:
        fig.add_trace(
            go.Scatter(
                x=unusual["date"],
                y=unusual["value"],
                mode="markers",
                name="Unusual, harmless direction",
                marker={"color": UNUSUAL, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
                hovertemplate="%{text}<extra></extra>",
                text=unusual["note"],
            )
        )
    few = flags[flags["unjudged_breach"].astype(bool)] if "unjudged_breach" in flags else flags[:0]
    if not few.empty:
        fig.add_trace(
            go.Scatter(
                x=few["date"],
                y=few["value"],
                mode="markers",
                name="Beyond a threshold on too few cases (not judged)",
                marker={
                    "color": "#9ca3af",
                    "size": 8,
                    "symbol": "square-open",
                    "line": {"width": 1.5},
                },  # fmt: skip
                hovertemplate="%{text}<extra></extra>",
                text=few["note"],
            )
        )
    for flag, marker in FLAG_MARKERS.items():
        days = flags[flags["flag"] == flag]
        if days.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=days["date"],
                y=days["value"],
                mode="markers",
                name=FLAG_LABELS[flag],
                marker=marker,
                hovertemplate="%{text}<extra></extra>",
                text=days["note"],
            )
        )


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
