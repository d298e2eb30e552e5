"""The risk matrix for the dashboard, read from the exports the store was computed from.

Cached per store version and day: a new compute (new exports) is read on the next page load.
"""

from __future__ import annotations

from datetime import date

from dashboard.data import queries
from dashboard.data.cache import per_store_version
from dashboard.data.raw_rows import data_folder_problem
from metrics.metric_store import MetricStore
from metrics.risk.matrix import RiskMatrix, risk_matrix
from metrics.risk.severity import load_severity


def risk_problem(store: MetricStore) -> str | None:
    """Why the matrix cannot be built from this store's exports, or None."""
    meta = queries.meta(store)
    return data_folder_problem(meta.get("data_dir"), "listings") or data_folder_problem(
        meta.get("data_dir"), "complaints"
    )


def _risk(path: str, day: date, window_days: int) -> RiskMatrix:
    meta = queries.meta(MetricStore(path))
    return risk_matrix(
        meta["data_dir"],
        day,
        load_severity(),
        tz=meta.get("reporting_tz", "UTC"),
        window_days=window_days,
    )


risk_for_day = per_store_version(_risk)
