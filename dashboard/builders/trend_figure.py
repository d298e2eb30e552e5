"""The Indicator trend (pure): value, the expected range where it is drawn, threshold steps
and the days marked by why they are flagged (`alerts.state.status_series.series_flags`, the
function the digest's chart uses, so both mark the same days for the same link)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from alerts.state.alert_status import FLAG_LABELS
from alerts.state.status_series import drawn_band
from dashboard.builders.figures import (
    ALERT,
    BAND,
    CRITICAL,
    EXPECTED,
    PREVIOUS,
    UNUSUAL,
    VALUE,
    WARNING,
    line_layout,
    value_texts,
)


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
                text=value_texts(previous["value"], kind),
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
            text=value_texts(series["value"], kind),
        )
    )
    _add_thresholds(fig, thresholds, kind)
    if not flags.empty:
        _add_flags(fig, flags)
    return line_layout(fig, kind)


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
                text=value_texts(part["lower"], kind),
                customdata=value_texts(part["upper"], kind),
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
                text=value_texts(band["expected"], kind),
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
                text=value_texts(thresholds[column], kind),
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
