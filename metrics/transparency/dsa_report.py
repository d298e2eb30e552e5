"""Computes the DSA transparency report's rows from the exports in DuckDB.

Days are calendar days in the reporting time zone, both ends included: the period becomes
one half-open interval of UTC instants [local midnight of the first day, local midnight after
the last day), computed with zoneinfo (so a DST change inside the period is exact) and bound
as parameters like every other value. The exports are validated first; each population
(complaints, removals, appeals touching the period) is materialised once and every indicator
is one GROUPING SETS query over it: the whole-period row and one row per breakdown value.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from metrics.contract import CONTRACT_VERSION
from metrics.errors import UserError
from metrics.exports import register_views
from metrics.transparency.category_mapping import CategoryMapping
from metrics.transparency.dsa_categories import UNMAPPED
from metrics.transparency.dsa_indicators import (
    APPEALS,
    COMPLAINTS,
    DIMENSIONS,
    INDICATORS,
    REMOVALS,
    VALUES,
    Dimension,
    Indicator,
)
from metrics.validation.report import require_valid

log = logging.getLogger(__name__)

# A case whose market, automation or ground is not in the export (null): its own value.
UNKNOWN = "unknown"
OPTIONAL_COLUMNS = ("automation", "decision_ground")


@dataclass(frozen=True)
class ReportRow:
    section: str
    indicator: str
    # `all` or `dim=value`.
    breakdown: str
    # A count, or a median in hours; None: not available (see `cases`).
    value: float | int | None
    unit: str
    # The cases behind the value (for a count, the count itself); None when the data the row
    # needs is absent from the exports, 0 when a median has no case to take.
    cases: int | None

    @property
    def dimension(self) -> str | None:
        return None if self.breakdown == "all" else self.breakdown.split("=", 1)[0]


@dataclass(frozen=True)
class DsaReport:
    first_day: date
    last_day: date
    timezone: str
    rows: list[ReportRow]
    mapping: CategoryMapping
    # What the exports lack, as read by people: "the appeals export", "complaints.automation".
    absent: list[str] = field(default_factory=list)
    # What a reader must know about the figures (the period runs past the data, ...).
    notes: list[str] = field(default_factory=list)
    contract_version: str = CONTRACT_VERSION


def period_bounds(first_day: date, last_day: date, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of the calendar days first..last in zone `tz`, naive
    (as the exports' timestamps are)."""
    zone = ZoneInfo(tz)

    def midnight(day: date) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    return midnight(first_day), midnight(last_day + timedelta(days=1))


def build_report(
    data: str, first_day: date, last_day: date, tz: str, mapping: CategoryMapping
) -> DsaReport:
    """Validates the exports in `data` and computes every row for the period.

    UserError (exit code 2) for a period that ends before it starts or exports that break the
    contract; the rows of an absent optional export or column read "not available".
    """
    if first_day > last_day:
        raise UserError(f"--from {first_day} is after --to {last_day}")
    start, end = period_bounds(first_day, last_day, tz)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        # Casting a zone-aware timestamp to TIMESTAMP then gives UTC wall time.
        con.execute("SET TimeZone = 'UTC'")
        require_valid(data, con)
        tables = register_views(con, data)
        columns = {t: _columns(con, t) for t in tables}
        absent = _absent(tables, columns)
        _mapping_table(con, mapping)
        params = {"start": start, "end": end, "unknown": UNKNOWN, "unmapped": UNMAPPED}
        _populations(con, tables, columns, params)
        rows: list[ReportRow] = []
        for indicator in INDICATORS:
            rows += _indicator_rows(con, indicator, tables, columns, mapping, params)
        notes = _coverage_notes(con, tables, start, end)
    finally:
        con.close()
    return DsaReport(first_day, last_day, tz, rows, mapping, absent, notes)


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()}


def _absent(tables: set[str], columns: dict[str, set[str]]) -> list[str]:
    absent = [] if "appeals" in tables else ["the appeals export"]
    for table in ("listings", "complaints"):
        absent += [f"{table}.{c}" for c in OPTIONAL_COLUMNS if c not in columns[table]]
    return absent


def _mapping_table(con: duckdb.DuckDBPyConnection, mapping: CategoryMapping) -> None:
    con.execute(
        "CREATE TEMP TABLE dsa_mapping AS "
        "SELECT unnest($reasons) AS reason, unnest($categories) AS category",
        {
            "reasons": list(mapping.categories),
            "categories": list(mapping.categories.values()),
        },
    )


def _optional(column: str, alias: str, present: set[str]) -> str:
    """An optional column with nulls as `unknown`, or NULL when the export lacks it."""
    if column in present:
        return f"coalesce({alias}.{column}, $unknown) AS {column}"
    return f"CAST(NULL AS VARCHAR) AS {column}"


def _in_period(column: str) -> str:
    return f"(CAST({column} AS TIMESTAMP) >= $start AND CAST({column} AS TIMESTAMP) < $end)"


def _hours(alias: str, earlier: str) -> str:
    later = f"CAST({alias}.decided_at AS TIMESTAMP)"
    return f"epoch({later} - CAST({alias}.{earlier} AS TIMESTAMP)) / 3600.0 AS hours"


def _populations(
    con: duckdb.DuckDBPyConnection,
    tables: set[str],
    columns: dict[str, set[str]],
    params: dict[str, Any],
) -> None:
    """Materialises the cases that touch the period, with their breakdown columns.

    LEFT JOINs keep every case: one whose listing is missing from listings counts with market
    `unknown`, one whose reason is not mapped under `unmapped`.
    """
    c, li = columns["complaints"], columns["listings"]
    _create(
        con,
        COMPLAINTS,
        f"""
        SELECT c.channel, c.issue_type, c.outcome,
            coalesce(l.market, $unknown) AS market,
            CAST(c.received_at AS TIMESTAMP) AS received_at,
            CAST(c.decided_at AS TIMESTAMP) AS decided_at,
            {_hours("c", "received_at")},
            coalesce(m.category, $unmapped) AS dsa_category,
            {_optional("automation", "c", c)}, {_optional("decision_ground", "c", c)}
        FROM complaints AS c
        LEFT JOIN listings AS l ON l.listing_id = c.listing_id
        LEFT JOIN dsa_mapping AS m ON m.reason = c.issue_type
        WHERE {_in_period("c.received_at")} OR {_in_period("c.decided_at")}
        """,
        params,
    )
    _create(
        con,
        REMOVALS,
        f"""
        SELECT l.removal_reason, l.detection_channel,
            coalesce(l.market, $unknown) AS market,
            CAST(l.removed_at AS TIMESTAMP) AS removed_at,
            CAST(NULL AS DOUBLE) AS hours,
            coalesce(m.category, $unmapped) AS dsa_category,
            {_optional("automation", "l", li)}, {_optional("decision_ground", "l", li)}
        FROM listings AS l
        LEFT JOIN dsa_mapping AS m ON m.reason = l.removal_reason
        WHERE {_in_period("l.removed_at")}
        """,
        params,
    )
    if "appeals" in tables:
        # An appeal's category is that of the removal it contests.
        _create(
            con,
            APPEALS,
            f"""
            SELECT a.outcome,
                CAST(a.filed_at AS TIMESTAMP) AS filed_at,
                CAST(a.decided_at AS TIMESTAMP) AS decided_at,
                {_hours("a", "filed_at")},
                coalesce(m.category, $unmapped) AS dsa_category
            FROM appeals AS a
            LEFT JOIN listings AS l ON l.listing_id = a.listing_id
            LEFT JOIN dsa_mapping AS m ON m.reason = l.removal_reason
            WHERE {_in_period("a.filed_at")} OR {_in_period("a.decided_at")}
            """,
            params,
        )


def _create(con: duckdb.DuckDBPyConnection, name: str, select: str, params: dict[str, Any]) -> None:
    sql = f"CREATE TEMP TABLE {name} AS {select}"
    con.execute(sql, _used(sql, params))


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names (DuckDB refuses unused named parameters)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def _indicator_rows(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    tables: set[str],
    columns: dict[str, set[str]],
    mapping: CategoryMapping,
    params: dict[str, Any],
) -> list[ReportRow]:
    dims = [DIMENSIONS[name] for name in indicator.dimensions]
    if indicator.table not in tables:
        return [
            _row(indicator, breakdown, None, None)
            for breakdown in ["all", *_fixed_breakdowns(dims, mapping)]
        ]
    computed = [d for d in dims if d.needs is None or d.needs in columns[indicator.table]]
    results = _measure(con, indicator, computed, params)
    rows = [_row(indicator, "all", *results.get(("all", ""), _nothing(indicator)))]
    for dim in dims:
        if dim not in computed:
            rows += [_row(indicator, b, None, None) for b in _fixed_breakdowns([dim], mapping)]
            continue
        found = {v for (name, v) in results if name == dim.name}
        for value in _domain(dim, mapping, found):
            measured = results.get((dim.name, value), _nothing(indicator))
            rows.append(_row(indicator, f"{dim.name}={value}", *measured))
    return rows


def _measure(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    dims: list[Dimension],
    params: dict[str, Any],
) -> dict[tuple[str, str], tuple[float | int | None, int]]:
    """(dimension or "all", value) -> (value, cases) for the period's cases."""
    inner = "".join(f"{d.sql} AS {d.name}, " for d in dims)
    sets = ", ".join(["()"] + [f"({d.name})" for d in dims])
    grouped = "".join(f"grouping({d.name}), CAST({d.name} AS VARCHAR), " for d in dims)
    if indicator.measure == "median_hours":
        measure = "quantile_cont(hours, 0.5), count(hours)"
    else:
        measure = "count(*), count(*)"
    sql = f"""
        SELECT {grouped}{measure}
        FROM (
            SELECT {inner}hours FROM {indicator.population}
            WHERE {indicator.when} >= $start AND {indicator.when} < $end
                AND ({indicator.where})
        )
        GROUP BY GROUPING SETS ({sets})
    """
    found: dict[tuple[str, str], tuple[float | int | None, int]] = {}
    for row in con.execute(sql, _used(sql, params | VALUES)).fetchall():
        flags, value, cases = row[0 : 2 * len(dims) : 2], row[-2], int(row[-1])
        key = ("all", "")
        for dim, flag, label in zip(dims, flags, row[1 : 2 * len(dims) : 2], strict=True):
            if flag == 0:
                key = (dim.name, str(label))
        measured = None if value is None else float(value)
        found[key] = (int(cases) if indicator.measure == "count" else measured, cases)
    return found


def _nothing(indicator: Indicator) -> tuple[float | int | None, int]:
    """No case in the period: a count of 0, a median that does not exist."""
    return (0 if indicator.measure == "count" else None), 0


def _domain(dim: Dimension, mapping: CategoryMapping, found: set[str]) -> list[str]:
    """Every value to report: the fixed ones (zeros included), then any other found."""
    fixed = list(mapping.used_categories()) if dim.name == "dsa_category" else dim.values or []
    extra = sorted(found - set(fixed), key=lambda v: (v in (UNMAPPED, UNKNOWN), v))
    return [*fixed, *extra]


def _fixed_breakdowns(dims: list[Dimension], mapping: CategoryMapping) -> list[str]:
    """The breakdowns reported whatever the data: a row the exports cannot fill is still
    shown, as not available."""
    return [f"{dim.name}={value}" for dim in dims for value in _domain(dim, mapping, set())]


def _row(
    indicator: Indicator, breakdown: str, value: float | int | None, cases: int | None
) -> ReportRow:
    return ReportRow(indicator.section, indicator.name, breakdown, value, indicator.unit, cases)


def _coverage_notes(
    con: duckdb.DuckDBPyConnection, tables: set[str], start: datetime, end: datetime
) -> list[str]:
    """What the reader must know when the period reaches past the exports' events."""
    stamps = [
        "SELECT max(CAST(received_at AS TIMESTAMP)), max(CAST(decided_at AS TIMESTAMP)) "
        "FROM complaints",
        "SELECT max(CAST(removed_at AS TIMESTAMP)), max(CAST(created_at AS TIMESTAMP)) "
        "FROM listings",
    ]
    if "appeals" in tables:
        stamps.append(
            "SELECT max(CAST(filed_at AS TIMESTAMP)), max(CAST(decided_at AS TIMESTAMP)) "
            "FROM appeals"
        )
    latest = max(
        (v for sql in stamps for v in con.execute(sql).fetchall()[0] if v is not None),
        default=None,
    )
    first = con.execute("SELECT min(CAST(received_at AS TIMESTAMP)) FROM complaints").fetchall()[0][
        0
    ]
    notes = []
    if latest is not None and latest < end - timedelta(days=1):
        notes.append(
            f"The exports' latest event is {latest:%Y-%m-%d %H:%M} UTC: the days of the period "
            "after it have no data yet."
        )
    if first is not None and first > start + timedelta(days=1):
        notes.append(
            f"The complaints export starts at {first:%Y-%m-%d %H:%M} UTC: the days of the "
            "period before it have no complaints in the exports."
        )
    return notes
