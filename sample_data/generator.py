"""Writes a realistic, seeded set of exports (contract v1.1) with planted incidents.

    from sample_data.generator import generate_sample
    summary = generate_sample("demo_data", listings=300_000, days=400, seed=7)

Everything is drawn in DuckDB from hashes of row keys, so the same options give
byte-identical files on any number of threads, and 20M listings take a couple of minutes.
Files are written to a temporary folder beside the target and moved into place at the end:
a crash leaves the target as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from metrics.contract import (
    APPEAL_OUTCOMES,
    AUTOMATION_LEVELS,
    COMPLAINT_CHANNELS,
    COMPLAINT_OUTCOMES,
    DECISION_GROUNDS,
    DETECTION_CHANNELS,
    REMOVAL_REASONS,
    SELLER_TIERS,
)
from metrics.errors import UserError
from sample_data import events_sql, listings_sql
from sample_data.calendar import DEFAULT_END, US_PER_DAY, daily_plan, export_window
from sample_data.catalog import CATEGORIES, MARKETS
from sample_data.extras import extra_listings
from sample_data.ground_truth import entries
from sample_data.incidents import plan_incidents, sql_parameters
from sample_data.sqlrand import SqlRandom

log = logging.getLogger(__name__)

DEFAULT_LISTINGS = 1_000_000
DEFAULT_DAYS = 400
DEFAULT_SEED = 7
MIN_LISTINGS = 1_000
MAX_LISTINGS = 100_000_000
MAX_DAYS = 3650
# Average listings per seller; seller sizes are long-tailed around it.
LISTINGS_PER_SELLER = 20
FILES = ("listings.parquet", "complaints.parquet", "appeals.parquet", "traffic.parquet")


@dataclass(frozen=True)
class SampleSummary:
    out: Path
    first_day: dt.date
    last_day: dt.date
    rows: dict[str, int]
    incidents: list[dict[str, Any]]  # incidents.json (format: sample_data.ground_truth)
    seconds: float
    # The files written; an optional export with no rows (appeals in a tiny sample) is left
    # out, since an empty Parquet file is an invalid export.
    files: tuple[str, ...]


def check_options(listings: int, days: int, seed: int, end: dt.date) -> None:
    """Raises UserError naming the first bad option."""
    if not MIN_LISTINGS <= listings <= MAX_LISTINGS:
        raise UserError(
            f"--listings must be between {MIN_LISTINGS:,} and {MAX_LISTINGS:,}, got {listings:,}"
        )
    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"--days must be between 1 and {MAX_DAYS}, got {days}")
    if not 0 <= seed < 2**63:
        raise UserError(f"--seed must be a non-negative integer below 2**63, got {seed}")
    if not dt.date(2000, 1, 1) <= end <= dt.date(2100, 12, 31):
        raise UserError(f"--end must be a date between 2000 and 2100, got {end}")


def generate_sample(
    out: str | os.PathLike[str],
    listings: int = DEFAULT_LISTINGS,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    end: dt.date = DEFAULT_END,
    threads: int | None = None,
    memory_limit: str = "5GB",
) -> SampleSummary:
    """Generates the four exports and incidents.json into `out` (created if needed)."""
    check_options(listings, days, seed, end)
    started = time.perf_counter()
    target = Path(out).resolve()
    if target.exists() and not target.is_dir():
        raise UserError(f"--out {target} exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.sample-", dir=target.parent))
    try:
        rows, incidents = _generate(tmp, listings, days, seed, end, threads, memory_limit)
        if rows["complaints"] == 0:
            raise UserError(
                f"{listings:,} listings over {days} days make no complaints: "
                "raise --listings or --days"
            )
        files = tuple(f for f in FILES if rows[f.removesuffix(".parquet")] > 0)
        files += ("incidents.json",)
        _move_into_place(tmp, target, files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    first, last = export_window(end, days)
    seconds = time.perf_counter() - started
    return SampleSummary(target, first, last, rows, incidents, seconds, files)


def _generate(
    tmp: Path,
    listings: int,
    days: int,
    seed: int,
    end: dt.date,
    threads: int | None,
    memory_limit: str,
) -> tuple[dict[str, int], list[dict[str, Any]]]:
    daily = daily_plan(end, days, listings, seed)
    plan = plan_incidents(end, days)
    n_sellers = max(20, listings // LISTINGS_PER_SELLER)
    extras = extra_listings(plan, daily, seed, first_idx=listings, first_seller=n_sellers)
    params = _parameters(daily, end, days, n_sellers) | sql_parameters(plan, daily)
    rnd = SqlRandom(seed)

    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = ?", [memory_limit])
        if threads:  # else DuckDB's default: the cores this process may use
            con.execute("SET threads = ?", [threads])
        con.execute("SET temp_directory = ?", [str(tmp / "spill")])
        # Output order must not depend on thread scheduling (byte-identical files).
        con.execute("SET preserve_insertion_order = true")
        con.register("daily_df", daily)
        con.execute("CREATE TABLE days AS SELECT * FROM daily_df")
        con.register("extras_df", extras)
        rows = {
            "listings": _listings(con, rnd, params, tmp),
            "complaints": _complaints(con, rnd, params, tmp),
            "appeals": _appeals(con, rnd, params, tmp),
            "traffic": _timed(
                "traffic",
                lambda: _write(con, events_sql.traffic_sql(rnd), params, tmp / "traffic.parquet"),
            ),
        }
    finally:
        con.close()
    incidents = entries(plan)
    (tmp / "incidents.json").write_text(json.dumps(incidents, indent=2) + "\n")
    return rows, incidents


def _parameters(daily: pd.DataFrame, end: dt.date, days: int, n_sellers: int) -> dict[str, Any]:
    first, _ = export_window(end, days)
    day_us = {d: int(us) for d, us in zip(daily["date"], daily["day_us"], strict=True)}
    return {
        "end_us": day_us[end] + US_PER_DAY - 1,
        "window_us": day_us[first],
        "day_us": daily["day_us"].tolist(),
        "listings": daily["listings"].tolist(),
        "listing_start": daily["listing_start"].tolist(),
        "complaints": daily["complaints"].tolist(),
        "complaint_start": daily["complaint_start"].tolist(),
        "n_sellers": n_sellers,
        # Seller sizes fall off like 1/(rank + k0): the biggest hold a few thousand listings
        # at 20M, the long tail a handful each.
        "k0": max(5.0, n_sellers / 500),
        "tier_names": list(SELLER_TIERS),
        "market_names": [m.code for m in MARKETS],
        "category_names": [c.name for c in CATEGORIES],
        "l2_names": listings_sql.l2_names()[0],
        "l2_offsets": listings_sql.l2_names()[1],
        "reason_names": list(REMOVAL_REASONS),
        "channel_names": list(DETECTION_CHANNELS),
        "complaint_channel_names": list(COMPLAINT_CHANNELS),
        "complaint_outcome_names": list(COMPLAINT_OUTCOMES),
        "appeal_outcome_names": list(APPEAL_OUTCOMES),
        "automation_names": list(AUTOMATION_LEVELS),
        "ground_names": list(DECISION_GROUNDS),
    }


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement mentions (DuckDB rejects unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> None:
    con.execute(sql, _used(sql, params))


def _write(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], path: Path) -> int:
    con.sql(sql, params=_used(sql, params)).write_parquet(str(path), compression="snappy")
    return int(con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()[0][0])


def _timed(table: str, work: Callable[[], int]) -> int:
    started = time.perf_counter()
    count = work()
    log.info("%-10s %12s rows  %6.1f s", table, f"{count:,}", time.perf_counter() - started)
    return count


def _listings(
    con: duckdb.DuckDBPyConnection, rnd: SqlRandom, params: dict[str, Any], tmp: Path
) -> int:
    def work() -> int:
        # One row per listing index, in creation order; the unnest runs on one thread but
        # does almost nothing, the heavy lifecycle query then scans it in parallel.
        _run(
            con,
            "CREATE TABLE idx AS SELECT d, unnest(range(listing_start, listing_start "
            "+ listings)) AS i FROM days ORDER BY d",
            params,
        )
        main = f"({listings_sql.main_base_sql(rnd)})"
        _run(con, "CREATE TABLE lc AS " + listings_sql.lifecycle_sql(rnd, main), params)
        con.execute("DROP TABLE idx")
        extras = (
            "(SELECT idx, seller_key, tier, m, c, created_us, ov_pv, "
            "NULLIF(ov_reason, -1) AS ov_reason, ov_ppro, ov_react_h, ov_dup FROM extras_df)"
        )
        _run(con, "INSERT INTO lc " + listings_sql.lifecycle_sql(rnd, extras), params)
        return _write(con, listings_sql.listings_output_sql(rnd), params, tmp / "listings.parquet")

    return _timed("listings", work)


def _complaints(
    con: duckdb.DuckDBPyConnection, rnd: SqlRandom, params: dict[str, Any], tmp: Path
) -> int:
    def work() -> int:
        _run(
            con,
            "CREATE TABLE cand AS SELECT d, unnest(range(complaint_start, "
            "complaint_start + complaints)) AS q FROM days WHERE complaints > 0",
            params,
        )
        _run(con, events_sql.complaints_table_sql(rnd), params)
        con.execute("DROP TABLE cand")
        path = tmp / "complaints.parquet"
        return _write(con, events_sql.complaints_output_sql(rnd), params, path)

    return _timed("complaints", work)


def _appeals(
    con: duckdb.DuckDBPyConnection, rnd: SqlRandom, params: dict[str, Any], tmp: Path
) -> int:
    def work() -> int:
        _run(con, events_sql.appeals_table_sql(rnd), params)
        return _write(con, events_sql.APPEALS_OUTPUT_SQL, params, tmp / "appeals.parquet")

    return _timed("appeals", work)


def _move_into_place(tmp: Path, target: Path, files: tuple[str, ...]) -> None:
    """Each file replaces its old version in one rename, only once all are written.

    An export left out this time is removed, so the folder never mixes two samples.
    """
    target.mkdir(exist_ok=True)
    for name in files:
        os.replace(tmp / name, target / name)
    for name in FILES:
        if name not in files:
            (target / name).unlink(missing_ok=True)
