"""Event-level scoring of alert flags against labelled incident windows.

Consecutive flagged calendar days of one series form one event. An event is a true positive
when it overlaps a labelled incident window widened by `slack` days on each side (of the same
series, or of a series `related` says explains it); an incident is recalled when such an event
overlaps it; the delay is the first flagged day inside its widened window minus its start
(never negative: a flag before the start is a coincidence, not foresight).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SLACK_DAYS = 2


@dataclass(frozen=True)
class Window:
    series_id: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass(frozen=True)
class EventScore:
    events: int
    true_events: int
    incidents: int
    recalled: int
    false_per_series_year: float
    median_delay: float
    seconds: float

    @property
    def precision(self) -> float:
        return self.true_events / self.events if self.events else 1.0

    @property
    def recall(self) -> float:
        return self.recalled / self.incidents if self.incidents else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def events_of(flags: pd.DataFrame) -> pd.DataFrame:
    """series_id, start, end of each run of flagged consecutive days (flags: series_id, date)."""
    f = flags[["series_id", "date"]].drop_duplicates().copy()
    f["date"] = pd.to_datetime(f["date"])
    f = f.sort_values(["series_id", "date"])
    new = (f["series_id"] != f["series_id"].shift()) | (
        f["date"] - f["date"].shift() != pd.Timedelta(days=1)
    )
    f["event"] = new.cumsum()
    return f.groupby("event").agg(
        series_id=("series_id", "first"), start=("date", "min"), end=("date", "max")
    )


def window_delays(
    flags: pd.DataFrame, windows: Iterable[Window], slack: int = SLACK_DAYS
) -> list[int | None]:
    """Per window: days from its start to the first flag of its series inside it (widened by
    `slack`; never negative), or None when it is missed."""
    pad = pd.Timedelta(days=slack)
    flag_days = flags[["series_id", "date"]].copy()
    flag_days["date"] = pd.to_datetime(flag_days["date"])
    days_by_series = {sid: g["date"].to_numpy() for sid, g in flag_days.groupby("series_id")}
    out: list[int | None] = []
    for w in windows:
        days = days_by_series.get(w.series_id, np.array([], dtype="datetime64[ns]"))
        inside = days[(days >= np.datetime64(w.start - pad)) & (days <= np.datetime64(w.end + pad))]
        out.append(max(0, (pd.Timestamp(inside.min()) - w.start).days) if len(inside) else None)
    return out


def score_events(
    flags: pd.DataFrame,
    windows: Iterable[Window],
    series_days: int,
    seconds: float,
    related: Callable[[str, str], bool] | None = None,
    slack: int = SLACK_DAYS,
) -> EventScore:
    """Scores flagged days (series_id, date) against incident windows."""
    windows = list(windows)
    pad = pd.Timedelta(days=slack)
    events = events_of(flags)
    by_series: dict[str, list[Window]] = {}
    for w in windows:
        by_series.setdefault(w.series_id, []).append(w)
    explains = related or (lambda a, b: a == b)
    true_events = 0
    for ev in events.itertuples():
        candidates = [w for sid, ws in by_series.items() if explains(ev.series_id, sid) for w in ws]
        if any(ev.start <= w.end + pad and ev.end >= w.start - pad for w in candidates):
            true_events += 1
    found = window_delays(flags, windows, slack)
    delays = [d for d in found if d is not None]
    recalled = len(delays)
    false_events = len(events) - true_events
    return EventScore(
        events=len(events),
        true_events=true_events,
        incidents=len(windows),
        recalled=recalled,
        false_per_series_year=false_events / (series_days / 365.0) if series_days else 0.0,
        median_delay=float(np.median(delays)) if delays else float("nan"),
        seconds=seconds,
    )
