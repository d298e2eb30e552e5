"""Prepares the relations the metric SQL reads: listing_facts, complaint_facts, appeal_facts,
traffic_facts, days and live_exposure.

Everything DuckDB-specific (time zones, epoch arithmetic, calendars) happens here so that the
files in sql/ stay portable. Days are calendar days in the reporting time zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from metrics.exports import register_views
from metrics.sla import SlaPolicy, working_day_calendar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataWindow:
    first_day: date
    last_day: date
    # The latest event timestamp in the exports (UTC): what "data as of" means.
    as_of: datetime
    tables: frozenset[str]


def _day(column: str, tz: str) -> str:
    """SQL for the reporting-zone calendar day of a UTC timestamp column."""
    if tz == "UTC":
        return f"CAST({column} AS DATE)"
    # Session time zone is UTC, so the cast reads the naive timestamp as UTC.
    return f"CAST(timezone(getvariable('reporting_tz'), CAST({column} AS TIMESTAMPTZ)) AS DATE)"


def _local_midnight_to_utc(day_sql: str, tz: str) -> str:
    if tz == "UTC":
        return f"CAST({day_sql} AS TIMESTAMP)"
    return f"CAST(timezone(getvariable('reporting_tz'), CAST({day_sql} AS TIMESTAMP)) AS TIMESTAMP)"


def use_reporting_zone(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    """Sets what the day SQL of this module reads: UTC session time (exports are UTC) and the
    reporting zone."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET VARIABLE reporting_tz = ?", [tz])


def prepare_facts(
    con: duckdb.DuckDBPyConnection,
    data: str,
    tz: str = "UTC",
    sla: SlaPolicy | None = None,
    since: date | None = None,
) -> DataWindow:
    """Registers the exports and builds the fact relations for the days [since, last].

    With `since`, only the rows that can change those days are materialised (events from a
    few days before, removals from the prior 90 days for repeat offenders), and the live
    listings before `since` enter as one aggregate (live_base): a one-day update costs a
    filtered scan, not a full rebuild.
    """
    sla = sla or SlaPolicy()
    use_reporting_zone(con, tz)
    tables = register_views(con, data)
    window = _window(con, tables, tz)
    start = max(since, window.first_day) if since else window.first_day
    _listing_facts(con, tz, since=start if since else None)
    _live_base(con, tz, since=start)
    con.execute(
        "CREATE OR REPLACE TABLE days AS SELECT CAST(d AS DATE) AS day "
        "FROM range(CAST(? AS DATE), CAST(? AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)",
        [start, window.last_day],
    )
    _complaint_facts(con, tz, sla, window, since=start if since else None)
    if "appeals" in tables:
        _appeal_facts(con, tz)
    if "traffic" in tables:
        con.execute(
            "CREATE OR REPLACE VIEW traffic_facts AS SELECT CAST(date AS DATE) AS day, market, "
            "category_l1, CAST(views AS BIGINT) AS views, CAST(orders AS BIGINT) AS orders "
            "FROM traffic"
        )
    return window


# How far before `since` an incremental compute must read, in days (UTC, one day of slack
# for the reporting zone): repeat offenders look back 90 days; SLA deadlines fall at most
# ~10 calendar days after receipt; closed-loop looks at receipts 7 days back.
REMOVAL_LOOKBACK_DAYS = 92
# Listings older than the first complaint by more than this are old stock, not coverage.
OLD_STOCK_DAYS = 31
COMPLAINT_LOOKBACK_DAYS = 16


def _listing_facts(con: duckdb.DuckDBPyConnection, tz: str, since: date | None) -> None:
    columns = f"""
        listing_id, seller_id, seller_tier, market, category_l1,
        is_regulated_category, has_required_certs,
        CAST(created_at AS TIMESTAMP) AS created_at,
        CAST(published_at AS TIMESTAMP) AS published_at,
        CAST(removed_at AS TIMESTAMP) AS removed_at,
        removal_reason, detection_channel,
        CAST(first_sale_at AS TIMESTAMP) AS first_sale_at,
        {_day("created_at", tz)} AS created_day,
        {_day("published_at", tz)} AS published_day,
        {_day("removed_at", tz)} AS removed_day
    """
    if since is None:
        # A view, not a table: each indicator reads only the columns it needs straight from
        # Parquet, which costs less than materialising every listing once.
        con.execute(f"CREATE OR REPLACE VIEW listing_facts AS SELECT {columns} FROM listings")
        return
    # One branch per event column: a single-column filter is pushed into the Parquet scan
    # (row groups skipped, other columns read only for matching rows), an OR is not.
    edge = since - timedelta(days=1)
    removal_edge = since - timedelta(days=REMOVAL_LOOKBACK_DAYS)
    history = f"""
        NULL AS listing_id, seller_id, seller_tier, market, category_l1,
        NULL AS is_regulated_category, NULL AS has_required_certs,
        NULL AS created_at, NULL AS published_at,
        CAST(removed_at AS TIMESTAMP) AS removed_at,
        NULL AS removal_reason, NULL AS detection_channel, NULL AS first_sale_at,
        NULL AS created_day, NULL AS published_day,
        {_day("removed_at", tz)} AS removed_day
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE listing_facts AS
        SELECT {columns} FROM listings WHERE created_at >= $edge
        UNION ALL
        SELECT {columns} FROM listings
        WHERE published_at >= $edge AND NOT created_at >= $edge
        UNION ALL
        SELECT {columns} FROM listings
        WHERE removed_at >= $edge
            AND NOT created_at >= $edge AND NOT coalesce(published_at >= $edge, false)
        UNION ALL
        -- Older removals only feed the repeat-offender look-back: seller, day and slice are
        -- enough, and reading only those columns halves the cost of this branch.
        SELECT {history} FROM listings
        WHERE removed_at >= $removal_edge AND NOT removed_at >= $edge
            AND NOT created_at >= $edge AND NOT coalesce(published_at >= $edge, false)
        """,
        {"edge": edge, "removal_edge": removal_edge},
    )


def _live_base(con: duckdb.DuckDBPyConnection, tz: str, since: date) -> None:
    """Listings live at the end of the day before `since`, per finest slice."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE live_base AS
        SELECT market, category_l1, seller_tier, COUNT(*) AS live
        FROM listings
        WHERE {_day("published_at", tz)} < ?
            AND (removed_at IS NULL OR {_day("removed_at", tz)} >= ?)
        GROUP BY ALL
        """,
        [since, since],
    )


def _aggregate_row(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> tuple[Any, ...]:
    """The one row of an aggregate query (never absent: the None case is for the type checker)."""
    row = con.execute(sql, params or []).fetchone()
    assert row is not None, sql
    return row


def _window(con: duckdb.DuckDBPyConnection, tables: set[str], tz: str) -> DataWindow:
    latest = [
        "SELECT max(created_at), max(published_at), max(removed_at) FROM listings",
        "SELECT max(received_at), max(decided_at) FROM complaints",
    ]
    if "appeals" in tables:
        latest.append("SELECT max(filed_at), max(decided_at) FROM appeals")
    stamps = [v for q in latest for v in _aggregate_row(con, q) if v is not None]
    first_created, first_received = _aggregate_row(
        con,
        f"SELECT (SELECT min({_day('created_at', tz)}) FROM listings), "
        f"(SELECT min({_day('received_at', tz)}) FROM complaints)",
    )
    first = first_created
    if first_created and first_received and (first_received - first_created).days > OLD_STOCK_DAYS:
        # The listings export holds years of old stock; the event logs say which days the
        # exports really cover, so days are reported from the first complaint on.
        first = first_received
    if not stamps or first is None:
        raise ValueError("exports hold no events")  # validation rejects empty exports first
    as_of = max(pd.Timestamp(v).tz_localize(None) for v in stamps).to_pydatetime()
    last = _aggregate_row(con, f"SELECT {_day('CAST(? AS TIMESTAMP)', tz)}", [as_of])[0]
    return DataWindow(first, last, as_of, frozenset(tables))


def _complaint_facts(
    con: duckdb.DuckDBPyConnection,
    tz: str,
    sla: SlaPolicy,
    window: DataWindow,
    since: date | None,
) -> None:
    _recent_events(con, since, has_appeals="appeals" in window.tables)
    markets = [
        r[0]
        for r in con.execute(
            "SELECT market FROM live_base UNION SELECT market FROM listing_dims"
        ).fetchall()
    ]
    # Deadlines of old complaints decided late in the window need their receipt day's calendar.
    oldest = con.execute("SELECT CAST(min(received_at) AS DATE) FROM complaints_in_window")
    first = min(window.first_day, oldest.fetchall()[0][0] or window.first_day) - timedelta(days=1)
    build_complaint_facts(
        con,
        tz,
        sla,
        complaints="complaints_in_window",
        listings="listing_dims",
        target="complaint_facts",
        markets=markets,
        first=first,
        last=window.last_day,
    )


def build_complaint_facts(
    con: duckdb.DuckDBPyConnection,
    tz: str,
    sla: SlaPolicy,
    *,
    complaints: str,
    listings: str,
    target: str,
    markets: list[str],
    first: date,
    last: date,
) -> None:
    """Creates the table `target`: the complaints of the relation `complaints` whose listing
    is in `listings` (listing_id, market, category_l1, seller_tier), with their days in the
    reporting zone, hours to decision and SLA deadline (`sla_deadline`, `deadline_day`, and
    `sla_clock` naming the clock that set it).

    The one definition of an SLA deadline: complaint_facts (sla_compliance, overdue_backlog)
    and the at-risk list of open cases (`metrics.deadlines`) are both built here. `first` ..
    `last` are the receipt days the working-day calendar covers.
    """
    offsets = (sla.authority_working_days, sla.product_safety_working_days)
    calendar = working_day_calendar(sorted(markets), first, last, offsets)
    con.register("sla_calendar_df", calendar)
    con.execute("CREATE OR REPLACE TABLE sla_calendar AS SELECT * FROM sla_calendar_df")
    con.unregister("sla_calendar_df")
    hours = pd.DataFrame(
        {"channel": list(sla.hours_by_channel), "sla_hours": list(sla.hours_by_channel.values())}
    )
    con.register("sla_hours_df", hours)
    con.execute("CREATE OR REPLACE TABLE sla_hours AS SELECT * FROM sla_hours_df")
    con.unregister("sla_hours_df")
    auth, safety = offsets
    received_day = _day("c.received_at", tz)

    # End of the due working day: just before the next local midnight.
    def working_deadline(n: int) -> str:
        midnight = _local_midnight_to_utc(f"(cal.due_{n} + INTERVAL 1 DAY)", tz)
        return f"{midnight} - INTERVAL 1 MICROSECOND"

    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH base AS (
            SELECT
                c.complaint_id, c.listing_id, l.market, l.category_l1, l.seller_tier,
                c.channel, c.issue_type, c.outcome,
                CAST(c.received_at AS TIMESTAMP) AS received_at,
                CAST(c.decided_at AS TIMESTAMP) AS decided_at,
                CAST(c.complainant_informed_at AS TIMESTAMP) AS complainant_informed_at,
                {received_day} AS received_day,
                {_day("c.decided_at", tz)} AS decided_day
            FROM {complaints} AS c
            JOIN {listings} AS l ON l.listing_id = c.listing_id
        ),
        deadlines AS (
            SELECT
                b.*,
                CASE
                    WHEN b.channel = 'authority' THEN {working_deadline(auth)}
                    WHEN b.issue_type = 'product_safety' THEN {working_deadline(safety)}
                    ELSE b.received_at
                        + to_hours(CAST(COALESCE(h.sla_hours, $default_hours) AS BIGINT))
                END AS sla_deadline,
                -- The same branches, named (the at-risk list shows which clock runs).
                CASE
                    WHEN b.channel = 'authority' THEN $authority_clock
                    WHEN b.issue_type = 'product_safety' THEN $safety_clock
                    ELSE CAST(COALESCE(h.sla_hours, $default_hours) AS VARCHAR) || ' h'
                END AS sla_clock,
                epoch(b.decided_at - b.received_at) / 3600.0 AS decision_hours
            FROM base AS b
            LEFT JOIN sla_calendar AS cal ON cal.market = b.market AND cal.day = b.received_day
            LEFT JOIN sla_hours AS h ON h.channel = b.channel
        )
        SELECT *, {_day("sla_deadline", tz)} AS deadline_day FROM deadlines
        """,
        {
            "default_hours": sla.default_hours,
            "authority_clock": f"{auth} working days",
            "safety_clock": f"{safety} working days",
        },
    )


def _recent_events(
    con: duckdb.DuckDBPyConnection, since: date | None, *, has_appeals: bool
) -> None:
    """Complaints and appeals that can change the days computed, and the market, category,
    tier and detection channel of their listings (one semi-join scan of listings, not one per
    table)."""
    if since is None:
        con.execute("CREATE OR REPLACE VIEW complaints_in_window AS SELECT * FROM complaints")
        if has_appeals:
            con.execute("CREATE OR REPLACE VIEW appeals_in_window AS SELECT * FROM appeals")
        con.execute(
            "CREATE OR REPLACE VIEW listing_dims AS "
            "SELECT listing_id, market, category_l1, seller_tier, detection_channel "
            "FROM listings"
        )
        return
    edge = since - timedelta(days=1)
    con.execute(
        "CREATE OR REPLACE TABLE complaints_in_window AS "
        "SELECT * FROM complaints WHERE received_at >= $received "
        "UNION ALL SELECT * FROM complaints "
        "WHERE decided_at >= $edge AND NOT received_at >= $received",
        {"received": since - timedelta(days=COMPLAINT_LOOKBACK_DAYS), "edge": edge},
    )
    ids = "SELECT listing_id FROM complaints_in_window"
    if has_appeals:
        con.execute(
            "CREATE OR REPLACE TABLE appeals_in_window AS "
            "SELECT * FROM appeals WHERE filed_at >= $edge OR decided_at >= $edge",
            {"edge": edge},
        )
        ids += " UNION ALL SELECT listing_id FROM appeals_in_window"
    con.execute(
        "CREATE OR REPLACE TABLE listing_dims AS "
        "SELECT listing_id, market, category_l1, seller_tier, detection_channel "
        f"FROM listings WHERE listing_id IN ({ids})"
    )


def _appeal_facts(con: duckdb.DuckDBPyConnection, tz: str) -> None:
    con.execute(
        f"""
        CREATE OR REPLACE TABLE appeal_facts AS
        SELECT
            a.appeal_id, a.listing_id, l.market, l.category_l1, l.seller_tier, a.outcome,
            -- How the appealed removal was first found: the accuracy indicators split by it.
            l.detection_channel,
            CAST(a.filed_at AS TIMESTAMP) AS filed_at,
            CAST(a.decided_at AS TIMESTAMP) AS decided_at,
            {_day("a.filed_at", tz)} AS filed_day,
            {_day("a.decided_at", tz)} AS decided_day
        FROM appeals_in_window AS a
        JOIN listing_dims AS l ON l.listing_id = a.listing_id
        """
    )


def prepare_live_exposure(con: duckdb.DuckDBPyConnection, shared_sql: dict[str, str]) -> None:
    """Materialises the shared relations of sql/shared (live_exposure) once per compute."""
    for name, sql in shared_sql.items():
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
