"""The risk matrix as a heatmap: markets down, categories across, colour = score."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go


def risk_heatmap(cells: pd.DataFrame, value: str, title: str, exposure_unit: str) -> go.Figure:
    """`value` is the column coloured (score or change); hover shows the figures behind it."""
    markets = sorted(cells["market"].unique())
    categories = sorted(cells["category_l1"].unique())
    grid = cells.set_index(["market", "category_l1"]).reindex(
        pd.MultiIndex.from_product([markets, categories])
    )
    z = grid[value].to_numpy(dtype=float).reshape(len(markets), len(categories))
    keys = [(m, c) for m in markets for c in categories]  # the grid's row order
    hover = [_hover(m, c, grid.iloc[i], exposure_unit) for i, (m, c) in enumerate(keys)]
    diverging = value == "change"
    limit = float(np.nanmax(np.abs(z))) if diverging and np.isfinite(z).any() else None
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=categories,
            y=markets,
            text=np.array(hover, dtype=object).reshape(len(markets), len(categories)),
            hovertemplate="%{text}<extra></extra>",
            colorscale="RdBu_r" if diverging else "Reds",
            zmid=0 if diverging else None,
            zmin=-limit if limit else None,
            zmax=limit if limit else None,
            colorbar={"title": value},
        )
    )
    fig.update_layout(
        title=title,
        height=max(320, 28 * len(markets) + 140),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        yaxis={"autorange": "reversed"},
    )
    return fig


def _hover(market: str, category: str, row: pd.Series, exposure_unit: str) -> str:
    # Plotly renders some HTML in hover text: names from the exports are escaped.
    market, category = html.escape(str(market)), html.escape(str(category))
    if pd.isna(row["score"]):
        return f"{market} × {category}<br>no listings"
    return (
        f"{market} × {category}<br>score {row['score']:,.0f} ({row['change']:+,.0f} vs the "
        f"window before)<br>{row['violations']:,.0f} violations (before "
        f"{row['prior_violations']:,.0f}) on {row['live_listings']:,.0f} live listings"
        f"<br>likelihood {row['likelihood']:,.1f} per 10k live · severity "
        f"{row['severity']:.2f} · {row['exposure']:,.0f} {exposure_unit}"
    )
