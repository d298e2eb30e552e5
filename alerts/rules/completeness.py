"""Which days, exports and markets are missing or incomplete (-> the `no_data` verdict).

Reads the store's `export_stats` ("table", date, market, rows) and `export_files`. A table/day
is missing after the last day its export covers; a day is partial when the export was taken
before that day ended; a market (or the whole table) is incomplete on a day when its row count
falls below `ratio` x its usual count (median of the same weekday over the previous four weeks)
and a count that low would be a freak of day-to-day (Poisson) variation, probability under
`alpha`: zero rows where about ten are usual counts, one small market's quiet day does not.
Only tables with statistics are judged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import poisson

from alerts.state.alert_store import has_table
from metrics.catalogue import MetricDefinition

log = logging.getLogger(__name__)

# Relations in metric SQL -> the export table they come from.
_TABLE_PATTERNS = {
    "listings": re.compile(r"\b(listing_facts|live_exposure|listings)\b"),
    "complaints": re.compile(r"\b(complaint_facts|complaints)\b"),
    "appeals": re.compile(r"\b(appeal_facts|appeals)\b"),
    "traffic": re.compile(r"\b(traffic_facts|traffic)\b"),
}
_WEEKS = 4


def metric_tables(definition: MetricDefinition) -> tuple[str, ...]:
    """The exports a metric reads, from its SQL (the facts views name their export)."""
    found = {t for t, pattern in _TABLE_PATTERNS.items() if pattern.search(definition.sql or "")}
    found.update(definition.requires)
    return tuple(sorted(found)) or ("listings",)


@dataclass
class Completeness:
    last_day: dict[str, date] = field(default_factory=dict)
    complete_through: dict[str, date] = field(default_factory=dict)
    table_gaps: set[tuple[str, date]] = field(default_factory=set)
    market_gaps: dict[tuple[str, date], set[str]] = field(default_factory=dict)

    def reason(self, tables: tuple[str, ...], day: date, market: str | None) -> str | None:
        """Why `day` has no usable data for a series reading `tables`, or None if it has."""
        for table in tables:
            if table not in self.last_day:
                continue
            if day > self.last_day[table]:
                return f"{table} export ends {self.last_day[table].isoformat()}"
            through = self.complete_through.get(table)
            if through is not None and day > through:
                return f"{table} export taken before {day.isoformat()} ended"
            markets = self.market_gaps.get((table, day), set())
            if market is None and markets:
                return f"{table} export incomplete for {', '.join(sorted(markets))}"
            if market in markets:
                return f"{table} export incomplete for {market}"
            # A short total that no single market explains affects every slice.
            if (table, day) in self.table_gaps and not markets:
                return f"{table} export incomplete on {day.isoformat()}"
        return None


def load_completeness(
    con: duckdb.DuckDBPyConnection,
    start: date,
    as_of: date,
    zone: ZoneInfo,
    ratio: float,
    alpha: float,
) -> Completeness:
    result = Completeness()
    if not has_table(con, "export_stats"):
        return result
    history_start = start - timedelta(days=7 * _WEEKS)
    stats = con.execute(
        'SELECT "table" AS tbl, date, market, sum(rows) AS rows FROM export_stats '
        "WHERE date <= ? GROUP BY ALL",
        [as_of],
    ).df()
    if stats.empty:
        log.debug("no export statistics: completeness not judged")
        return result
    stats["date"] = pd.to_datetime(stats["date"]).dt.date
    for table, rows in stats.groupby("tbl"):
        result.last_day[str(table)] = max(rows["date"])
        window = rows[rows["date"] >= history_start]
        if window.empty:
            continue
        _judge_table(result, str(table), window, start, ratio, alpha)
    _add_export_times(con, result, zone)
    return result


def _judge_table(
    result: Completeness, table: str, rows: pd.DataFrame, start: date, ratio: float, alpha: float
) -> None:
    days = pd.date_range(min(rows["date"]), max(rows["date"]), freq="D").date
    by_market = (
        rows.assign(market=rows["market"].fillna("?"))
        .pivot_table(index="date", columns="market", values="rows", aggfunc="sum")
        .reindex(days)
        .fillna(0.0)
    )
    by_market["__total__"] = by_market.sum(axis=1)
    usual = _same_weekday_median(by_market)
    usual_arr = usual.to_numpy(dtype=float)
    unlikely = poisson.cdf(by_market.to_numpy(dtype=float), np.nan_to_num(usual_arr)) < alpha
    low = (by_market < ratio * usual) & pd.DataFrame(
        unlikely & ~np.isnan(usual_arr), index=usual.index, columns=usual.columns
    )
    for index, flags in low.iterrows():
        day = cast(date, index)  # the index holds the days
        if day < start:
            continue
        if flags["__total__"]:
            result.table_gaps.add((table, day))
        markets = {str(m) for m, flag in flags.items() if flag and m not in ("__total__", "?")}
        if markets:
            result.market_gaps[(table, day)] = markets


def _same_weekday_median(frame: pd.DataFrame) -> pd.DataFrame:
    lagged = np.stack([frame.shift(7 * k).to_numpy(dtype=float) for k in range(1, _WEEKS + 1)])
    enough = (~np.isnan(lagged)).sum(axis=0) >= 2
    filled = np.where(np.isnan(lagged), -np.inf, lagged)
    # nanmedian warns on all-NaN cells; those cells are masked out by `enough` anyway.
    median = np.where(enough, _nanmedian(lagged, filled), np.nan)
    return pd.DataFrame(median, index=frame.index, columns=frame.columns)


def _nanmedian(lagged: np.ndarray, filled: np.ndarray) -> np.ndarray:
    counts = (~np.isnan(lagged)).sum(axis=0)
    ordered = np.sort(filled, axis=0)[::-1]  # real values first, descending
    lo = np.clip((counts - 1) // 2, 0, None)
    hi = np.clip(counts // 2, 0, None)
    pick_lo = np.take_along_axis(ordered, lo[None, ...], axis=0)[0]
    pick_hi = np.take_along_axis(ordered, hi[None, ...], axis=0)[0]
    return (pick_lo + pick_hi) / 2


def _add_export_times(con: duckdb.DuckDBPyConnection, result: Completeness, zone: ZoneInfo) -> None:
    """A day is complete only if its export was taken after the day ended (reporting zone)."""
    if not has_table(con, "export_files"):
        return
    rows = con.execute(
        'SELECT "table", max(greatest(coalesce(latest_event, modified_at), '
        "coalesce(modified_at, latest_event))) FROM export_files GROUP BY 1"
    ).fetchall()
    for table, taken in rows:
        if taken is None or table not in result.last_day:
            continue
        taken_utc = pd.Timestamp(taken)
        taken_utc = taken_utc.tz_localize("UTC") if taken_utc.tzinfo is None else taken_utc
        # Every day that ended before the export was taken is complete.
        local = taken_utc.tz_convert(zone)
        result.complete_through[table] = local.date() - timedelta(days=1)
