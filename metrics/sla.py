"""SLA deadlines: hours for notices, working days in the market's calendar for authority
orders and product-safety notices (EU GPSR Art. 22). Working days come from the market's
public holidays (the `holidays` library) and weekends."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

import holidays
import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlaPolicy:
    # Hours from receipt, per complaint channel.
    hours_by_channel: dict[str, int] = field(
        default_factory=lambda: {"rights_holder": 24, "trusted_flagger": 24, "consumer": 72}
    )
    # Working days, checked first: an authority order is due in 2 working days whatever its
    # issue type; a product-safety notice from anyone else in 3.
    authority_working_days: int = 2
    product_safety_working_days: int = 3
    # Channels not listed above fall back to this many hours.
    default_hours: int = 72


def _market_holidays(market: str, years: range) -> set[date]:
    try:
        return set(holidays.country_holidays(market, years=list(years)).keys())
    except NotImplementedError:
        log.warning("no public-holiday calendar for market %s; counting weekends only", market)
        return set()


def working_day_calendar(
    markets: list[str], first: date, last: date, offsets: tuple[int, ...]
) -> pd.DataFrame:
    """For each market and day, the Nth working day strictly after it, for each N in offsets.

    Columns: market, day, due_<N>. Days beyond `last` are covered so late deadlines resolve.
    """
    horizon = last + timedelta(days=max(offsets, default=0) * 3 + 30)
    years = range(first.year, horizon.year + 1)
    all_days = pd.date_range(first, horizon, freq="D").date
    frames = []
    for market in markets:
        closed = _market_holidays(market, years)
        working = [d for d in all_days if d.weekday() < 5 and d not in closed]
        positions = pd.Series(range(len(working)), index=pd.Index(working))
        # Index of the first working day strictly after each calendar day.
        next_idx = positions.reindex(all_days).bfill()
        after = pd.Series(all_days).map(lambda d: d + timedelta(days=1))
        first_after = next_idx.reindex(list(after)).to_numpy()
        frame = pd.DataFrame({"market": market, "day": all_days[: len(all_days)]})
        for n in offsets:
            due = []
            for idx in first_after:
                target = None if pd.isna(idx) else int(idx) + n - 1
                due.append(
                    working[target] if target is not None and target < len(working) else None
                )
            frame[f"due_{n}"] = due
        frames.append(frame[frame["day"] <= last])
    if not frames:
        return pd.DataFrame(columns=["market", "day", *[f"due_{n}" for n in offsets]])
    return pd.concat(frames, ignore_index=True)
