"""A small metric store with realistic values, built in code for the dashboard tests.

    store = build_store(tmp_path / "store.duckdb")               # 60 days, 3 markets, alerts
    store = build_store(path, data_dir=write_rows_exports(tmp))  # rows behind the drill-down

Values look like the real thing (shares ~0.9-0.99, rates per 10k ~1-20, durations in hours,
counts in the thousands) and one incident is planted: proactive_rate in market ES drops on
the last two complete days, so the detector flags it and an alert fires. The appeals
indicators are left out, as when the optional appeals export is absent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.catalogue import load_catalogue
from metrics.metric_store import DIMENSIONS, MetricStore, set_meta, slice_key

LAST_DAY = dt.date(2026, 3, 30)  # partial: the export was taken at 06:00 that day
REPORT_DAY = LAST_DAY - dt.timedelta(days=1)
MARKETS = ("ES", "FR", "DE")
CATEGORIES = ("toys", "cosmetics", "electronics")
TIERS = ("new", "standard", "top")
CHANNELS = ("consumer", "rights_holder")
ISSUES = ("counterfeit", "product_safety")
SKIPPED = (
    "appeal_overturn_rate",
    "appeal_overturn_rate_automated",
    "appeal_overturn_rate_review",
    "appeal_overturn_rate_notice",
    "appeal_rate",
)
INCIDENT = ("proactive_rate", "market=ES")

BASE_VALUE = {
    "proactive_rate": 0.972,
    "prepublish_block_share": 0.41,
    "removed_before_sale_share": 0.955,
    "repeat_offender_rate": 0.18,
    "missing_qualification_rate": 0.031,
    "sla_compliance": 0.965,
    "safety_pledge_compliance": 0.98,
    "substantiation_rate": 0.62,
    "closed_loop_rate": 0.91,
    "complaint_rate": 6.4,
    "counterfeit_complaint_rate": 2.1,
    "safety_complaint_rate": 0.8,
    "takedown_rate": 3.2,
    "complaints_per_10k_orders": 14.0,
    "time_to_decision": 19.5,
    "new_listings": 4200.0,
    "live_listings": 180000.0,
    "overdue_backlog": 35.0,
}


def _slices(dimensions: tuple[str, ...]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = [{}]
    values = {
        "market": MARKETS,
        "category_l1": CATEGORIES,
        "seller_tier": TIERS,
        "channel": CHANNELS,
        "issue_type": ISSUES,
    }
    for dim in dimensions:
        out += [{dim: v} for v in values[dim]]
    if "market" in dimensions and "category_l1" in dimensions:
        out += [{"market": m, "category_l1": c} for m in MARKETS for c in CATEGORIES]
    return out


def series_frame(days: int = 60, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = [LAST_DAY - dt.timedelta(days=i) for i in range(days - 1, -1, -1)]
    frames = []
    for metric in load_catalogue():
        if metric.id in SKIPPED:
            continue
        base = BASE_VALUE[metric.id]
        for dims in _slices(metric.dimensions):
            key = slice_key(dims)
            size = 1.0 / (3 ** len(dims))
            den = np.maximum(1.0, rng.normal(2400 * size, 60 * size, len(dates)).round())
            if metric.kind == "share":
                noise = rng.normal(0, 0.004 + 0.01 * len(dims), len(dates))
                value = np.clip(base + noise, 0, 1)
            elif metric.kind == "count":
                value = np.maximum(0, base * size * (1 + rng.normal(0, 0.03, len(dates)))).round()
                den = np.full(len(dates), np.nan)
            else:
                value = np.maximum(0, base * (1 + rng.normal(0, 0.08, len(dates))))
            if (metric.id, key) == INCIDENT or (metric.id == INCIDENT[0] and key == "all"):
                drop = 0.12 if key != "all" else 0.04
                value[-3:-1] -= drop  # the last two complete days
            numerator = value * den / metric.scale if metric.kind != "duration" else np.nan
            frame = pd.DataFrame(
                {
                    "metric_id": metric.id,
                    "slice": key,
                    "date": dates,
                    "value": value,
                    "numerator": numerator,
                    "denominator": den,
                    "p90": value * 2.4 if metric.kind == "duration" else np.nan,
                }
            )
            for dim in DIMENSIONS:
                frame[dim] = dims.get(dim)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def detections_frame(series: pd.DataFrame) -> pd.DataFrame:
    """A rolling-median band; flags the planted incident in the bad direction."""
    out = series[["metric_id", "slice", "date", "value"]].copy()
    grouped = out.groupby(["metric_id", "slice"])["value"]
    expected = grouped.transform(lambda v: v.shift(1).rolling(28, min_periods=7).median())
    spread = grouped.transform(lambda v: v.shift(1).rolling(28, min_periods=7).std())
    out["expected"] = expected
    out["lower"] = expected - 4 * spread
    out["upper"] = expected + 4 * spread
    out["score"] = (out["value"] - expected) / spread
    out["is_anomaly"] = (out["value"] < out["lower"]) | (out["value"] > out["upper"])
    out["direction"] = np.where(out["value"] < expected, "down", "up")
    out.loc[~out["is_anomaly"], "direction"] = None
    better = {m.id: m.better for m in load_catalogue()}
    bad = out["metric_id"].map(lambda m: {"higher": "down", "lower": "up"}.get(better.get(m) or ""))
    out["is_alert"] = out["is_anomaly"] & (out["direction"] == bad)
    return out.dropna(subset=["expected"])


def _export_tables(con, series: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    as_of = dt.datetime.combine(LAST_DAY, dt.time(6, 0))
    for table, rows in (("listings", 20_000_000), ("complaints", 1_200_000)):
        con.execute(
            "INSERT INTO export_files VALUES (?, ?, 1, ?, ?, ?)",
            [table, f"/exports/{table}.parquet", rows, as_of, as_of + dt.timedelta(minutes=20)],
        )
    days = sorted(series["date"].unique())
    for day in days:
        for market in MARKETS:
            partial = 0.25 if day == LAST_DAY else 1.0
            con.execute(
                "INSERT INTO export_stats VALUES ('listings', ?, ?, ?), ('complaints', ?, ?, ?)",
                [day, market, int(1400 * partial), day, market, int(380 * partial)],
            )
    con.execute(
        "INSERT INTO validation VALUES ('warning', 'complaints', 'listing_id', "
        "'complaints.listing_id: 3 rows refer to unknown listings, e.g. complaint_id=C17')"
    )


def _alert_tables(con) -> None:  # type: ignore[no-untyped-def]
    from alerts.state.alert_store import ensure_schema

    ensure_schema(con)
    now = dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)
    firing = [
        ("proactive_rate", "market=ES", "proactive_rate.headline", "critical",
         REPORT_DAY, 0.852, 0.95, 0.90, "below"),
        ("complaint_rate", "all", "complaint_rate.headline", "warning",
         REPORT_DAY - dt.timedelta(days=4), 9.1, 8.0, 12.0, "above"),
    ]  # fmt: skip
    for metric, slc, rule, severity, since, observed, warning, critical, side in firing:
        con.execute(
            "INSERT INTO alert_state (metric_id, slice, rule_id, rule_kind, state, severity, "
            "since, firing_since, as_of, observed, warning, critical, side, updated_at) "
            "VALUES (?, ?, ?, 'threshold', 'firing', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [metric, slc, rule, severity, since, since, REPORT_DAY, observed, warning,
             critical, side, now],
        )  # fmt: skip
        con.execute(
            "INSERT INTO alert_evaluations (run_id, evaluated_at, as_of, date, metric_id, slice, "
            "rule_id, observed, warning, critical, side, verdict, state_before, state, severity,"
            " firing_since) VALUES ('r1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'breach', 'pending', "
            "'firing', ?, ?)",
            [now, REPORT_DAY, since, metric, slc, rule, observed, warning, critical, side,
             severity, since],
        )  # fmt: skip
    con.execute(
        "INSERT INTO silences VALUES ('sil0001', 'takedown_rate', 'market=FR*', ?, ?, "
        "'FR catalogue migration', 'ana', ?, NULL, NULL)",
        [now, now + dt.timedelta(days=3650), now],
    )


def build_store(
    path: str | Path,
    *,
    days: int = 60,
    data_dir: str | Path | None = None,
    detections: bool = True,
    alerts: bool = True,
) -> MetricStore:
    store = MetricStore(path)
    series = series_frame(days)
    with store.write() as con:
        con.register("new_series", series)
        con.execute("INSERT INTO series BY NAME SELECT * FROM new_series")
        if detections:
            con.register("new_detections", detections_frame(series))
            con.execute("INSERT INTO detections BY NAME SELECT * FROM new_detections")
        _export_tables(con, series)
        set_meta(con, "first_day", min(series["date"]).isoformat())
        set_meta(con, "last_day", LAST_DAY.isoformat())
        set_meta(con, "data_as_of", f"{LAST_DAY.isoformat()} 06:00:00")
        set_meta(con, "reporting_tz", "UTC")
        set_meta(
            con, "skipped_metrics", "; ".join(f"{m}: needs the appeals export" for m in SKIPPED)
        )
        if data_dir is not None:
            set_meta(con, "data_dir", str(data_dir))
    if alerts:
        with store.write_ledger() as con:
            _alert_tables(con)
    return store


def build_empty_store(path: str | Path) -> MetricStore:
    """A store that exists but has no series (a compute that has not run yet)."""
    store = MetricStore(path)
    with store.write():
        pass
    return store


def write_rows_exports(data_dir: Path, removed: int = 120) -> Path:
    """Exports whose listings removed on REPORT_DAY in ES toys number `removed` (3 pages)."""
    from tests.export_fixtures import write_exports

    start = dt.datetime.combine(REPORT_DAY, dt.time(0, 5))
    listings = []
    for i in range(1, removed + 1):
        listings.append(
            {
                "market": "ES",
                "category_l1": "toys",
                "created_at": start - dt.timedelta(days=3),
                "published_at": start - dt.timedelta(days=2),
                "removed_at": start + dt.timedelta(minutes=i),
                "removal_reason": "counterfeit",
                "detection_channel": "proactive_model" if i % 5 else "consumer",
            }
        )
    listings.append({"market": "FR", "removed_at": start, "removal_reason": "other",
                     "detection_channel": "consumer"})  # fmt: skip
    complaints = [{"received_at": start + dt.timedelta(hours=1), "decided_at": None,
                   "outcome": None, "complainant_informed_at": None}]  # fmt: skip
    return write_exports(data_dir, listings=listings, complaints=complaints)


def markdown_table(source: str) -> pd.DataFrame:
    """A table the pages render as Markdown (`link_table_markdown`) read back as the reader
    sees it: escapes and entities undone, a link cell reduced to its text."""
    import html
    import re

    def cell(text: str) -> str:
        text = re.sub(r"<a [^>]*>(.*?)</a>", r"\1", text.strip())
        return html.unescape(re.sub(r"\\(.)", r"\1", text)).replace("\u2060", "")

    lines = [line for line in source.splitlines() if line.startswith("|")]
    rows = [[cell(c) for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines]
    return pd.DataFrame(rows[2:], columns=rows[0])
