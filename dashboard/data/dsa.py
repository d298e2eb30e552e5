"""The DSA transparency report for a period, read from the exports the store was computed from.

Cached per store version, period and mapping file: a new compute is read on the next load.
"""

from __future__ import annotations

from datetime import date

from dashboard.data import queries
from dashboard.data.cache import per_store_version
from metrics.metric_store import MetricStore
from metrics.transparency.category_mapping import load_mapping
from metrics.transparency.dsa_report import DsaReport, build_report


def _report(path: str, first: date, last: date, mapping_file: str | None) -> DsaReport:
    meta = queries.meta(MetricStore(path))
    return build_report(
        meta["data_dir"], first, last, meta.get("reporting_tz", "UTC"), load_mapping(mapping_file)
    )


dsa_report_for = per_store_version(_report)
