"""What each rule says about each series on each day: the input of the lifecycle.

Two kinds of rule: the statistical detector (`detections.is_alert`, rule_id "anomaly") and the
threshold rules (`rulebook.RuleBook.evaluate`, level warning/critical). Days whose exports
are missing or incomplete get the `no_data` verdict whatever the rule says.
"""

from __future__ import annotations

import logging
from datetime import date

import duckdb
import pandas as pd

from alerts.rules.completeness import Completeness, metric_tables
from alerts.rules.rulebook import RuleBook
from alerts.state.alert_store import has_table
from metrics.catalogue import Catalogue
from metrics.metric_store import get_meta, parse_slice

log = logging.getLogger(__name__)

ANOMALY_RULE = "anomaly"
OBS_COLUMNS = [
    "metric_id", "slice", "rule_id", "rule_kind", "rule_version", "metric_fingerprint", "date",
    "observed", "expected", "lower", "upper", "score", "warning", "critical", "side",
    "verdict", "breach_severity", "data_status",
]  # fmt: skip


def market_of(slice_key: str) -> str | None:
    try:
        return parse_slice(slice_key).get("market")
    except ValueError:
        return None


def load_observations(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    start: date,
    end: date,
    completeness: Completeness,
    critical_score: float,
    series: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """`series` (metric_id, slice): only that series (a what-if on one trend)."""
    frames = [_anomaly_observations(con, start, end, critical_score, series)]
    if rulebook is not None:
        frames.append(_threshold_observations(con, rulebook, start, end, series))
    observed = [f for f in frames if not f.empty]
    if not observed:  # e.g. a run date weeks after the exports stopped
        return pd.DataFrame(columns=OBS_COLUMNS)
    obs = pd.concat(observed, ignore_index=True)
    known = obs["metric_id"].isin(list(catalogue.metrics))
    if not known.all():
        log.warning(
            "skipping series of metrics not in the catalogue: %s",
            ", ".join(sorted(set(obs.loc[~known, "metric_id"]))),
        )
        obs = obs[known].copy()
    obs["date"] = pd.to_datetime(obs["date"]).dt.date
    obs["metric_fingerprint"] = obs["metric_id"].map(
        {m.id: m.fingerprint for m in catalogue.metrics.values()}
    )
    tables = {m.id: metric_tables(m) for m in catalogue.metrics.values()}
    markets = {s: market_of(s) for s in obs["slice"].unique()}
    reasons = [
        completeness.reason(tables[m], d, markets[s])
        for m, s, d in zip(obs["metric_id"], obs["slice"], obs["date"], strict=True)
    ]
    missing = pd.Series([r is not None for r in reasons], index=obs.index)
    obs.loc[missing, "verdict"] = "no_data"
    obs.loc[missing, "breach_severity"] = None
    obs.loc[missing, "data_status"] = [r for r in reasons if r is not None]
    return obs[OBS_COLUMNS].reset_index(drop=True)


def _only(series: tuple[str, str] | None) -> tuple[str, list[object]]:
    """A WHERE clause limiting a read to one series (bound parameters), or nothing."""
    if series is None:
        return "", []
    return " AND metric_id = ? AND slice = ?", [series[0], series[1]]


def _anomaly_observations(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    critical_score: float,
    series: tuple[str, str] | None = None,
) -> pd.DataFrame:
    if not has_table(con, "detections"):
        return pd.DataFrame(columns=OBS_COLUMNS)
    where, params = _only(series)
    det = con.execute(
        f"""
        SELECT metric_id, slice, date, value AS observed, expected, lower, upper, score,
               is_alert
        FROM detections WHERE date BETWEEN ? AND ?{where}
        """,
        [start, end, *params],
    ).df()
    if det.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    version = get_meta(con, "detector_version") or "detector"
    alert = det["is_alert"].fillna(False).astype(bool)
    no_value = det["observed"].isna()
    det["rule_id"] = ANOMALY_RULE
    det["rule_kind"] = "anomaly"
    det["rule_version"] = version
    det["warning"] = None
    det["critical"] = None
    det["side"] = None
    det["verdict"] = "ok"
    det.loc[alert, "verdict"] = "breach"
    det.loc[no_value, "verdict"] = "no_data"
    critical = det["score"].abs() >= critical_score
    det["breach_severity"] = None
    det.loc[alert & ~no_value, "breach_severity"] = "warning"
    det.loc[alert & ~no_value & critical, "breach_severity"] = "critical"
    det["data_status"] = "ok"
    det.loc[no_value, "data_status"] = "no value"
    det["metric_fingerprint"] = None
    return det.drop(columns=["is_alert"])


def _threshold_observations(
    con: duckdb.DuckDBPyConnection,
    rulebook: RuleBook,
    start: date,
    end: date,
    only: tuple[str, str] | None = None,
) -> pd.DataFrame:
    where, params = _only(only)
    series = con.execute(
        f"SELECT * FROM series WHERE date BETWEEN ? AND ?{where} ORDER BY metric_id, slice, date",
        [start, end, *params],
    ).df()
    if series.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    rated = rulebook.evaluate(series)
    rated = rated[rated["rule_id"].notna()].copy()
    if rated.empty:
        return pd.DataFrame(columns=OBS_COLUMNS)
    level = rated["level"]
    rated["rule_kind"] = "threshold"
    rated["rule_version"] = rated["rule_version"].astype(str)
    rated["observed"] = rated["value"]
    for col in ("expected", "lower", "upper", "score"):
        rated[col] = None
    rated["verdict"] = "ok"
    breach = level.isin(["warning", "critical"])
    rated.loc[breach, "verdict"] = "breach"
    rated.loc[level.isna() | rated["value"].isna(), "verdict"] = "no_data"
    # Too few cases to judge and no breach that survives the guard: no evidence of a breach,
    # so the day counts as ok (a held no_data state would pin small slices for weeks).
    low = rated["low_volume"].fillna(False).astype(bool) if "low_volume" in rated else False
    quiet = low & level.isna() & rated["value"].notna()
    rated.loc[quiet, "verdict"] = "ok"
    rated["breach_severity"] = level.where(breach & rated["value"].notna(), None)
    rated["data_status"] = "ok"
    rated.loc[rated["verdict"] == "no_data", "data_status"] = "no value"
    rated.loc[quiet, "data_status"] = "low volume"
    rated["metric_fingerprint"] = None
    return rated[OBS_COLUMNS]
