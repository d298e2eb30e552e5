"""Reads what `alert_status` judges from the store: per series and day the value, the
detector's row and the threshold rule's verdict (`alert_status.facts_frame`).

The email (chart and card), the CLI and the dashboard's data layer read through the same
frame shape, so the days they flag and the values they show are the same. Bound parameters
only; a store without detections reads as a store whose days are not scored yet.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from alerts.rules.rulebook import RuleBook
from alerts.state.alert_store import has_table
from alerts.state.status_series import facts_frame
from metrics.metric_store import detection_test

SeriesKey = tuple[str, str]  # metric_id, slice
DETECTION_COLUMNS = "expected, lower, upper, score, is_anomaly, is_alert, direction"


def series_facts(
    con: duckdb.DuckDBPyConnection,
    keys: list[SeriesKey],
    start: date,
    end: date,
    rulebook: RuleBook | None,
) -> dict[SeriesKey, pd.DataFrame]:
    """Per series: `facts_frame` over start..end (days without a value are absent)."""
    pairs = pd.DataFrame(sorted(set(keys)), columns=["metric_id", "slice"])
    con.register("status_pairs", pairs)
    try:
        series = con.execute(
            """
            SELECT s.metric_id, s.slice, s.date, s.value, s.numerator, s.denominator
            FROM series AS s JOIN status_pairs USING (metric_id, slice)
            WHERE s.date BETWEEN ? AND ?
            """,
            [start, end],
        ).df()
        detections = pd.DataFrame(columns=["metric_id", "slice", "date"])
        if has_table(con, "detections"):
            detections = con.execute(
                f"""
                SELECT d.metric_id, d.slice, d.date, {DETECTION_COLUMNS},
                    {detection_test(con, "d.")} AS test
                FROM detections AS d JOIN status_pairs USING (metric_id, slice)
                WHERE d.date BETWEEN ? AND ?
                """,
                [start, end],
            ).df()
    finally:
        con.unregister("status_pairs")
    rated = rate(series, rulebook)
    return {
        key: facts_frame(_one(series, key), _one(detections, key), _one(rated, key)) for key in keys
    }


def day_facts(
    con: duckdb.DuckDBPyConnection,
    requests: list[tuple[str, str, date]],
    rulebook: RuleBook | None,
) -> dict[tuple[str, str, date], dict]:
    """The facts of single days (e.g. each alert's last breached day), one record each; a
    day without any row reads as a record of missing values."""
    out: dict[tuple[str, str, date], dict] = {}
    by_key: dict[SeriesKey, list[date]] = {}
    for metric_id, slice_key, day in requests:
        by_key.setdefault((metric_id, slice_key), []).append(day)
    if not by_key:
        return out
    days = [d for ds in by_key.values() for d in ds]
    frames = series_facts(con, list(by_key), min(days), max(days), rulebook)
    for key, wanted in by_key.items():
        records = {r["date"]: r for r in frames[key].to_dict("records")}
        for day in wanted:
            out[(key[0], key[1], day)] = records.get(day, {"date": day})
    return out


def rate(series: pd.DataFrame, rulebook: RuleBook | None) -> pd.DataFrame:
    """`RuleBook.evaluate` of a series frame (metric_id, slice, date, value, denominator);
    empty without rules."""
    if rulebook is None or series.empty:
        return pd.DataFrame(columns=["metric_id", "slice", "date"])
    rated = rulebook.evaluate(series)
    return rated[rated["rule_id"].notna()]


def _one(frame: pd.DataFrame, key: SeriesKey) -> pd.DataFrame:
    if frame.empty or "metric_id" not in frame:
        return pd.DataFrame(columns=["date"])
    return frame[(frame["metric_id"] == key[0]) & (frame["slice"] == key[1])]
