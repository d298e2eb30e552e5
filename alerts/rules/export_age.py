"""How old each export's newest day is against today in the reporting time zone, and whether
that is stale (`lifecycle.stale_after_days`).

The lifecycle's `no_data` verdict is per series and day; when the exports stop arriving it
only holds alerts where they are. This is the other half: an export whose newest day is more
than `stale_after_days` days before today is stale, whatever the series say. The digest's
"No new data" section, `govkpi alerts status` and the Data page all render this one decision.

The newest day of an export is the last day with rows in the store's `export_stats` (days
in the reporting zone, as the compute counted them). "Today" is passed in: the daily job
judges the morning after the day it evaluates (today, for the daily run), the status command
and the dashboard judge the real today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import duckdb

from alerts.state.alert_store import has_table
from metrics.presentation import format_day, plural


@dataclass(frozen=True)
class ExportAge:
    export: str  # the export table: listings, complaints, appeals, traffic
    newest_day: date
    age_days: int  # today - newest_day, in calendar days of the reporting zone
    stale: bool

    def sentence(self, limit_days: int) -> str:
        """`complaints: newest day Sun 22 Nov 2026, 15 days old (stale after 2 days)`."""
        return (
            f"{self.export}: newest day {format_day(self.newest_day)}, "
            f"{plural(self.age_days, 'day')} old (stale after {plural(limit_days, 'day')})"
        )


@dataclass(frozen=True)
class ExportFreshness:
    today: date
    zone: str  # the reporting time zone's name: days are calendar days there
    stale_after_days: int
    exports: tuple[ExportAge, ...]  # by export name; empty: the store has no export statistics

    @property
    def stale(self) -> tuple[ExportAge, ...]:
        return tuple(e for e in self.exports if e.stale)

    @property
    def oldest(self) -> ExportAge | None:
        return max(self.stale, key=lambda e: (e.age_days, e.export), default=None)

    def headline(self) -> str | None:
        """`no new data: complaints export 15 days old` (several: `no new data: 4 exports,
        up to 15 days old`), or None when nothing is stale: the digest's badge and subject."""
        oldest = self.oldest
        if oldest is None:
            return None
        if len(self.stale) == 1:
            return f"no new data: {oldest.export} export {plural(oldest.age_days, 'day')} old"
        count = plural(len(self.stale), "export")
        return f"no new data: {count}, up to {plural(oldest.age_days, 'day')} old"


def today_in(zone: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in the reporting zone (`now`: aware, default the clock)."""
    return (now or datetime.now(UTC)).astimezone(zone).date()


def newest_export_days(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Each export's last day with rows (`export_stats`); empty without statistics."""
    if not has_table(con, "export_stats"):
        return {}
    rows = con.execute(
        'SELECT "table", max(date) FROM export_stats WHERE rows > 0 GROUP BY 1 ORDER BY 1'
    ).fetchall()
    return {str(table): day for table, day in rows if day is not None}


def judge_exports(
    newest: dict[str, date], today: date, zone: str, stale_after_days: int
) -> ExportFreshness:
    """Pure: the age of each export's newest day on `today`, stale past the limit."""
    ages = []
    for export, day in sorted(newest.items()):
        age = (today - day).days
        ages.append(ExportAge(export, day, age, age > stale_after_days))
    return ExportFreshness(today, zone, stale_after_days, tuple(ages))


def export_freshness(
    con: duckdb.DuckDBPyConnection, today: date, zone: str, stale_after_days: int
) -> ExportFreshness:
    return judge_exports(newest_export_days(con), today, zone, stale_after_days)
