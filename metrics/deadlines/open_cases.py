"""The complaints still open at the end of a day, with their SLA deadline and the hours left
on their clock: what `govkpi sla at-risk`, the digest's at-risk section and the dashboard's
Compliance page show.

Read straight from the exports, only the complaints open at the end of the day and their
listings; their deadlines come from `metrics.facts.build_complaint_facts`, the function that
gives sla_compliance and overdue_backlog theirs, so a case is due here exactly when the
indicators judge it due. Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from metrics.deadlines.time_left import end_of_day_utc
from metrics.errors import UserError
from metrics.exports import register_views
from metrics.facts import build_complaint_facts, use_reporting_zone
from metrics.sla import SlaPolicy

log = logging.getLogger(__name__)

CASE_COLUMNS = (
    "complaint_id", "listing_id", "market", "category_l1", "seller_tier", "channel",
    "issue_type", "received_at", "deadline", "clock", "hours_left",
)  # fmt: skip


@dataclass(frozen=True)
class OpenCases:
    """The open complaints at the end of `day` (reporting zone `timezone`)."""

    day: date
    timezone: str
    # When the clocks were read: the end of `day` in the reporting zone, as naive UTC.
    read_at: datetime
    # The latest receipt or decision in the complaints export (naive UTC): later decisions
    # are unknown, so a case open here may have been decided since.
    data_as_of: datetime
    # CASE_COLUMNS, one row per case, in deadline order; times naive UTC.
    cases: pd.DataFrame
    # Open complaints whose listing is not in the listings export: without a market there is
    # no calendar, so they have no deadline (the indicators leave them out too).
    unknown_listings: int = 0


def read_open_cases(
    data: str, day: date, tz: str = "UTC", sla: SlaPolicy | None = None
) -> OpenCases:
    """The complaints received by the end of `day` and not decided by then.

    Raises UserError when the exports are missing or unreadable, or when `day` is after the
    last day the complaints export covers (who is still open then is not known yet).
    """
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        use_reporting_zone(con, tz)
        return _read(con, data, day, tz, sla or SlaPolicy())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"cannot read the exports in {data}: {first}") from None
    finally:
        con.close()


def _read(
    con: duckdb.DuckDBPyConnection, data: str, day: date, tz: str, sla: SlaPolicy
) -> OpenCases:
    tables = register_views(con, data)
    for needed in ("complaints", "listings"):
        if needed not in tables:
            raise UserError(f"no {needed} export in {data} ({needed}.parquet or {needed}/)")
    as_of = _complaints_as_of(con, data)
    last_day = pd.Timestamp(as_of).tz_localize("UTC").tz_convert(tz).date()
    if day > last_day:
        raise UserError(
            f"{day.isoformat()} is after the last day of the complaints export "
            f"({last_day.isoformat()} in {tz}): which cases are open then is not known yet"
        )
    read_at = end_of_day_utc(day, tz)
    con.execute(
        "CREATE TEMP TABLE open_complaints AS SELECT * FROM complaints "
        "WHERE received_at < $end AND (decided_at IS NULL OR decided_at >= $end)",
        {"end": read_at},
    )
    con.execute(
        "CREATE TEMP TABLE open_listings AS "
        "SELECT listing_id, market, category_l1, seller_tier FROM listings "
        "WHERE listing_id IN (SELECT listing_id FROM open_complaints)"
    )
    counts = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE listing_id NOT IN "
        "(SELECT listing_id FROM open_listings)), CAST(min(received_at) AS DATE) "
        "FROM open_complaints"
    ).fetchall()[0]
    opened, unknown, oldest = int(counts[0]), int(counts[1]), counts[2]
    if unknown:
        log.warning(
            "%d open complaints refer to listings missing from the listings export: without a "
            "market they have no SLA deadline and are not listed",
            unknown,
        )
    if opened == unknown:
        return OpenCases(day, tz, read_at, as_of, _empty(), unknown)
    markets = [r[0] for r in con.execute("SELECT DISTINCT market FROM open_listings").fetchall()]
    build_complaint_facts(
        con,
        tz,
        sla,
        complaints="open_complaints",
        listings="open_listings",
        target="open_case_facts",
        markets=markets,
        # One day of slack: the UTC date of a receipt can be the day after its local date.
        first=oldest - timedelta(days=1),
        last=day,
    )
    cases = con.execute(
        """
        SELECT complaint_id, listing_id, market, category_l1, seller_tier, channel, issue_type,
               received_at, sla_deadline AS deadline, sla_clock AS clock,
               epoch(sla_deadline - CAST($read_at AS TIMESTAMP)) / 3600.0 AS hours_left
        FROM open_case_facts
        ORDER BY sla_deadline, complaint_id
        """,
        {"read_at": read_at},
    ).df()
    return OpenCases(day, tz, read_at, as_of, cases[list(CASE_COLUMNS)], unknown)


def _complaints_as_of(con: duckdb.DuckDBPyConnection, data: str) -> datetime:
    row = con.execute("SELECT max(received_at), max(decided_at) FROM complaints").fetchall()[0]
    stamps = [pd.Timestamp(v).tz_localize(None) for v in row if v is not None]
    if not stamps:
        raise UserError(f"the complaints export in {data} has no rows")
    return max(stamps).to_pydatetime()


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CASE_COLUMNS})
    frame["received_at"] = pd.Series(dtype="datetime64[us]")
    frame["deadline"] = pd.Series(dtype="datetime64[us]")
    frame["hours_left"] = pd.Series(dtype=float)
    return frame
