"""Which of the detector's tests fired on a series and how long the change has been building:
"one-day spike", "shift since Sat 05 Sep 2026", "slow ramp over 12 days", "volume collapse".

The detector names its test per anomalous day (`detections.test`: point, burst, shift, ramp,
volume;
stores written before it lack the column and get a wording that names no test). "Since when" is
the first day of the current run of consecutive anomalous days (`detections.is_anomaly`) that
ends on the breached day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from alerts.state.alert_store import has_table
from metrics.metric_store import detection_test
from metrics.presentation import format_day, plural

LOOKBACK_DAYS = 120  # a run longer than this reads "since" its first day within it
VOLUME_WINDOW = 28  # days whose median denominator tells a collapse from a surge


@dataclass(frozen=True)
class ChangeRun:
    test: str | None  # point | burst | shift | ramp | volume | None (unknown: an old store)
    since: date  # first day of the run of anomalous days
    days: int  # its length, breached day included
    volume_fell: bool | None  # for a volume anomaly: the denominator fell (None: unknown)


def change_runs(
    con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str, date]]
) -> dict[tuple[str, str, date], ChangeRun]:
    """The run of anomalous days ending on each (metric, slice, day) that is anomalous."""
    if not keys or not has_table(con, "detections"):
        return {}
    test = detection_test(con, "d.")
    out = {}
    for metric_id, slice_key, day in keys:
        frame = con.execute(
            f"""
            SELECT d.date, d.is_anomaly, {test} AS test, s.denominator
            FROM detections AS d LEFT JOIN series AS s USING (metric_id, slice, date)
            WHERE d.metric_id = ? AND d.slice = ? AND d.date BETWEEN ? AND ?
            ORDER BY d.date
            """,
            [metric_id, slice_key, day - timedelta(days=LOOKBACK_DAYS), day],
        ).df()
        run = run_ending(frame, day)
        if run is not None:
            out[(metric_id, slice_key, day)] = run
    return out


def run_ending(frame: pd.DataFrame, day: date) -> ChangeRun | None:
    """The run of consecutive anomalous days ending on `day` in a frame of date, is_anomaly,
    test, denominator (a missing day ends a run); None when `day` is not anomalous."""
    if frame.empty:
        return None
    rows = frame.assign(date=pd.to_datetime(frame["date"]).dt.date).set_index("date")
    if day not in rows.index or not bool(rows.at[day, "is_anomaly"]):
        return None
    since = day
    while (since - timedelta(days=1)) in rows.index and bool(
        rows.at[since - timedelta(days=1), "is_anomaly"]
    ):
        since -= timedelta(days=1)
    named = rows["test"].where(rows["test"].notna(), None).to_dict()[day]
    test = None if named is None else str(named)
    fell = None
    if test == "volume":
        earlier = [d for d in rows.index if d < since][-VOLUME_WINDOW:]
        before = rows.loc[earlier, "denominator"].astype(float)
        now = float(rows["denominator"].astype(float).to_dict()[day])
        if before.notna().any() and now == now:  # NaN is not equal to itself
            fell = now < float(before.median())
    return ChangeRun(test, since, (day - since).days + 1, fell)


def story(run: ChangeRun | None) -> str:
    """The test and the run in words, for the detector's line of a digest card."""
    if run is None:
        return ""
    since = format_day(run.since)
    lasting = f"since {since} ({plural(run.days, 'day')})"
    if run.test == "point":
        if run.days == 1:
            return "One-day spike"
        return f"Spikes every day {lasting}"
    if run.test == "burst":
        # Two or three days out together, none extreme alone: the run began before its flag.
        return "Spike over several days" if run.days == 1 else f"Spike over several days, {lasting}"
    if run.test == "shift":
        return f"Shift {lasting}"
    if run.test == "ramp":
        return f"Slow ramp over {plural(run.days, 'day')}, since {since}"
    if run.test == "volume":
        what = {True: "Volume collapse", False: "Volume surge", None: "Volume"}[run.volume_fell]
        return what if run.days == 1 else f"{what} {lasting}"
    # A store written before detections named their test: say what is known.
    if run.days == 1:
        return "Unusual on this day only"
    return f"Unusual every day {lasting}"
