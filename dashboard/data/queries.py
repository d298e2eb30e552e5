"""Read-only queries on the metric store, cached per store version (`dashboard.data.cache`).

Every value is a bound parameter; nothing is ever recomputed here. A table that does not exist
yet (an older or partial store) reads as empty.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from alerts.job_health import JobHealth
from alerts.job_health import job_health as read_job_health
from alerts.rules.completeness import Completeness, load_completeness
from dashboard.data.cache import per_store_version
from metrics.metric_store import MetricStore, detection_test

logger = logging.getLogger(__name__)

# Matches market x category_l1 slices, the cells of the drill-down heatmap.
_GRID_SLICE = r"market=([^,]+),category_l1=([^,]+)"


def frame(
    path: str,
    sql: str | Callable[[duckdb.DuckDBPyConnection], str],
    params: list[object] | None = None,
) -> pd.DataFrame:
    """Runs one query on a fresh read-only connection; a missing table gives an empty frame.
    `sql` may be built from the connection (for columns an older store lacks)."""
    try:
        with MetricStore(path).read() as con:
            return con.execute(sql(con) if callable(sql) else sql, params or []).df()
    except duckdb.CatalogException as exc:
        logger.info("store %s: %s", path, exc)
        return pd.DataFrame()


@per_store_version
def meta(path: str) -> dict[str, str]:
    df = frame(path, "SELECT key, value FROM meta")
    return dict(zip(df["key"], df["value"], strict=True)) if not df.empty else {}


@per_store_version
def summary(path: str) -> dict[str, object]:
    df = frame(
        path,
        "SELECT count(*) AS n, min(date) AS first_day, max(date) AS last_day FROM series",
    )
    if df.empty or not df["n"].iloc[0]:
        return {"rows": 0, "first_day": None, "last_day": None, "recent_days": []}
    last = pd.Timestamp(df["last_day"].iloc[0]).date()
    recent = frame(
        path,
        "SELECT DISTINCT date FROM series WHERE date >= ? - INTERVAL 10 DAY ORDER BY date",
        [last],
    )
    return {
        "rows": int(df["n"].iloc[0]),
        "first_day": pd.Timestamp(df["first_day"].iloc[0]).date(),
        "last_day": last,
        "recent_days": [pd.Timestamp(d).date() for d in recent["date"]],
    }


@per_store_version
def metric_slices(path: str) -> dict[str, list[str]]:
    df = frame(path, "SELECT DISTINCT metric_id, slice FROM series ORDER BY metric_id, slice")
    if df.empty:
        return {}
    return {str(m): list(g["slice"]) for m, g in df.groupby("metric_id", sort=True)}


@per_store_version
def series(path: str, metric: str, slice_key: str, start: date, end: date):
    return frame(
        path,
        "SELECT date, value, numerator, denominator, p90 FROM series "
        "WHERE metric_id = ? AND slice = ? AND date BETWEEN ? AND ? ORDER BY date",
        [metric, slice_key, start, end],
    )


@per_store_version
def detections(path: str, metric: str, slice_key: str, start: date, end: date):
    return frame(
        path,
        lambda con: (
            "SELECT date, value, expected, lower, upper, score, is_anomaly, direction, "
            f"is_alert, {detection_test(con)} AS test FROM detections "
            "WHERE metric_id = ? AND slice = ? AND date BETWEEN ? AND ? ORDER BY date"
        ),
        [metric, slice_key, start, end],
    )


@per_store_version
def platform_series(path: str, start: date, end: date) -> pd.DataFrame:
    """Every metric's whole-platform series with its detection verdict, for the overview."""
    return frame(
        path,
        lambda con: (
            "SELECT s.metric_id, s.slice, s.date, s.value, s.numerator, s.denominator, "
            "d.expected, d.lower, d.upper, d.score, d.is_anomaly, d.is_alert, d.direction, "
            f"{detection_test(con, 'd.')} AS test "
            "FROM series s LEFT JOIN detections d "
            "ON d.metric_id = s.metric_id AND d.slice = s.slice AND d.date = s.date "
            "WHERE s.slice = 'all' AND s.date BETWEEN ? AND ? ORDER BY s.metric_id, s.date"
        ),
        [start, end],
    )


@per_store_version
def flagged_on(path: str, days: tuple[date, ...]) -> pd.DataFrame:
    """Every (metric, slice, day) the detector flagged on the given days."""
    return frame(
        path,
        "SELECT metric_id, slice, date, value, expected, score, direction FROM detections "
        "WHERE is_alert AND list_contains(?, date) ORDER BY metric_id, slice, date",
        [list(days)],
    )


@per_store_version
def grid(path: str, metric: str, start: date, end: date) -> pd.DataFrame:
    """Per market x category_l1: summed numerator/denominator and mean value over the days."""
    return frame(
        path,
        "SELECT regexp_extract(slice, ?, 1) AS market, regexp_extract(slice, ?, 2) AS "
        "category_l1, sum(numerator) AS numerator, sum(denominator) AS denominator, "
        "avg(value) AS mean_value, sum(value * denominator) / nullif(sum(denominator), 0) "
        "AS weighted_value, count(value) AS days "
        "FROM series WHERE metric_id = ? AND date BETWEEN ? AND ? "
        "AND regexp_full_match(slice, ?) GROUP BY ALL ORDER BY market, category_l1",
        [_GRID_SLICE, _GRID_SLICE, metric, start, end, _GRID_SLICE],
    )


def _table(path: str, name: str) -> pd.DataFrame:
    # `name` is one of the fixed table names below, never user input.
    return frame(path, f'SELECT * FROM "{name}"')


@per_store_version
def export_files(path: str) -> pd.DataFrame:
    return _table(path, "export_files")


@per_store_version
def validation(path: str) -> pd.DataFrame:
    return _table(path, "validation")


@per_store_version
def export_rows_per_day(path: str) -> pd.DataFrame:
    return frame(
        path,
        'SELECT "table", date, sum(rows) AS rows FROM export_stats GROUP BY ALL ORDER BY 1, 2',
    )


@per_store_version
def completeness(
    path: str, start: date, end: date, timezone: str, ratio: float, alpha: float
) -> Completeness:
    """Which recent days the alert job would call `no data`, and why (its own module)."""
    with MetricStore(path).read() as con:
        return load_completeness(con, start, end, ZoneInfo(timezone), ratio, alpha)


@per_store_version
def job_health(path: str, today: date, timezone: str, stale_after_days: int) -> JobHealth:
    """The job's last run, its mail and each export's age on `today` (`alerts.job_health`)."""
    with MetricStore(path).read() as con:
        return read_job_health(con, today, timezone, stale_after_days)
