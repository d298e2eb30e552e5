"""Runs the indicator catalogue over the exports and writes the series into the store.

The engine (DuckDB or Spark, `metrics.engines`) validates, reads and aggregates; what is the
same for every engine (slices, dense days, running totals, the store write) happens here.
Validates first and refuses bad exports without touching the store. `since` recomputes only
the days from it on and keeps earlier stored days; by default an existing store has its last
14 days recomputed because late decisions change recent days.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from metrics.catalogue import Catalogue, load_catalogue
from metrics.engines import open_backend
from metrics.export_stats import write_export_stats
from metrics.facts import DataWindow
from metrics.metric_store import MetricStore, get_meta, set_meta
from metrics.package_version import govkpi_version
from metrics.series_builder import add_running_base, build_series
from metrics.settings import Settings, SparkSettings
from metrics.sla import SlaPolicy

log = logging.getLogger(__name__)

RECOMPUTE_DAYS = 14


@dataclass(frozen=True)
class ComputeSummary:
    first_day: date
    last_day: date
    since: date
    metrics: list[str]
    skipped: dict[str, str]
    rows: int
    seconds: float


def _stored_since(store: MetricStore, catalogue_version: str, tz: str) -> date | None:
    """The default start of an incremental compute, or None when a full one is needed."""
    if not store.exists():
        return None
    with store.read() as con:
        same = (
            get_meta(con, "catalogue_version") == catalogue_version
            and get_meta(con, "reporting_tz") == tz
        )
        last = get_meta(con, "last_day")
    if not same or last is None:
        return None
    return date.fromisoformat(last) - timedelta(days=RECOMPUTE_DAYS - 1)


def _already_validated(store: MetricStore, fingerprint: str) -> bool:
    """Exports unchanged since their last successful validation need no second pass."""
    if not fingerprint or not store.exists():
        return False
    with store.read() as con:
        return get_meta(con, "validated_exports") == fingerprint


def _stored_base(store: MetricStore, metric_id: str, start: date) -> pd.DataFrame:
    """The stored running total of each slice on the day before `start`."""
    with store.read() as con:
        return con.execute(
            "SELECT * EXCLUDE (date) FROM series WHERE metric_id = ? AND date = ?",
            [metric_id, start - timedelta(days=1)],
        ).df()


def _stored_slices(store: MetricStore) -> dict[str, pd.DataFrame]:
    """Each metric's stored slices (dimension columns), read in one pass."""
    if not store.exists():
        return {}
    with store.read() as con:
        known = con.execute(
            "SELECT DISTINCT metric_id, market, category_l1, seller_tier, channel, issue_type "
            "FROM series"
        ).df()
    return {
        str(metric_id): part.drop(columns="metric_id").reset_index(drop=True)
        for metric_id, part in known.groupby("metric_id")
    }


def catalogue_version(catalogue: Catalogue) -> str:
    return "|".join(m.fingerprint for m in sorted(catalogue, key=lambda m: m.id))


def compute_store(
    data: str,
    store: MetricStore,
    since: date | None = None,
    *,
    tz: str = "UTC",
    full: bool = False,
    catalogue: Catalogue | None = None,
    sla: SlaPolicy | None = None,
    validate: bool = True,
    memory_limit: str | None = None,
    engine: str = "duckdb",
    spark: SparkSettings | None = None,
) -> ComputeSummary:
    """`engine` is "duckdb" (with `memory_limit`) or "spark" (with the `spark` settings)."""
    started = time.perf_counter()
    catalogue = catalogue or load_catalogue()
    version = catalogue_version(catalogue)
    if since is None and not full:
        since = _stored_since(store, version, tz)
    backend = open_backend(engine, memory_limit=memory_limit, spark=spark)
    try:
        fingerprint = backend.exports_fingerprint(data)
        report = None
        if validate and not _already_validated(store, fingerprint):
            report = backend.validate(data)
        window = backend.prepare(data, tz, sla or SlaPolicy(), since, catalogue.shared_sql)
        start = max(since, window.first_day) if since else window.first_day
        log.info(
            "computing %s .. %s (%s days) from %s on %s",
            start,
            window.last_day,
            (window.last_day - start).days + 1,
            data or "catalogue tables",
            backend.name,
        )
        frames, done, skipped = [], [], {}
        stored = _stored_slices(store) if start > window.first_day else {}
        computable = []
        for metric in sorted(catalogue, key=lambda m: m.id):
            missing = [t for t in metric.requires if t not in window.tables]
            if missing:
                skipped[metric.id] = f"needs the {', '.join(missing)} export"
                log.warning("skipping %s: it needs the %s export", metric.id, missing[0])
            else:
                computable.append(metric)
        t0 = time.perf_counter()
        aggregates = backend.aggregate(computable, start, window.last_day)
        log.info("  aggregated %d indicators in %.1fs", len(computable), time.perf_counter() - t0)
        for metric in computable:
            series = build_series(
                aggregates[metric.id], metric, start, window.last_day, stored.get(metric.id)
            )
            if metric.aggregation == "running_sum" and start > window.first_day:
                series = add_running_base(series, _stored_base(store, metric.id, start))
            frames.append(series)
            done.append(metric.id)
            log.info("  %-28s %7d rows", metric.id, len(series))
        result = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        daily_counts = backend.daily_counts(window, start)
        files = backend.export_files(data)
        with store.write() as target:
            _write(target, result, start, window, data, tz, version, skipped, engine)
            write_export_stats(target, window, report, start, daily_counts, files)
            if report is not None:
                set_meta(target, "validated_exports", fingerprint)
    finally:
        backend.close()
    seconds = time.perf_counter() - started
    log.info("stored %d series rows in %s (%.1fs)", len(result), store.path, seconds)
    return ComputeSummary(
        window.first_day, window.last_day, start, done, skipped, len(result), seconds
    )


def compute_with_settings(
    data: str,
    store: MetricStore,
    settings: Settings,
    since: date | None = None,
    *,
    full: bool = False,
) -> ComputeSummary:
    """compute_store with the settings' reporting zone, engine, memory limit and [spark]
    section: the command, the daily job and the demo compute alike."""
    return compute_store(
        data,
        store,
        since,
        tz=settings.timezone,
        full=full,
        engine=settings.engine,
        memory_limit=settings.memory_limit,
        spark=settings.spark,
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    result: pd.DataFrame,
    start: date,
    window: DataWindow,
    data: str,
    tz: str,
    version: str,
    skipped: dict[str, str],
    engine: str,
) -> None:
    con.execute("DELETE FROM series WHERE date >= ?", [start])
    if skipped:
        con.execute("DELETE FROM series WHERE list_contains(?, metric_id)", [list(skipped)])
    if len(result):
        con.register("new_series", result)
        con.execute("INSERT INTO series BY NAME SELECT * FROM new_series")
        con.unregister("new_series")
    # Empty when Spark read catalogue tables only: no folder the dashboard could read rows from.
    set_meta(con, "data_dir", os.path.abspath(data) if data and "://" not in data else data)
    set_meta(con, "first_day", window.first_day.isoformat())
    set_meta(con, "last_day", window.last_day.isoformat())
    set_meta(con, "data_as_of", window.as_of.isoformat(sep=" ", timespec="seconds"))
    set_meta(con, "reporting_tz", tz)
    set_meta(con, "catalogue_version", version)
    set_meta(con, "govkpi_version", govkpi_version())
    set_meta(con, "compute_engine", engine)  # which engine wrote the series last
    set_meta(con, "skipped_metrics", ";".join(f"{k}: {v}" for k, v in skipped.items()))
