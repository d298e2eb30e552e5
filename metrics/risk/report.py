"""The risk matrix as users read it: the CSV file and the command's short summary."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from metrics.presentation import plural
from metrics.risk.matrix import SCORE_FORMULA, RiskMatrix


def matrix_csv(matrix: RiskMatrix) -> str:
    """The cells as the CSV file holds them, one row per market x category."""
    return str(matrix.cells.to_csv(index=False, float_format="%.6g"))


def window_text(matrix: RiskMatrix) -> str:
    first = matrix.day - timedelta(days=matrix.window_days - 1)
    return f"{first:%d %b %Y} – {matrix.day:%d %b %Y} ({matrix.timezone})"


def summary_lines(matrix: RiskMatrix, path: str, top: int = 5) -> list[str]:
    cells = matrix.cells
    lines = [
        f"risk matrix for {window_text(matrix)}: {plural(len(cells), 'market x category cell')} "
        f"written to {path}",
        f"  {SCORE_FORMULA}; exposure = {matrix.exposure_unit} in the window",
    ]
    if not matrix.prior_complete:
        lines.append(
            "  note: the exports do not cover the whole window before, so `change` compares "
            "with part of it"
        )
    risers = cells[cells["change"] > 0].head(top)
    if risers.empty:
        lines.append("  no cell's score rose against the window before")
        return lines
    lines.append("  rose most:")
    for _, row in risers.iterrows():
        pct = "" if pd.isna(row["change_pct"]) else f", {row['change_pct']:+.0f} %"
        lines.append(
            f"    {row['market']} x {row['category_l1']}: score {row['score']:,.0f} "
            f"({row['change']:+,.0f}{pct}), {row['violations']:,.0f} violations "
            f"(before {row['prior_violations']:,.0f}) on {row['live_listings']:,.0f} live listings"
        )
    return lines
