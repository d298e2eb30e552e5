"""Benchmark of the dashboard (issue 6): seconds to render every page, after a first load.

    .venv/bin/python -m bench.bench_dashboard                 # synthetic 1.2M-row store
    .venv/bin/python -m bench.bench_dashboard --store PATH    # a real store (e.g. the demo's)

Each page is rendered in-process with Streamlit's AppTest: one first load (cold caches),
then `--repeat` reruns whose median is the figure that counts (a user opening the page once
the caches hold the current store version). Target: <= 1.5 s per page.

Without --store, a synthetic store the size of the 20M-listing benchmark is built: 19
indicators x ~155 slices x 400 days (~1.2M series rows, as many detections), alert tables and
export statistics. It has no raw exports, so the drill-down's rows section is not exercised;
pass a real store whose data folder is reachable to include it.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
TARGET_S = 1.5

MARKETS = ("ES", "FR", "DE", "IT", "PL", "NL", "BE", "PT", "US", "BR")
CATEGORIES = (
    "toys", "cosmetics", "electronics", "apparel", "baby", "books", "home", "jewelry",
    "shoes", "sports", "pet_supplies", "medical_devices",
)  # fmt: skip
VALUES = {
    "market": MARKETS,
    "category_l1": CATEGORIES,
    "seller_tier": ("new", "standard", "top", "brand_official"),
    "channel": ("consumer", "rights_holder", "trusted_flagger", "authority"),
    "issue_type": (
        "counterfeit", "ip_infringement", "prohibited_item", "product_safety", "misleading",
        "missing_qualification", "other",
    ),
}  # fmt: skip
BASE = {"share": 0.95, "rate": 6.0, "duration": 20.0, "count": 5000.0}


def _slices(dimensions: tuple[str, ...]) -> list[dict[str, str]]:
    from metrics.catalogue import SLICE_SETS

    out: list[dict[str, str]] = []
    for dims in SLICE_SETS:
        if not all(d in dimensions for d in dims):
            continue
        combos: list[dict[str, str]] = [{}]
        for d in dims:
            combos = [{**c, d: v} for c in combos for v in VALUES[d]]
        out += combos
    return out


def build_synthetic_store(path: Path, days: int = 400) -> str:
    """A store of benchmark size, written with DuckDB SQL (a few seconds)."""
    from alerts.state.alert_store import ensure_schema
    from metrics.catalogue import load_catalogue
    from metrics.metric_store import DIMENSIONS, MetricStore, set_meta, slice_key

    if path.exists():
        path.unlink()
    last = date(2026, 11, 22)
    first = last - timedelta(days=days - 1)
    rows = []
    for metric in load_catalogue():
        for dims in _slices(metric.dimensions):
            rows.append(
                {
                    "metric_id": metric.id,
                    "slice": slice_key(dims),
                    "kind": metric.kind,
                    "scale": metric.scale,
                    "base": BASE[metric.kind],
                    "size": 3000.0 / (4 ** len(dims)),
                    **{d: dims.get(d) for d in DIMENSIONS},
                }
            )
    slices = pd.DataFrame(rows)
    store = MetricStore(path)
    with store.write() as con:
        con.execute("SELECT setseed(0.42)").fetchall()
        con.register("slices", slices)
        con.execute(
            """
            CREATE TEMP TABLE grid AS
            SELECT s.*, CAST(d AS DATE) AS date,
                   greatest(1, round(s.size * (0.8 + 0.4 * random()))) AS den,
                   s.base * (1 + 0.06 * (random() - 0.5)
                             + 0.03 * sin(2 * pi() * dayofweek(d) / 7)) AS raw
            FROM slices s, range(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), INTERVAL 1 DAY) t(d)
            """,
            [first, last + timedelta(days=1)],
        )
        con.execute(
            """
            INSERT INTO series BY NAME
            SELECT metric_id, slice, date,
                   CASE WHEN kind = 'share' THEN least(raw, 1.0) ELSE raw END AS value,
                   CASE WHEN kind IN ('share', 'rate') THEN least(raw, 1.0) * den / scale END
                       AS numerator,
                   CASE WHEN kind = 'count' THEN NULL ELSE den END AS denominator,
                   CASE WHEN kind = 'duration' THEN raw * 2.5 END AS p90,
                   market, category_l1, seller_tier, channel, issue_type
            FROM grid
            """
        )
        con.execute(
            """
            INSERT INTO detections
            SELECT metric_id, slice, date, value, base, base * 0.9, base * 1.1,
                   (value - base) / (base * 0.03), flagged, CASE WHEN flagged THEN 'down' END,
                   flagged
            FROM (SELECT g.*, s.value, random() < 0.003 AS flagged
                  FROM grid g JOIN series s USING (metric_id, slice, date))
            """
        )
        con.execute(
            """
            INSERT INTO export_stats
            SELECT t, CAST(d AS DATE), m, CAST(50000 * (0.9 + 0.2 * random()) AS BIGINT)
            FROM (VALUES ('listings'), ('complaints')) a(t), unnest(?) b(m),
                 range(CAST(? AS TIMESTAMP), CAST(? AS TIMESTAMP), INTERVAL 1 DAY) r(d)
            """,
            [list(MARKETS), first, last + timedelta(days=1)],
        )
        as_of = f"{last.isoformat()} 23:59:59"
        for table, n in (("listings", 20_000_000), ("complaints", 2_400_000)):
            con.execute(
                "INSERT INTO export_files VALUES (?, ?, 1, ?, ?, ?)",
                [table, f"/exports/{table}.parquet", n, as_of, f"{last + timedelta(days=1)} 02:00"],
            )
        set_meta(con, "first_day", first.isoformat())
        set_meta(con, "last_day", last.isoformat())
        set_meta(con, "data_as_of", as_of)
        set_meta(con, "reporting_tz", "UTC")
    with store.write_ledger() as con:  # the alert tables live in the ledger beside the store
        ensure_schema(con)
        con.execute(
            """
            INSERT INTO alert_state (metric_id, slice, rule_id, rule_kind, state, severity,
                                     since, firing_since, as_of, observed, updated_at)
            SELECT metric_id, slice, metric_id || '.headline', 'threshold', 'firing',
                   'warning', date, date, ?, value, now()
            FROM detections WHERE is_alert AND date > ? LIMIT 40
            """,
            [last, last - timedelta(days=10)],
        )
    return store.path


def _store_facts(path: str) -> tuple[int, str, str, str]:
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        n, last = con.execute("SELECT count(*), max(date) FROM series").fetchone()  # type: ignore[misc]
        metric, slice_ = con.execute(
            "SELECT metric_id, slice FROM series WHERE regexp_full_match(slice, "
            "'market=[^,]+,category_l1=[^,]+') AND metric_id = 'complaint_rate' LIMIT 1"
        ).fetchone() or ("complaint_rate", "all")
    return int(n), str(last), str(metric), str(slice_)


def pages(last: str, metric: str, slice_: str) -> list[tuple[str, str, dict[str, str]]]:
    day = date.fromisoformat(last) - timedelta(days=1)
    ninety = (day - timedelta(days=89)).isoformat()
    year = (day - timedelta(days=399)).isoformat()
    return [
        ("overview", "overview", {}),
        ("indicator (90 days, all)", "indicator",
         {"metric": "proactive_rate", "slice": "all", "start": ninety, "end": day.isoformat()}),
        ("indicator (400 days, market x category)", "indicator",
         {"metric": metric, "slice": slice_, "start": year, "end": day.isoformat()}),
        ("drilldown", "drilldown",
         {"metric": "proactive_rate", "slice": "all", "day": day.isoformat()}),
        ("alerts", "alerts", {}),
        ("compliance", "compliance", {"day": day.isoformat()}),
        ("data", "data", {}),
        ("catalogue", "catalogue", {}),
    ]  # fmt: skip


def render(page: str, params: dict[str, str], repeat: int) -> tuple[float, float, int]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=300)
    at.query_params.update({"page": page, **params})
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return first, statistics.median(times), len(at.exception)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="metric store to render (default: build a synthetic one)")
    parser.add_argument("--workdir", default="bench_out", help="where the synthetic store goes")
    parser.add_argument("--days", type=int, default=400, help="days in the synthetic store")
    parser.add_argument("--repeat", type=int, default=3, help="reruns timed after the first")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # AppTest's "missing ScriptRunContext" chatter
    store = args.store
    if store is None:
        os.makedirs(args.workdir, exist_ok=True)
        started = time.perf_counter()
        store = build_synthetic_store(
            Path(args.workdir) / "bench_dashboard_store.duckdb", args.days
        )
        print(f"built synthetic store {store} in {time.perf_counter() - started:.1f}s")
    os.environ["GOVKPI_STORE"] = os.path.abspath(store)
    rows, last, metric, slice_ = _store_facts(store)
    print(f"store: {rows:,} series rows, last day {last}")
    print(f"{'page':<42} {'first load':>10} {'after':>8}  target <= {TARGET_S:.1f}s")
    worst = 0.0
    for name, page, params in pages(last, metric, slice_):
        first, warm, errors = render(page, params, args.repeat)
        worst = max(worst, warm)
        verdict = "ok" if warm <= TARGET_S and not errors else "SLOW" if not errors else "ERROR"
        print(f"{name:<42} {first:>9.2f}s {warm:>7.2f}s  {verdict}")
    verdict = "meets" if worst <= TARGET_S else "misses"
    print(f"slowest page after first load: {worst:.2f}s ({verdict} the {TARGET_S:.1f}s target)")


if __name__ == "__main__":
    main()
