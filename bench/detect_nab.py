"""NAB's NYC taxi series as a real labelled suite: passengers per day, scored as a count with
no good direction (both a surge and a slump are anomalies).

The five windows are NAB's own (`labels/combined_windows.json`, dates inclusive): the NYC
marathon, Thanksgiving, Christmas, New Year and the January 2015 blizzard. They are label
windows in bench.detect_scoring's sense: a window is *kept* when an event overlaps it widened
by SLACK_DAYS after its end. Flags outside every widened window are false alarms; the goal is
at least 4 of 5 windows kept with at most 3 flagged days outside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from alerts.detection.scoring import SeriesSpec
from bench.detect_scoring import SLACK_DAYS, Window, window_delays

DATA = Path(__file__).resolve().parent / "data" / "nyc_taxi_daily.csv"
SERIES_ID = "nyc_taxi/passengers"
SPEC = SeriesSpec("count", None, 1.0)
NAB_WINDOWS = (
    ("2014-10-30", "2014-11-03"),
    ("2014-11-25", "2014-11-29"),
    ("2014-12-23", "2014-12-27"),
    ("2014-12-29", "2015-01-03"),
    ("2015-01-24", "2015-01-29"),
)
GOAL = "goal: >= 4 of 5 windows kept, <= 3 flagged days outside them"


class NabSuite(NamedTuple):
    frame: pd.DataFrame  # series_id, kind, date, value, numerator, denominator, p90
    specs: dict[str, SeriesSpec]
    windows: list[Window]


def load_nab(path: Path = DATA) -> NabSuite:
    raw = pd.read_csv(path, parse_dates=["date"])
    nan = np.full(len(raw), np.nan)
    frame = pd.DataFrame(
        {
            "series_id": SERIES_ID,
            "kind": SPEC.kind,
            "date": raw["date"].dt.date,
            "value": raw["passengers"].astype(float),
            "numerator": nan,
            "denominator": nan,
            "p90": nan,
        }
    )
    windows = [Window(SERIES_ID, pd.Timestamp(a), pd.Timestamp(b)) for a, b in NAB_WINDOWS]
    return NabSuite(frame, {SERIES_ID: SPEC}, windows)


def outside_days(flags: pd.DataFrame, windows: list[Window], slack: int = SLACK_DAYS) -> int:
    """Flagged days outside every window widened by `slack` days after its end."""
    days = pd.to_datetime(flags["date"]).drop_duplicates()
    inside = np.zeros(len(days), dtype=bool)
    for w in windows:
        inside |= ((days >= w.start) & (days <= w.end + pd.Timedelta(days=slack))).to_numpy()
    return int((~inside).sum())


def nab_note(flags: pd.DataFrame, windows: list[Window]) -> str:
    """`kept k/5 (...), n flagged days outside`: one line per method."""
    delays = window_delays(flags, windows)
    kept = sum(d is not None for d in delays)
    per = ", ".join(
        f"{w.start:%m-%d} {'missed' if d is None else f'{d} d'}"
        for w, d in zip(windows, delays, strict=True)
    )
    return (
        f"kept {kept}/{len(windows)} ({per}); "
        f"{outside_days(flags, windows)} flagged days outside them"
    )
