"""Tables shown (and downloaded as CSV) by the Indicator and Drill-down pages: pure builders."""

from __future__ import annotations

import pandas as pd

from alerts.notify.contributor_text import cases_text, contributor_label
from dashboard.builders.periods import pooled_values
from metrics.catalogue import MetricDefinition
from metrics.presentation import format_delta, format_percent, format_value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """What the page shows, as UTF-8 CSV (Excel-friendly: no index, ISO dates)."""
    return frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S").encode("utf-8")


# What the numerator and denominator of each kind count (a duration's denominator: its cases).
_PARTS = {
    "share": ("Numerator", "Denominator"),
    "rate": ("Events", "Exposure"),
    "duration": (None, "Cases"),
    "count": (None, None),
}


def daily_values_table(series: pd.DataFrame, kind: str) -> pd.DataFrame:
    """One row per day as people read it: the day (no midnight time), the value formatted by
    its kind, the counts behind it, `n/a` where there is no value (never `None`)."""
    days = pd.to_datetime(series["date"]).dt.date
    out = pd.DataFrame({"Day": days.to_numpy()})
    out["Median" if kind == "duration" else "Value"] = [
        format_value(kind, v) for v in series["value"]
    ]
    if kind == "duration":
        out["p90"] = [format_value(kind, v) for v in series["p90"]]
    numerator, denominator = _PARTS.get(kind, (None, None))
    if numerator:
        out[numerator] = [format_value("count", v) for v in series["numerator"]]
    if denominator:
        out[denominator] = [format_value("count", v) for v in series["denominator"]]
    return out


def grid_table(
    grid: pd.DataFrame,
    kind: str,
    scale: float,
    days: int,
    reference: float | None = None,
    min_cases: float = 0.0,
) -> pd.DataFrame:
    """market, category_l1, value (pooled over the period), numerator, denominator, cases
    (a share's or a duration's cases, a rate's events) and judged: whether the cell has
    `min_cases` cases, seen or (for a rate) expected at the `reference` rate; a count is always
    judged. A cell below it is shown but not coloured as a finding."""
    out = grid[["market", "category_l1"]].copy()
    out["value"] = pooled_values(grid, kind, scale, days).to_numpy()
    out["numerator"] = grid["numerator"].to_numpy()
    out["denominator"] = grid["denominator"].to_numpy()
    if kind == "count":
        out["cases"] = float("nan")
        out["judged"] = True
        return out
    cases = out["numerator"] if kind == "rate" else out["denominator"]
    out["cases"] = cases.astype(float)
    volume = out["cases"]
    if kind == "rate" and reference is not None:
        volume = volume.combine(out["denominator"].astype(float) * reference / scale, max)
    out["judged"] = (volume >= min_cases) & out["value"].notna()
    return out


def contribution_table(
    contributors: pd.DataFrame,
    definition: MetricDefinition,
    dimension: str,
    min_cases: float,
    show_share: bool = True,
) -> pd.DataFrame:
    """The drivers in words: slice, its cases, value now and before, the exact effects and
    contribution, and its part of the change weighed by its evidence (what ranks it)."""
    df = contributors
    kind = definition.kind
    rows = df.to_dict("records")
    return pd.DataFrame(
        {
            "Slice": [contributor_label(r, dimension, definition, min_cases) for r in rows],
            "Cases": [cases_text(definition, r) for r in rows],
            "Value": [format_value(kind, v) for v in df["value"]],
            "Before (baseline)": [format_value(kind, v) for v in df["baseline_value"]],
            "Rate effect": [format_delta(kind, v) for v in df["rate_effect"]],
            "Mix effect": [format_delta(kind, v) for v in df["mix_effect"]],
            "Contribution": [format_delta(kind, v) for v in df["contribution"]],
            "Explains (by evidence)": [
                format_percent(v if show_share else None) for v in df["explains"]
            ],
        }
    )
