"""The ~60-day history behind each alert's chart, read from the store (data up to as-of only).

Flags and band come from `alert_status.series_flags`, the function the dashboard's trend uses
for the same series and period, so the email marks exactly the days its "Open in dashboard"
link shows as flagged, and draws the band only where the dashboard does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import duckdb
import pandas as pd

from alerts.rules.rulebook import RuleBook
from alerts.state.status_data import SeriesKey, series_facts
from alerts.state.status_series import drawn_band, series_flags

HISTORY_COLUMNS = [
    "date", "value", "expected", "lower", "upper", "warning", "critical", "flag",
    "unjudged_breach",
]  # fmt: skip


def chart_window(as_of: date, days: int) -> tuple[date, date]:
    """The period of an alert's chart, and of its dashboard link."""
    return as_of - timedelta(days=days - 1), as_of


def chart_history(
    con: duckdb.DuckDBPyConnection,
    keys: list[SeriesKey],
    as_of: date,
    days: int,
    rulebook: RuleBook | None,
    kinds: Mapping[str, tuple[str, str]],
) -> dict[SeriesKey, pd.DataFrame]:
    """Per series: the day grid with value, the drawn band, the thresholds in force and the
    flag of each day (`kinds`: metric_id -> (kind, case noun))."""
    start, end = chart_window(as_of, days)
    facts = series_facts(con, keys, start, end, rulebook)
    grid = pd.DataFrame({"date": pd.date_range(start, end, freq="D").date})
    out = {}
    for key in keys:
        kind, noun = kinds[key[0]]
        flags = drawn_band(series_flags(facts[key], kind, noun))
        frame = grid.merge(flags, on="date", how="left")
        numeric = [c for c in HISTORY_COLUMNS if c not in ("date", "flag", "unjudged_breach")]
        frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
        frame["flag"] = frame["flag"].where(frame["flag"].notna(), None)
        frame["unjudged_breach"] = frame["unjudged_breach"].astype("boolean").fillna(False)
        out[key] = frame[HISTORY_COLUMNS]
    return out
