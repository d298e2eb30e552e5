"""The Indicator trend (pure): value, the expected range where it is drawn, threshold steps
and the days marked by why they are flagged (`alerts.state.status_series.series_flags`, the
function the digest's chart uses, so both mark the same days for the same link)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from alerts.state.alert_status import FLAG_LABELS
from alerts.state.status_series import drawn_band, drawn_runs
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
from metrics.presentation import format_value, plural

# The lone-day range marker: the band's colour, opaque enough to read as a short bar.
BAND_EDGE = "rgba(92, 142, 214, 0.45)"


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


def _add_band(fig: go.Figure, band: pd.DataFrame, kind: str) -> None:
    """The expected range only on the days it is drawn: one filled run per stretch of two or
    more such days (an undrawn day leaves a gap rather than a band interpolated across it) and
    a short vertical range on a lone drawn day, which a fill could not show. The legend lists
    "Expected range" and "Expected" only when something of them is drawn."""
    drawn = band["lower"].notna() & band["upper"].notna()
    runs = drawn_runs(drawn)
    legend = True
    common = {"mode": "lines", "line": {"width": 0}, "legendgroup": "band"}
    for start, stop in (run for run in runs if run[1] - run[0] > 1):
        part = band.iloc[start:stop]
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
                showlegend=legend,
                hovertemplate="expected range %{text} – %{customdata}<extra></extra>",
                text=value_texts(part["lower"], kind),
                customdata=value_texts(part["upper"], kind),
                **common,
            )
        )
        legend = False
    lone = [start for start, stop in runs if stop - start == 1]
    if lone:
        days = band.iloc[lone]
        xs: list[object] = []
        ys: list[object] = []
        texts: list[str] = []
        for rec in days.to_dict("records"):
            span = f"{format_value(kind, rec['lower'])} – {format_value(kind, rec['upper'])}"
            xs += [rec["date"], rec["date"], None]
            ys += [rec["lower"], rec["upper"], None]
            texts += [span, span, ""]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": BAND_EDGE, "width": 7},
                name="Expected range",
                legendgroup="band",
                showlegend=legend,
                hovertemplate="expected range %{text}<extra></extra>",
                text=texts,
            )
        )
    if runs:
        isolated = pd.Series(False, index=band.index)
        isolated.iloc[lone] = True
        fig.add_trace(
            go.Scatter(
                x=band["date"],
                y=band["expected"].where(drawn),
                mode="lines+markers",
                name="Expected",
                line={"color": EXPECTED, "dash": "dash", "width": 1},
                # A lone day's expected value is a tick across its range (a line needs two).
                marker={
                    "symbol": "line-ew",
                    "size": [10 if one else 0 for one in isolated],
                    "line": {"color": EXPECTED, "width": 1.5},
                    "color": EXPECTED,
                },
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
    "volume": {"color": ALERT, "size": 11, "symbol": "triangle-down"},
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


_MARK_NOTES = {
    "beyond_threshold": "◆ beyond a threshold",
    "outside_range": "✕ outside the range the detector expected for that day",
    "shift": (
        "○ part of a sustained shift the detector flagged, the day alone not outside its "
        "expected range (or without one)"
    ),
    "volume": "▼ the day's cases collapsed or surged far outside their recent level",
}


def trend_notes(flags: pd.DataFrame) -> list[str]:
    """The caption under the trend, each sentence true of what is drawn: the range only when
    some day shows it, the markers that are on the chart, and how many days have no range
    drawn and why."""
    if flags.empty:
        return []
    notes = []
    drawn = flags["band_drawn"].astype(bool)
    if drawn.any():
        notes.append(
            "Shaded: the range the detector expected from recent history (a short bar on a "
            "lone day), drawn only where it says something."
        )
    marks = [text for flag, text in _MARK_NOTES.items() if (flags["flag"] == flag).any()]
    if flags["unjudged_breach"].astype(bool).any():
        marks.append("□ (grey) beyond a threshold on too few cases for the rule to judge")
    if (flags["detector"] == "unusual").any():
        marks.append("○ (blue) unusual in the harmless direction")
    if marks:
        notes.append("Marked: " + "; ".join(marks) + ".")
    valued = flags["value"].notna()
    reasons = (
        ("not_scored", "not scored by the detector yet"),
        ("too_wide", "a range covering every possible value (too few cases to judge)"),
    )
    undrawn = flags[~drawn & valued]
    parts = []
    for verdict, why in reasons:
        count = int((undrawn["detector"] == verdict).sum())
        if count:
            parts.append(f"{plural(count, 'day')} {why}")
    other = int((~undrawn["detector"].isin([v for v, _ in reasons])).sum())
    if other:
        parts.append(
            f"{plural(other, 'day')} the detector did not judge (too few cases or too little "
            "history)"
        )
    if parts:
        notes.append("No range drawn on " + ", ".join(parts) + ".")
    return notes
