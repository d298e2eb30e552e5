"""Period arithmetic on indicator series: pooled values over several days, period shifts.

A share or rate over a period is pooled (sum of numerators over sum of denominators), never an
average of daily ratios; a count is averaged per day; a duration has no exact pooled median, so
the case-weighted mean of the daily medians stands in for it (and is labelled so).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd


def period_note(kind: str, days: int) -> str:
    if days <= 1:
        return ""
    return {
        "share": f"pooled over {days} days",
        "rate": f"pooled over {days} days",
        "count": f"average per day over {days} days",
        "duration": f"case-weighted mean of the daily medians over {days} days",
    }.get(kind, "")


def pooled_values(grid: pd.DataFrame, kind: str, scale: float, days: int) -> pd.Series:
    """The value of each row of `grid` (summed numerator/denominator, mean value, cases)."""
    if days <= 1 or kind == "count":
        return grid["mean_value"].astype(float)
    if kind == "duration":
        return grid["weighted_value"].astype(float)
    den = grid["denominator"].astype(float).replace(0, np.nan)
    return grid["numerator"].astype(float) / den * scale


def shift_previous(previous: pd.DataFrame, days: int) -> pd.DataFrame:
    """Moves the previous period's dates forward by the period length, to overlay them."""
    if previous.empty:
        return previous
    shifted = previous.copy()
    shifted["date"] = pd.to_datetime(shifted["date"]) + pd.Timedelta(days=days)
    return shifted


def previous_period(start: date, end: date) -> tuple[date, date, int]:
    """The period of the same length that ends the day before `start`, and that length."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1), length


def value_on(series: pd.DataFrame, day: date) -> float | None:
    """The value on `day` in a frame with date and value columns, or None."""
    if series.empty:
        return None
    dates = pd.to_datetime(series["date"]).dt.date
    match = series.loc[dates == day, "value"]
    if match.empty or pd.isna(match.iloc[0]):
        return None
    return float(match.iloc[0])


def pooled_series_value(series: pd.DataFrame, kind: str, scale: float) -> float | None:
    """One slice's value over all days of `series` (date, value, numerator, denominator)."""
    if series.empty or series["value"].isna().all():
        return None
    if len(series) == 1 or kind == "count":
        return float(series["value"].mean())
    den = series["denominator"].astype(float)
    if kind == "duration":
        weight = den.where(series["value"].notna(), 0).sum()
        return float((series["value"] * den).sum() / weight) if weight > 0 else None
    total = den.sum()
    return float(series["numerator"].astype(float).sum() / total * scale) if total > 0 else None
