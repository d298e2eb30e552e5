"""Event-level scoring of alert flags against labelled incident windows.

The convention, applied to every suite in bench/:
- consecutive flagged calendar days of one series form one *event*;
- an incident's *label window* (`Window`, built by `label_window`) is the part of it an early
  warning is for: the first `SHIFT_LABEL_DAYS` days of a level shift, the rising days of a
  ramp, all days of a spike, dip or drop;
- an event is *true* when it overlaps a label window of its series (or of a series `related`
  says explains it) widened by `slack` days after its end -- never before its start: a flag
  before an incident is a coincidence, not foresight. Every other event is *false*, also one
  weeks into a shifted level that persists: a re-alert on a known shift is noise to its reader;
- an incident is *recalled* when an event overlaps its widened label window; its delay is the
  first flagged day inside that widened window minus its start (so never negative).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

SLACK_DAYS = 2
SHIFT_LABEL_DAYS = 7
POINT_KINDS = ("spike", "dip", "drop")  # labelled over all their days


@dataclass(frozen=True)
class Window:
    """An incident's label window (dates inclusive); see `label_window`."""

    series_id: str
    start: pd.Timestamp
    end: pd.Timestamp


def label_window(
    series_id: str,
    kind: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    ramp_end: pd.Timestamp | None = None,
) -> Window:
    """The label window of an incident of `kind` lasting start..end (inclusive).

    shift: its first SHIFT_LABEL_DAYS days; ramp: start..ramp_end, its last rising day;
    spike, dip, drop: start..end.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end < start:
        raise ValueError(f"{series_id}: incident ends ({end.date()}) before it starts")
    if kind == "shift":
        return Window(series_id, start, min(end, start + pd.Timedelta(days=SHIFT_LABEL_DAYS - 1)))
    if kind == "ramp":
        if ramp_end is None:
            raise ValueError(f"{series_id}: a ramp's label window needs its last rising day")
        return Window(series_id, start, min(end, pd.Timestamp(ramp_end)))
    if kind in POINT_KINDS:
        return Window(series_id, start, end)
    raise ValueError(f"{series_id}: unknown incident kind {kind!r}")


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


def true_event_mask(
    events: pd.DataFrame,
    windows: Iterable[Window],
    related: Callable[[str, str], bool] | None = None,
    slack: int = SLACK_DAYS,
) -> np.ndarray:
    """Per event (from `events_of`): does it overlap a widened label window it may explain?"""
    pad = pd.Timedelta(days=slack)
    by_series: dict[str, list[Window]] = {}
    for w in windows:
        by_series.setdefault(w.series_id, []).append(w)
    explains = related or (lambda a, b: a == b)
    out = np.zeros(len(events), dtype=bool)
    for i, ev in enumerate(events.itertuples()):
        candidates = [w for sid, ws in by_series.items() if explains(ev.series_id, sid) for w in ws]
        out[i] = any(ev.start <= w.end + pad and ev.end >= w.start for w in candidates)
    return out


def window_delays(
    flags: pd.DataFrame, windows: Iterable[Window], slack: int = SLACK_DAYS
) -> list[int | None]:
    """Per window: days from its start to the first flag of its series inside it (widened by
    `slack` after its end), or None when it is missed."""
    pad = pd.Timedelta(days=slack)
    flag_days = flags[["series_id", "date"]].copy()
    flag_days["date"] = pd.to_datetime(flag_days["date"])
    days_by_series = {sid: g["date"].to_numpy() for sid, g in flag_days.groupby("series_id")}
    out: list[int | None] = []
    for w in windows:
        days = days_by_series.get(w.series_id, np.array([], dtype="datetime64[ns]"))
        inside = days[(days >= np.datetime64(w.start)) & (days <= np.datetime64(w.end + pad))]
        out.append((pd.Timestamp(inside.min()) - w.start).days if len(inside) else None)
    return out


def score_events(
    flags: pd.DataFrame,
    windows: Iterable[Window],
    series_days: int,
    seconds: float,
    related: Callable[[str, str], bool] | None = None,
    slack: int = SLACK_DAYS,
) -> EventScore:
    """Scores flagged days (series_id, date) against label windows."""
    windows = list(windows)
    events = events_of(flags)
    true_events = int(true_event_mask(events, windows, related, slack).sum())
    found = window_delays(flags, windows, slack)
    delays = [d for d in found if d is not None]
    false_events = len(events) - true_events
    return EventScore(
        events=len(events),
        true_events=true_events,
        incidents=len(windows),
        recalled=len(delays),
        false_per_series_year=false_events / (series_days / 365.0) if series_days else 0.0,
        median_delay=float(np.median(delays)) if delays else float("nan"),
        seconds=seconds,
    )
