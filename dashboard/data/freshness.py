"""How fresh the data is: the time the exports reach, and which days are not complete yet.

A day (calendar day in the reporting time zone) is complete when every required export has
events up to its end. The overview judges the latest complete day, never a half-filled one.
Pure: the caller passes the store's meta and export_files rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from metrics.deadlines.time_left import end_of_day_utc as day_end_utc
from metrics.presentation import format_time

REQUIRED_EXPORTS = ("listings", "complaints")
# Meta keys the engine may use for the reporting time zone, most specific first.
TIMEZONE_KEYS = ("reporting_tz", "reporting_timezone", "timezone")


@dataclass(frozen=True)
class Freshness:
    timezone: str
    as_of: datetime | None  # UTC, naive
    latest_day: date | None
    latest_complete_day: date | None
    incomplete_days: list[date] = field(default_factory=list)
    computed_at: str | None = None
    incomplete_reasons: dict[date, str] = field(default_factory=dict)

    def as_of_text(self) -> str:
        """The latest event in the reporting zone, the zone named, like every other time."""
        if self.as_of is None:
            return "unknown"
        return format_time(self.as_of.replace(tzinfo=UTC), _zone(self.timezone))

    def with_incomplete(self, days: dict[date, str]) -> Freshness:
        """These days are incomplete too (`days`: day -> why): the alert job's row-count
        completeness (`alerts.rules.completeness`), so the overview never judges a day the
        job calls `no data`."""
        if self.latest_day is None or not days:
            return self
        incomplete = sorted(set(self.incomplete_days) | set(days))
        complete = _latest_complete(self.latest_day, incomplete)
        reasons = {**self.incomplete_reasons, **days}
        return replace(
            self,
            latest_complete_day=complete,
            incomplete_days=incomplete,
            incomplete_reasons=reasons,
        )


def reporting_timezone(meta: dict[str, str]) -> str:
    for key in TIMEZONE_KEYS:
        if meta.get(key):
            return meta[key]
    return "UTC"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def end_of_day_utc(day: date, tz: str) -> datetime:
    """The first instant after `day` in `tz`, as naive UTC (how exports store timestamps);
    an unknown zone in the store's meta reads as UTC."""
    return day_end_utc(day, _zone(tz).key)


def _meta_days(text: str) -> list[date]:
    """`incomplete_days` meta: a JSON list or comma-separated ISO dates."""
    try:
        items = json.loads(text)
    except ValueError:
        items = [p for p in text.split(",") if p.strip()]
    days = []
    for item in items if isinstance(items, list) else []:
        try:
            days.append(date.fromisoformat(str(item).strip()))
        except ValueError:
            continue
    return days


def _meta_time(text: str | None) -> datetime | None:
    """`data_as_of` meta: the latest event in the exports, UTC."""
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _required(export_files: pd.DataFrame) -> pd.DataFrame:
    required = export_files[export_files["table"].isin(REQUIRED_EXPORTS)]
    return required if not required.empty else export_files


def _min_time(values: pd.Series) -> datetime | None:
    values = pd.to_datetime(values, errors="coerce").dropna()
    if values.empty:
        return None
    return pd.Timestamp(values.min()).to_pydatetime().replace(tzinfo=None)


def export_taken_at(export_files: pd.DataFrame) -> datetime | None:
    """When the laggard required export was taken: the later of its latest event and its
    file time (the same rule as the alert lifecycle's completeness check)."""
    if export_files.empty or "table" not in export_files:
        return None
    files = _required(export_files)
    columns = [
        pd.to_datetime(files[c], errors="coerce")
        for c in ("latest_event", "modified_at")
        if c in files
    ]
    if not columns:
        return None
    taken = pd.concat(columns, axis=1).max(axis=1)
    return _min_time(taken.groupby(files["table"]).max())


def compute_freshness(
    meta: dict[str, str],
    export_files: pd.DataFrame,
    latest_day: date | None,
    days_present: list[date] | None = None,
) -> Freshness:
    """`as_of` is the latest event (what "data as of" means); a day is complete when every
    required export was taken after the day ended in the reporting zone."""
    tz = reporting_timezone(meta)
    computed_at = meta.get("computed_at") or meta.get("written_at")
    as_of = _meta_time(meta.get("data_as_of"))
    if as_of is None and not export_files.empty and "latest_event" in export_files:
        as_of = _min_time(_required(export_files)["latest_event"])
    if latest_day is None:
        return Freshness(tz, as_of, None, None, [], computed_at)

    taken = export_taken_at(export_files) or as_of
    if meta.get("incomplete_days") is not None:
        incomplete = sorted(d for d in _meta_days(meta["incomplete_days"]) if d <= latest_day)
    elif taken is not None:
        recent = days_present or [latest_day - timedelta(days=i) for i in range(7)]
        incomplete = sorted(d for d in recent if end_of_day_utc(d, tz) > taken)
    else:
        incomplete = []

    complete = _latest_complete(latest_day, incomplete)
    return Freshness(tz, as_of, latest_day, complete, incomplete, computed_at)


def _latest_complete(latest_day: date, incomplete: list[date]) -> date:
    """The newest day at or before `latest_day` that is not incomplete."""
    complete = latest_day
    while complete in incomplete:
        complete -= timedelta(days=1)
    return complete
