"""The view of the Compliance page a URL carries: the as-of day of the SLA clocks, the period of
the figures over time, a market and the at-risk window in hours.

Links are untrusted input: every value is checked here and a bad one becomes a plain-text
warning plus the default, never an exception. Pure functions; the page passes
`st.query_params` in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from dashboard.builders.view import echo, first_value, parse_date, period_dates
from metrics.presentation import view_query

# The at-risk windows the page offers, in hours (the CLI takes any).
WINDOWS = (24, 48, 72)
_ECHO_LIMIT = 40


@dataclass(frozen=True)
class ComplianceView:
    day: date  # the SLA clocks are read at the end of this day
    start: date  # the period of the figures over time (accuracy, and the DSA report)
    end: date
    market: str | None = None  # None: every market
    hours: int = WINDOWS[0]

    def to_params(self) -> dict[str, str]:
        params = {
            "day": self.day.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.market:
            params["market"] = self.market
        if self.hours != WINDOWS[0]:
            params["hours"] = str(self.hours)
        return params

    def query(self) -> str:
        return view_query(self.to_params())


def _echo(text: str) -> str:
    return echo(text, _ECHO_LIMIT)


def parse_compliance_view(
    params: Mapping[str, object],
    defaults: ComplianceView,
    first_day: date,
    last_day: date,
) -> tuple[ComplianceView, list[str]]:
    """The view in `params` within [first_day, last_day], and a warning per bad value.

    Warnings echo untrusted input: show them through `markdown_literal`, never as Markdown.
    The market is checked against the data by the page (it knows which markets have cases).
    """
    warnings: list[str] = []
    view = defaults
    day_text = first_value(params, "day")
    if day_text is not None:
        day = parse_date(day_text)
        if day is None:
            warnings.append(
                f"The day “{_echo(day_text)}” in the link is not a date (YYYY-MM-DD); "
                "showing the latest complete day."
            )
        elif not first_day <= day <= last_day:
            warnings.append(
                f"{day.isoformat()} is outside the data ({first_day.isoformat()} to "
                f"{last_day.isoformat()}); showing the latest complete day."
            )
        else:
            view = replace(view, day=day)
    start, end, period_warnings = period_dates(params, defaults.start, defaults.end, _ECHO_LIMIT)
    warnings.extend(period_warnings)
    start, end = max(start, first_day), min(end, last_day)
    if start > end:
        warnings.append("The period in the link is empty or outside the data; showing the default.")
        start, end = defaults.start, defaults.end
    view = replace(view, start=start, end=end)
    market = first_value(params, "market")
    if market is not None:
        if market.isalpha() and market.isupper() and len(market) == 2:
            view = replace(view, market=market)
        else:
            warnings.append(
                f"The market “{_echo(market)}” in the link is not a two-letter market code "
                "(such as ES); showing every market."
            )
    hours = first_value(params, "hours")
    if hours is not None:
        if hours in {str(w) for w in WINDOWS}:
            view = replace(view, hours=int(hours))
        else:
            shown = ", ".join(str(w) for w in WINDOWS)
            warnings.append(
                f"The window “{_echo(hours)}” in the link is not one of {shown} hours; "
                f"showing {WINDOWS[0]} hours."
            )
    return view, warnings
