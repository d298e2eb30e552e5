"""The risk matrix: where risk sits across markets x categories, and where it rose.

For every market x category cell over the `window_days` (28) days ending on a day:
- likelihood: violations per 10,000 live listings, where violations are the complaints upheld
  plus the listings removed in the window. A listing removed after an upheld complaint counts
  twice, on purpose: a violation that reached a buyer and made them complain weighs more
  than one the platform caught on its own;
- severity: the mean weight of those violations (`metrics.risk.severity`: a removal weighs
  its reason, an upheld complaint its issue type);
- exposure: the cell's orders in the window (the traffic export), else its views, else its
  live listings;
- score = likelihood / 10,000 x exposure x severity: the severity-weighted orders (views,
  listings) that met a violating listing, if they spread evenly over the cell's listings;
- change: the score minus the score of the `window_days` days before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from metrics.catalogue import load_catalogue
from metrics.errors import UserError
from metrics.facts import prepare_facts, prepare_live_exposure
from metrics.risk.severity import Severity
from metrics.sla import SlaPolicy

WINDOW_DAYS = 28
PER_LIVE = 10_000.0
COLUMNS = [
    "market", "category_l1", "likelihood", "severity", "exposure", "score", "change",
    "change_pct", "prior_score", "violations", "prior_violations", "live_listings",
    "exposure_unit",
]  # fmt: skip
SCORE_FORMULA = "score = likelihood / 10,000 × exposure × severity"


@dataclass(frozen=True)
class RiskMatrix:
    cells: pd.DataFrame  # COLUMNS, ranked by change (the cells that rose most first)
    day: date
    window_days: int
    exposure_unit: str  # orders | views | live listings
    prior_complete: bool  # whether the exports cover the whole window before
    timezone: str


_CELLS = """
WITH periods AS (
    SELECT 'current' AS period, CAST($current_start AS DATE) AS first, CAST($day AS DATE) AS last
    UNION ALL
    SELECT 'prior', CAST($prior_start AS DATE), CAST($prior_end AS DATE)
),
events AS (
    SELECT removed_day AS day, market, category_l1, removal_reason AS issue_type
    FROM listing_facts
    WHERE removed_day BETWEEN $prior_start AND $day AND listing_id IS NOT NULL
    UNION ALL
    SELECT decided_day, market, category_l1, issue_type
    FROM complaint_facts
    WHERE outcome = 'upheld' AND decided_day BETWEEN $prior_start AND $day
),
weighted AS (
    SELECT p.period, e.market, e.category_l1, COALESCE(w.weight, $fallback_weight) AS weight
    FROM events AS e
    JOIN periods AS p ON e.day BETWEEN p.first AND p.last
    LEFT JOIN severity_weights AS w ON w.issue_type = e.issue_type
),
by_cell AS (
    SELECT period, market, category_l1, count(*) AS violations, avg(weight) AS severity
    FROM weighted
    GROUP BY period, market, category_l1
),
live AS (
    SELECT p.period, x.market, x.category_l1, sum(x.live) / (p.last - p.first + 1) AS live
    FROM live_exposure AS x
    JOIN periods AS p ON x.day BETWEEN p.first AND p.last
    GROUP BY p.period, x.market, x.category_l1, p.first, p.last
),
exposure AS ({exposure})
SELECT l.period, l.market, l.category_l1, l.live AS live_listings,
    COALESCE(v.violations, 0) AS violations, v.severity,
    COALESCE(x.exposure, 0) AS exposure
FROM live AS l
LEFT JOIN by_cell AS v USING (period, market, category_l1)
LEFT JOIN exposure AS x USING (period, market, category_l1)
"""

_TRAFFIC_EXPOSURE = """
    SELECT p.period, t.market, t.category_l1, sum(t.{column}) AS exposure
    FROM traffic_facts AS t
    JOIN periods AS p ON t.day BETWEEN p.first AND p.last
    GROUP BY p.period, t.market, t.category_l1
"""
_LIVE_EXPOSURE = "SELECT period, market, category_l1, live AS exposure FROM live"


def risk_matrix(
    data: str,
    day: date,
    severity: Severity,
    *,
    tz: str = "UTC",
    window_days: int = WINDOW_DAYS,
    sla: SlaPolicy | None = None,
) -> RiskMatrix:
    if window_days < 1:
        raise UserError(f"--window-days {window_days}: must be at least 1")
    prior_start = day - timedelta(days=2 * window_days - 1)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        window = prepare_facts(con, data, tz, sla, since=prior_start)
        if not window.first_day <= day <= window.last_day:
            raise UserError(
                f"--date {day}: the exports cover {window.first_day} to {window.last_day} "
                f"({tz}); choose a day in that range"
            )
        prepare_live_exposure(con, load_catalogue().shared_sql)
        unit, exposure_sql = _exposure(con, window.tables)
        weights = pd.DataFrame(
            {
                "issue_type": list(severity.issue_levels),
                "weight": [severity.weight(t) for t in severity.issue_levels],
            }
        )
        con.register("severity_weights", weights)
        rows = con.execute(
            _CELLS.format(exposure=exposure_sql),
            {
                "day": day,
                "current_start": day - timedelta(days=window_days - 1),
                "prior_start": prior_start,
                "prior_end": day - timedelta(days=window_days),
                "fallback_weight": max(severity.level_weights.values()),
            },
        ).df()
    finally:
        con.close()
    cells = _cells(rows).assign(exposure_unit=unit)
    return RiskMatrix(cells, day, window_days, unit, window.first_day <= prior_start, tz)


def _exposure(con: duckdb.DuckDBPyConnection, tables: frozenset[str]) -> tuple[str, str]:
    """The exposure the exports can give: orders, else views, else live listings."""
    if "traffic" in tables:
        [(orders, views)] = con.execute(
            "SELECT sum(orders), sum(views) FROM traffic_facts"
        ).fetchall()
        if orders:
            return "orders", _TRAFFIC_EXPOSURE.format(column="orders")
        if views:
            return "views", _TRAFFIC_EXPOSURE.format(column="views")
    return "live listings", _LIVE_EXPOSURE


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    keys = ["market", "category_l1"]
    current = rows[rows["period"] == "current"].drop(columns="period").set_index(keys)
    prior = rows[rows["period"] == "prior"].drop(columns="period").set_index(keys)
    out = current.copy()
    live = out["live_listings"].where(out["live_listings"] > 0)
    out["likelihood"] = out["violations"] / live * PER_LIVE
    out["score"] = _score(out)
    out["prior_violations"] = prior["violations"].reindex(out.index).fillna(0)
    out["prior_score"] = _score(prior).reindex(out.index)
    out["change"] = out["score"] - out["prior_score"].fillna(0.0)
    out["change_pct"] = (out["change"] / out["prior_score"].where(out["prior_score"] > 0)) * 100
    out["exposure_unit"] = ""  # filled by the caller, which knows the exports
    out = out.reset_index()
    out = out.sort_values(
        ["change", "score", "market", "category_l1"], ascending=[False, False, True, True]
    )
    return out[COLUMNS].reset_index(drop=True)


def _score(frame: pd.DataFrame) -> pd.Series:
    live = frame["live_listings"].where(frame["live_listings"] > 0)
    likelihood = frame["violations"] / live
    return (likelihood * frame["exposure"] * frame["severity"].fillna(0.0)).fillna(0.0)
