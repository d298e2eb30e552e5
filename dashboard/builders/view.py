"""The view a URL carries: metric, slice, start, end (and day on the drill-down page).

Links are untrusted input (an alert email, a pasted URL): everything is validated here and a
bad value becomes a friendly warning plus a sensible default, never an exception. Pure
functions; the pages read `st.query_params` and pass it in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from metrics.metric_store import parse_slice
from metrics.presentation import describe_slice, view_params

PAGES = (
    "overview", "indicator", "drilldown", "alerts", "risk", "compliance", "data", "catalogue",
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Longer values are not a slice or a date anyone typed; cut before echoing them back.
_ECHO_LIMIT = 80


@dataclass(frozen=True)
class View:
    metric: str
    slice: str
    start: date
    end: date
    day: date | None = None

    def to_params(self, with_day: bool = False) -> dict[str, str]:
        day = self.day if with_day else None
        return view_params(self.metric, self.slice, self.start, self.end, day)


def first_value(params: Mapping[str, object], key: str) -> str | None:
    """A query parameter as one string (the last one when repeated), or None."""
    value = params.get(key)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None:
        return None
    return str(value)


def parse_date(text: str) -> date | None:
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def echo(text: str, limit: int = _ECHO_LIMIT) -> str:
    """Untrusted text from a link, cut to `limit` characters for a warning."""
    return text if len(text) <= limit else text[:limit] + "…"


def parse_view(
    params: Mapping[str, object],
    *,
    metrics: Mapping[str, str],
    defaults: View,
    slice_exists: Callable[[str, str], bool] | None = None,
    use_day: bool = False,
) -> tuple[View, list[str]]:
    """The view in `params` (metric id -> label in `metrics`), and a warning per bad value.

    Warnings are plain text that echo untrusted input: show them through
    `dashboard.builders.plain_text.markdown_literal`, never as Markdown."""
    warnings: list[str] = []
    view = defaults

    metric = first_value(params, "metric")
    if metric is not None and metric not in metrics:
        warnings.append(
            f"The link asks for an indicator “{echo(metric)}” that does not exist; "
            f"showing {metrics.get(defaults.metric, defaults.metric)} instead."
        )
    elif metric is not None:
        view = replace(view, metric=metric)

    slice_key = first_value(params, "slice")
    if slice_key is not None:
        try:
            parse_slice(slice_key)
        except ValueError:
            warnings.append(
                f"The slice “{echo(slice_key)}” in the link is not valid (write “all” or "
                "dimension=value pairs such as “market=ES,category_l1=toys”); showing the "
                "whole platform."
            )
            view = replace(view, slice="all")
        else:
            if slice_exists is not None and not slice_exists(view.metric, slice_key):
                label = metrics.get(view.metric, view.metric)
                warnings.append(
                    f"There is no data for {describe_slice(slice_key)} in {label}; "
                    "showing the whole platform."
                )
                view = replace(view, slice="all")
            else:
                view = replace(view, slice=slice_key)

    view, date_warnings = _parse_period(params, view, defaults)
    warnings.extend(date_warnings)

    if use_day:
        day_text = first_value(params, "day")
        if day_text is not None:
            day = parse_date(day_text)
            if day is None:
                warnings.append(
                    f"The day “{echo(day_text)}” in the link is not a date (YYYY-MM-DD); "
                    "showing the latest complete day."
                )
            else:
                view = replace(view, day=day)
    return view, warnings


def period_dates(
    params: Mapping[str, object], start: date, end: date, echo_limit: int = _ECHO_LIMIT
) -> tuple[date, date, list[str]]:
    """The link's `start` and `end` over the given defaults, each checked alone: a value that
    is not a date keeps its default and adds a warning (echoing the untrusted text)."""
    warnings: list[str] = []
    for key in ("start", "end"):
        text = first_value(params, key)
        if text is None:
            continue
        parsed = parse_date(text)
        if parsed is None:
            warnings.append(
                f"The {key} date “{echo(text, echo_limit)}” in the link is not a date "
                "(YYYY-MM-DD); showing the default period."
            )
        elif key == "start":
            start = parsed
        else:
            end = parsed
    return start, end, warnings


def _parse_period(
    params: Mapping[str, object], view: View, defaults: View
) -> tuple[View, list[str]]:
    start, end, warnings = period_dates(params, defaults.start, defaults.end)
    if start > end:
        warnings.append(
            f"The start date {start.isoformat()} is after the end date {end.isoformat()}; "
            "showing the default period."
        )
        start, end = defaults.start, defaults.end
    return replace(view, start=start, end=end), warnings


def ordered_metric_ids(ids: Sequence[str], headline: Sequence[str]) -> list[str]:
    """Headline indicators first (in catalogue order), then the rest alphabetically."""
    first = [m for m in headline if m in ids]
    return first + sorted(m for m in ids if m not in first)


AS_OF_PARAM = "asof"


def parse_as_of(
    params: Mapping[str, object], first: date, last: date
) -> tuple[date | None, str | None]:
    """The `asof` day of a link (review a past morning): (day, None); (None, None) without
    one or when it is the latest complete day itself; (None, warning) when it is not a day
    of the store. The warning quotes the value as typed, cut, for plain-text display."""
    text = first_value(params, AS_OF_PARAM)
    if text is None or text == "":
        return None, None
    day = parse_date(text)
    fallback = "; showing the latest day."
    if day is None:
        return None, f"The link's as-of day “{echo(text)}” is not a date (YYYY-MM-DD){fallback}"
    if day > last:
        return (
            None,
            f"The link's as-of day {day} is after the latest complete day ({last}){fallback}",
        )
    if day < first:
        return (
            None,
            f"The link's as-of day {day} is before the store's first day ({first}){fallback}",
        )
    return (None, None) if day == last else (day, None)
