"""The ~60-day history behind each alert's chart, read from the store (data up to as-of only)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import duckdb
import pandas as pd

from alerts.rules.rulebook import RuleBook
from alerts.state.alert_store import has_table

log = logging.getLogger(__name__)

SeriesKey = tuple[str, str]  # metric_id, slice
HISTORY_COLUMNS = ["date", "value", "expected", "lower", "upper", "warning", "critical", "flagged"]


def chart_history(
    con: duckdb.DuckDBPyConnection,
    keys: list[SeriesKey],
    as_of: date,
    days: int,
    rulebook: RuleBook | None,
) -> dict[SeriesKey, pd.DataFrame]:
    """Per series: the day grid with value, band, thresholds in force and flagged days (by the
    detector or by a threshold rule)."""
    start = as_of - timedelta(days=days - 1)
    pairs = pd.DataFrame(sorted(set(keys)), columns=["metric_id", "slice"])
    con.register("chart_pairs", pairs)
    try:
        series = con.execute(
            """
            SELECT s.* FROM series AS s JOIN chart_pairs USING (metric_id, slice)
            WHERE s.date BETWEEN ? AND ?
            """,
            [start, as_of],
        ).df()
        detections = pd.DataFrame(columns=["metric_id", "slice", "date"])
        if has_table(con, "detections"):
            detections = con.execute(
                """
                SELECT d.metric_id, d.slice, d.date, d.expected, d.lower, d.upper, d.is_alert
                FROM detections AS d JOIN chart_pairs USING (metric_id, slice)
                WHERE d.date BETWEEN ? AND ?
                """,
                [start, as_of],
            ).df()
    finally:
        con.unregister("chart_pairs")
    rated = _thresholds(series, rulebook)
    grid = pd.DataFrame({"date": pd.date_range(start, as_of, freq="D").date})
    out = {}
    for key in keys:
        metric_id, slice_key = key
        frame = grid.merge(_one(series, metric_id, slice_key, ["value"]), on="date", how="left")
        det = _one(detections, metric_id, slice_key, ["expected", "lower", "upper", "is_alert"])
        frame = frame.merge(det, on="date", how="left")
        rules = _one(rated, metric_id, slice_key, ["rule_id", "warning", "critical", "level"])
        if not rules.empty:
            # One threshold line per chart: the most specific rule wins per row already.
            first = sorted(rules["rule_id"].unique())[0]
            rules = rules[rules["rule_id"] == first].drop(columns=["rule_id"])
        frame = frame.merge(rules, on="date", how="left")
        flagged = frame["is_alert"].astype("boolean").fillna(False)
        if "level" in frame:
            flagged = flagged | frame["level"].isin(["warning", "critical"])
        frame["flagged"] = flagged.astype(bool)
        for column in HISTORY_COLUMNS:
            if column not in frame:
                frame[column] = float("nan")
        numeric = [c for c in HISTORY_COLUMNS if c not in ("date", "flagged")]
        frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
        out[key] = frame[HISTORY_COLUMNS]
    return out


def _one(frame: pd.DataFrame, metric_id: str, slice_key: str, columns: list[str]) -> pd.DataFrame:
    if frame.empty or "metric_id" not in frame:
        return pd.DataFrame(columns=["date", *columns])
    part = frame[(frame["metric_id"] == metric_id) & (frame["slice"] == slice_key)].copy()
    part["date"] = pd.to_datetime(part["date"]).dt.date
    for column in columns:
        if column not in part:
            part[column] = None
    keys = ["date", "rule_id"] if "rule_id" in columns else ["date"]
    return part[["date", *columns]].drop_duplicates(subset=keys)


def _thresholds(series: pd.DataFrame, rulebook: RuleBook | None) -> pd.DataFrame:
    if rulebook is None or series.empty:
        return pd.DataFrame()
    rated = rulebook.evaluate(series)
    return rated[rated["rule_id"].notna()]
