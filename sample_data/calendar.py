"""Days of the sample: export window, shopping festivals, weekly rhythm, trend and daily volumes.

The daily plan is computed here with numpy (a few hundred rows) and handed to the SQL
generator, which draws every listing and complaint of a day from it. Volumes on festival
days jump 2-3x for listings, orders and complaints alike, so rates stay flat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_END = dt.date(2026, 11, 22)
# Listings created before the export window: the live stock on its first day.
HISTORY_DAYS = 365
# New listings grow this much per year.
ANNUAL_GROWTH = 1.18
# Sellers list on weekdays; buyers browse, buy and complain more at the weekend (Mon..Sun).
LISTING_WEEKDAY = (1.08, 1.06, 1.04, 1.02, 0.98, 0.85, 0.80)
ORDER_WEEKDAY = (0.96, 0.95, 0.95, 0.97, 1.00, 1.08, 1.12)
# Noise complaints (mostly unfounded consumer complaints) per live listing per day.
COMPLAINTS_PER_LIVE_LISTING = 8.6e-4
# Share of noise-complaint candidates that land on a live, compliant listing (the rest are
# dropped), so the candidate count is scaled up by its inverse.
COMPLAINT_ACCEPTANCE = 0.88
DAY_NOISE_SIGMA = 0.04
US_PER_DAY = 86_400_000_000


@dataclass(frozen=True)
class Festival:
    name: str
    day: dt.date
    # Multiplier of listing, order and complaint volume on that day.
    factor: float
    # The main day of a festival (the others are eves and follow-on days).
    peak: bool


def export_window(end: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """First and last exported day (both included)."""
    return end - dt.timedelta(days=days - 1), end


def _black_friday(year: int) -> dt.date:
    # The day after US Thanksgiving, the fourth Thursday of November.
    first = dt.date(year, 11, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + dt.timedelta(days=1)


def festivals(first: dt.date, last: dt.date) -> list[Festival]:
    """Shopping festivals and holiday dips between first and last (included), by date."""
    found: list[Festival] = []
    for year in range(first.year, last.year + 1):
        bf = _black_friday(year)
        days = [
            Festival("618", dt.date(year, 6, 18), 2.6, True),
            Festival("618 eve", dt.date(year, 6, 17), 1.3, False),
            Festival("11.11", dt.date(year, 11, 11), 3.2, True),
            Festival("11.11 eve", dt.date(year, 11, 10), 1.4, False),
            Festival("Black Friday", bf, 3.0, True),
            Festival("Black Friday weekend", bf + dt.timedelta(days=1), 1.6, False),
            Festival("Black Friday weekend", bf + dt.timedelta(days=2), 1.5, False),
            Festival("Cyber Monday", bf + dt.timedelta(days=3), 2.5, True),
            Festival("12.12", dt.date(year, 12, 12), 2.6, True),
            Festival("Christmas Eve", dt.date(year, 12, 24), 0.70, False),
            Festival("Christmas", dt.date(year, 12, 25), 0.55, False),
            Festival("New Year's Eve", dt.date(year, 12, 31), 0.80, False),
            Festival("New Year", dt.date(year, 1, 1), 0.60, False),
        ]
        found += [f for f in days if first <= f.day <= last]
    return sorted(found, key=lambda f: f.day)


def festival_days(first: dt.date, last: dt.date) -> list[Festival]:
    """The peak shopping days only (11.11, Black Friday, Cyber Monday, 12.12, 618)."""
    return [f for f in festivals(first, last) if f.peak]


def daily_plan(end: dt.date, days: int, listings: int, seed: int) -> pd.DataFrame:
    """One row per day from the start of the listing history to `end`.

    Columns: d (0-based), date, day_us (epoch microseconds of midnight UTC), in_window,
    listings (created that day), listing_start (index of its first listing), order_factor,
    view_factor, complaints (noise-complaint candidates, window days only) and
    complaint_start (index of the first candidate).
    """
    first_window, _ = export_window(end, days)
    first = first_window - dt.timedelta(days=HISTORY_DAYS)
    dates = pd.date_range(first, end, freq="D")
    n = len(dates)
    rng = np.random.default_rng([seed, 20261122])
    weekday = np.asarray(dates.day_of_week)
    bump = np.ones(n)
    for f in festivals(first, end):
        bump[(f.day - first).days] = f.factor
    years = np.arange(n) / 365.25
    noise = np.exp(rng.normal(0.0, DAY_NOISE_SIGMA, n))
    listing_weight = ANNUAL_GROWTH**years * np.take(LISTING_WEEKDAY, weekday) * bump * noise
    counts = _allocate(listings, listing_weight)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))

    order_factor = np.take(ORDER_WEEKDAY, weekday) * bump * np.exp(rng.normal(0.0, 0.03, n))
    # Browsing rises less than buying on festival days.
    view_factor = np.take(ORDER_WEEKDAY, weekday) * np.sqrt(bump) * np.exp(rng.normal(0, 0.03, n))
    in_window = np.asarray(dates >= pd.Timestamp(first_window))
    # Listings created before the day approximate the live stock complaints can land on.
    expected = COMPLAINTS_PER_LIVE_LISTING * starts * order_factor / COMPLAINT_ACCEPTANCE
    complaints = np.where(in_window, np.round(expected), 0).astype(np.int64)
    complaint_starts = np.concatenate(([0], np.cumsum(complaints)[:-1]))
    day_us = (dates.to_numpy().astype("datetime64[us]").astype(np.int64)).astype(np.int64)
    return pd.DataFrame(
        {
            "d": np.arange(n, dtype=np.int32),
            "date": dates.date,
            "day_us": day_us,
            "in_window": in_window,
            "listings": counts,
            "listing_start": starts.astype(np.int64),
            "order_factor": order_factor,
            "view_factor": view_factor,
            "complaints": complaints,
            "complaint_start": complaint_starts.astype(np.int64),
        }
    )


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts proportional to weights that add up to total exactly."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    # Largest remainders first; ties broken by day so the result is deterministic.
    order = np.lexsort((np.arange(len(exact)), -(exact - counts)))
    counts[order[:short]] += 1
    return counts
