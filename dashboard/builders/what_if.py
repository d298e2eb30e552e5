"""The Catalogue's what-if (pure): limits typed in the indicator's units, checked as the rules
file checks them, and the trend with the episodes a changed rule would have raised shaded."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from dashboard.builders.figures import CRITICAL, VALUE, WARNING, line_layout, value_texts
from metrics.presentation import format_value

WHAT_IF_FILL = "rgba(214, 39, 40, 0.18)"
IN_FORCE_FILL = "rgba(107, 122, 143, 0.35)"


def shown_limit(kind: str, stored: float | None) -> float | None:
    """A stored limit as typed on the page: shares in percent (0.97 -> 97.0)."""
    if stored is None or pd.isna(stored):
        return None
    return round(stored * 100, 4) if kind == "share" else float(stored)


def stored_limit(kind: str, shown: float | None) -> float | None:
    """A typed limit as the rules store it: shares as fractions (97.0 -> 0.97)."""
    if shown is None:
        return None
    return round(shown / 100, 6) if kind == "share" else float(shown)


def limits_problem(kind: str, side: str, warning: float | None, critical: float | None) -> str:
    """Why these stored limits cannot judge (as `alerts/rules/rules_file.py` refuses them), or
    "" when they can."""
    limits = [x for x in (warning, critical) if x is not None]
    if not limits:
        return "Give a warning limit, a critical limit or both."
    if kind == "share" and any(not 0 <= x <= 1 for x in limits):
        return "A share's limits lie between 0% and 100%."
    if any(x < 0 for x in limits):
        return "Limits cannot be negative."
    if warning is not None and critical is not None:
        if (side == "below" and critical > warning) or (side == "above" and critical < warning):
            word = "below" if side == "below" else "above"
            return f"The critical limit must be at or {word} the warning limit (bad is {word})."
    return ""


def _shade(
    fig: go.Figure, episodes: pd.DataFrame, fill: str, y0: float, y1: float, days: pd.Series
) -> None:
    """One band per episode over its firing days, cut to the days of the trend (an episode
    that started before the period shows from its first day)."""
    if days.empty:
        return
    first, final = pd.Timestamp(days.min()), pd.Timestamp(days.max())
    for rec in episodes.to_dict("records"):
        start = max(pd.Timestamp(rec["firing_since"]), first)
        last = rec.get("last_firing")
        end = pd.Timestamp(last) if last is not None and not pd.isna(last) else final
        end = min(end, final)
        fig.add_vrect(
            x0=start - timedelta(hours=12),
            x1=end + timedelta(hours=12),
            y0=y0,
            y1=y1,
            fillcolor=fill,
            line_width=0,
            layer="below",
        )


def what_if_figure(
    series: pd.DataFrame,
    kind: str,
    warning: float | None,
    critical: float | None,
    what_if: pd.DataFrame,
    in_force: pd.DataFrame,
) -> go.Figure:
    """The value over the period, the what-if limits, the episodes they would raise shaded
    over the whole height and those of the rule in force as a grey band along the bottom.
    Episodes carry firing_since and last_firing (the backtest's)."""
    fig = go.Figure()
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
    for limit, color, name in ((warning, WARNING, "Warning"), (critical, CRITICAL, "Critical")):
        if limit is None:
            continue
        fig.add_trace(
            go.Scatter(
                x=[series["date"].min(), series["date"].max()],
                y=[limit, limit],
                mode="lines",
                name=f"{name} (what-if) {format_value(kind, limit)}",
                line={"color": color, "dash": "dash", "width": 1.5},
                hoverinfo="skip",
            )
        )
    days = pd.to_datetime(series["date"])
    _shade(fig, what_if, WHAT_IF_FILL, 0.0, 1.0, days)
    _shade(fig, in_force, IN_FORCE_FILL, 0.0, 0.06, days)
    # Legend entries for the shading (shapes have none).
    for fill, name in ((WHAT_IF_FILL, "Episode with these limits"), (IN_FORCE_FILL,
                       "Episode with the rule in force")):  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=name,
                marker={"size": 12, "symbol": "square", "color": fill},
                hoverinfo="skip",
            )
        )
    return line_layout(fig, kind)
