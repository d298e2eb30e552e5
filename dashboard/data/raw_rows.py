"""The export rows behind one indicator, slice and day: listings, complaints or appeals.

Read straight from the Parquet exports (the data folder the store was computed from) with
DuckDB; every value is a bound parameter and column names come from the fixed table below.
The day is a calendar day in the reporting time zone, turned into UTC bounds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from dashboard.data.cache import per_store_version
from dashboard.data.freshness import end_of_day_utc
from metrics.exports import is_remote, locate, relation
from metrics.metric_store import parse_slice

PAGE_SIZE = 50

LISTING_COLUMNS = (
    "l.listing_id, l.seller_id, l.seller_tier, l.market, l.category_l1, l.category_l2, "
    "l.created_at, l.published_at, l.removed_at, l.removal_reason, l.detection_channel, "
    "l.first_sale_at, l.is_regulated_category, l.has_required_certs"
)
COMPLAINT_COLUMNS = (
    "c.complaint_id, c.listing_id, c.received_at, c.channel, c.issue_type, c.decided_at, "
    "c.outcome, c.complainant_informed_at, l.market, l.category_l1, l.seller_tier"
)
APPEAL_COLUMNS = (
    "a.appeal_id, a.listing_id, a.filed_at, a.decided_at, a.outcome, l.market, "
    "l.category_l1, l.seller_tier, l.detection_channel"
)
REMOVED = "l.removed_at >= ? AND l.removed_at < ?"


@dataclass(frozen=True)
class RowSource:
    table: str  # the export the rows come from
    select: str
    where: str  # two placeholders: the day's UTC start and end
    order: str
    description: str
    extra_params: tuple[object, ...] = ()
    lag_days: int = 0  # rows of an earlier day (closed_loop_rate looks 7 days back)


def _appeals_decided(description: str, *channels: str) -> RowSource:
    """Appeals decided on the day about removals first found through one of `channels`."""
    marks = ", ".join("?" for _ in channels)
    return RowSource(
        "appeals",
        APPEAL_COLUMNS,
        f"a.decided_at >= ? AND a.decided_at < ? AND l.detection_channel IN ({marks})",
        "a.decided_at, a.appeal_id",
        description,
        channels,
    )


def _complaints(where: str, description: str, *params: object, lag: int = 0) -> RowSource:
    return RowSource(
        "complaints",
        COMPLAINT_COLUMNS,
        where,
        "c.received_at, c.complaint_id",
        description,
        params,
        lag,
    )


RECEIVED = "c.received_at >= ? AND c.received_at < ?"
ROW_SOURCES: dict[str, RowSource] = {
    **{
        m: RowSource(
            "listings",
            LISTING_COLUMNS,
            REMOVED,
            "l.removed_at, l.listing_id",
            "listings removed or blocked on the day",
        )
        for m in (
            "proactive_rate",
            "prepublish_block_share",
            "removed_before_sale_share",
            "takedown_rate",
            "repeat_offender_rate",
        )
    },
    "missing_qualification_rate": RowSource(
        "listings",
        LISTING_COLUMNS,
        "l.created_at >= ? AND l.created_at < ? AND l.is_regulated_category",
        "l.created_at, l.listing_id",
        "new listings in regulated categories created on the day",
    ),
    "new_listings": RowSource(
        "listings",
        LISTING_COLUMNS,
        "l.created_at >= ? AND l.created_at < ?",
        "l.created_at, l.listing_id",
        "listings created on the day",
    ),
    "live_listings": RowSource(
        "listings",
        LISTING_COLUMNS,
        "l.published_at < ?2 AND (l.removed_at IS NULL OR l.removed_at >= ?2) AND ?1 <= ?2",
        "l.listing_id",
        "listings live at the end of the day",
    ),
    "complaint_rate": _complaints(RECEIVED, "complaints received on the day"),
    "complaints_per_10k_orders": _complaints(RECEIVED, "complaints received on the day"),
    "counterfeit_complaint_rate": _complaints(
        RECEIVED + " AND c.issue_type IN (?, ?)",
        "counterfeit and IP-infringement complaints received on the day",
        "counterfeit",
        "ip_infringement",
    ),
    "safety_complaint_rate": _complaints(
        RECEIVED + " AND c.issue_type = ?",
        "product-safety complaints received on the day",
        "product_safety",
    ),
    "time_to_decision": _complaints(
        "c.decided_at >= ? AND c.decided_at < ?", "complaints decided on the day"
    ),
    "substantiation_rate": _complaints(
        "c.decided_at >= ? AND c.decided_at < ?", "complaints decided on the day"
    ),
    "sla_compliance": _complaints(
        RECEIVED,
        "complaints received on the day (their SLA deadlines fall on this day or "
        "up to 3 working days later)",
    ),
    "overdue_backlog": _complaints(
        "c.received_at < ?2 AND (c.decided_at IS NULL OR c.decided_at >= ?2) AND ?1 <= ?2",
        "complaints still open at the end of the day (not all are past their deadline)",
    ),
    "closed_loop_rate": _complaints(RECEIVED, "complaints received 7 days before the day", lag=7),
    "appeal_overturn_rate": RowSource(
        "appeals",
        APPEAL_COLUMNS,
        "a.decided_at >= ? AND a.decided_at < ?",
        "a.decided_at, a.appeal_id",
        "appeals decided on the day",
    ),
    "appeal_overturn_rate_automated": _appeals_decided(
        "appeals decided on the day against removals the automated model found",
        "proactive_model",
    ),
    "appeal_overturn_rate_review": _appeals_decided(
        "appeals decided on the day against removals our reviewers found", "proactive_review"
    ),
    "appeal_overturn_rate_notice": _appeals_decided(
        "appeals decided on the day against removals that followed a notice",
        "consumer",
        "rights_holder",
        "trusted_flagger",
        "authority",
    ),
    "safety_pledge_compliance": _complaints(
        RECEIVED + " AND c.channel = ? AND c.issue_type = ?",
        "authority product-safety notices received on the day (due 2 working days later)",
        "authority",
        "product_safety",
    ),
    "appeal_rate": RowSource(
        "appeals",
        APPEAL_COLUMNS,
        "a.filed_at >= ? AND a.filed_at < ?",
        "a.filed_at, a.appeal_id",
        "appeals filed on the day",
    ),
}

FROM = {
    "listings": "listings AS l",
    "complaints": "complaints AS c JOIN listings AS l ON l.listing_id = c.listing_id",
    "appeals": "appeals AS a JOIN listings AS l ON l.listing_id = a.listing_id",
}
# Where each slice dimension lives in the joined rows.
DIMENSION_COLUMN = {
    "market": "l.market",
    "category_l1": "l.category_l1",
    "seller_tier": "l.seller_tier",
    "channel": "c.channel",
    "issue_type": "c.issue_type",
}


def data_folder_problem(data_dir: str | None, table: str) -> str | None:
    """Why the rows cannot be read, or None when they can."""
    if not data_dir:
        return "the store does not record which data folder it was computed from"
    if not is_remote(data_dir) and not os.path.isdir(data_dir):
        return f"the data folder {data_dir} is not reachable from the dashboard"
    if locate(data_dir, table) is None:
        return f"there is no {table} export in {data_dir}"
    return None


def build_query(source: RowSource, slice_key: str, day: date, tz: str) -> tuple[str, list[object]]:
    """The rows query with `$n` parameters: the day bounds, the source's values, the slice."""
    shown = day - timedelta(days=source.lag_days)
    start, end = end_of_day_utc(shown - timedelta(days=1), tz), end_of_day_utc(shown, tz)
    params: list[object] = [start, end, *source.extra_params]
    # Re-number `?`/`?n` placeholders so the slice filters can be appended safely.
    where = _number(source.where)
    clauses = [f"({where})"]
    for name, value in parse_slice(slice_key).items():
        column = DIMENSION_COLUMN[name]
        if column.startswith("c.") and source.table != "complaints":
            continue
        params.append(value)
        clauses.append(f"{column} = ${len(params)}")
    sql = f"SELECT {source.select} FROM {FROM[source.table]} WHERE {' AND '.join(clauses)}"
    return sql, params


def _number(where: str) -> str:
    """`?` -> `$1, $2, ...` in order; `?n` -> `$n`."""
    out, count, i = [], 0, 0
    while i < len(where):
        if where[i] == "?":
            j = i + 1
            while j < len(where) and where[j].isdigit():
                j += 1
            if j > i + 1:
                out.append("$" + where[i + 1 : j])
            else:
                count += 1
                out.append(f"${count}")
            i = j
        else:
            out.append(where[i])
            i += 1
    return "".join(out)


@per_store_version
def rows_page(
    path: str, data_dir: str, metric: str, slice_key: str, day: date, tz: str, page: int
) -> tuple[pd.DataFrame, int]:
    """One page of rows (PAGE_SIZE) and the total number of matching rows.

    Cached per store version: the store records which data folder it was computed from, and a
    new compute (new exports) is a new store version.
    """
    source = ROW_SOURCES[metric]
    sql, params = build_query(source, slice_key, day, tz)
    order = source.order
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # exports are UTC; never the server's zone
        for table in {"listings", source.table}:
            found = locate(data_dir, table)
            if found is None:
                return pd.DataFrame(), 0
            relation(con, found).create_view(table, replace=True)
        counted = con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()
        assert counted is not None  # an aggregate query returns one row
        total = counted[0]
        offset = max(0, page - 1) * PAGE_SIZE
        n = len(params)
        rows = con.execute(
            f"{sql} ORDER BY {order} LIMIT ${n + 1} OFFSET ${n + 2}",
            [*params, PAGE_SIZE, offset],
        ).df()
    finally:
        con.close()
    return rows, int(total)
