"""The DSA report as one self-contained HTML page (Jinja2, autoescaped; pure, no I/O).

Values read as everywhere else in govkpi (metrics.presentation): `1,204`, `26.3 h`. A row
whose data is absent reads "not available"; every median shows the cases it was taken over.
The category mapping used is printed at the end, with the reasons it leaves unmapped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from metrics.contract import REMOVAL_REASONS
from metrics.presentation import format_period, format_value
from metrics.transparency.dsa_categories import UNMAPPED, category_label
from metrics.transparency.dsa_indicators import DIMENSIONS, INDICATORS, SECTIONS, Indicator
from metrics.transparency.dsa_report import UNKNOWN, DsaReport, ReportRow
from metrics.transparency.report_csv import NOT_AVAILABLE

TEMPLATE = "dsa_report.html"
NO_CASES = "no cases"
# How a breakdown value reads where the code alone would not.
VALUE_TEXT: dict[tuple[str, str], str] = {
    ("automation", "none"): "not automated",
    ("automated_detection", "yes"): "yes (proactive model)",
    ("automated_detection", "no"): "no (proactive review)",
    ("market", UNKNOWN): "unknown (listing not in the listings export)",
}
UNKNOWN_TEXT = "unknown (no value in the export)"


@dataclass(frozen=True)
class Line:
    """One table row: what it is, its value and the cases behind it, as text."""

    label: str
    code: str
    value: str
    cases: str
    # "value", "none" (a median over no case) or "absent" (the exports lack the data).
    state: str
    headline: bool = False


@dataclass(frozen=True)
class Group:
    label: str
    lines: list[Line]


@dataclass(frozen=True)
class IndicatorView:
    key: str
    anchor: str
    title: str
    definition: str
    unit: str
    cases_of: str
    value_header: str
    cases_header: str
    total: Line
    groups: list[Group]


def _value(row: ReportRow) -> str:
    if row.value is None:
        # A median over no case is not missing data: say which it is.
        return NO_CASES if row.cases == 0 else NOT_AVAILABLE
    return format_value("duration" if row.unit == "hours" else "count", row.value)


def _state(row: ReportRow) -> str:
    if row.value is not None:
        return "value"
    return "none" if row.cases == 0 else "absent"


def _cases(row: ReportRow) -> str:
    return NOT_AVAILABLE if row.cases is None else f"{row.cases:,}"


def _label(dimension: str, value: str) -> tuple[str, str]:
    """(what people read, the code when it differs) of one breakdown value."""
    if dimension == "dsa_category":
        return category_label(value), "" if value == UNMAPPED else value
    fallback = UNKNOWN_TEXT if value == UNKNOWN else value.replace("_", " ")
    return VALUE_TEXT.get((dimension, value), fallback), ""


def _line(row: ReportRow, indicator: Indicator) -> Line:
    if row.breakdown == "all":
        label, code = "All", ""
    else:
        dimension, value = row.breakdown.split("=", 1)
        label, code = _label(dimension, value)
    return Line(
        label=label,
        code=code,
        value=_value(row),
        cases=_cases(row),
        state=_state(row),
        headline=row.breakdown == "all",
    )


def _none(total: ReportRow) -> Line:
    """The line of a breakdown with no value at all (no market had a case)."""
    text = NO_CASES if total.cases is not None else NOT_AVAILABLE
    return Line(label=text, code="", value="", cases="", state="none")


def indicator_views(report: DsaReport) -> dict[str, list[IndicatorView]]:
    """Section name -> its indicators, each with its total and one group per breakdown."""
    views: dict[str, list[IndicatorView]] = {s.name: [] for s in SECTIONS}
    for indicator in INDICATORS:
        rows = [
            r
            for r in report.rows
            if (r.section, r.indicator) == (indicator.section, indicator.name)
        ]
        total = next(r for r in rows if r.breakdown == "all")
        groups = [
            Group(
                DIMENSIONS[name].label,
                [_line(r, indicator) for r in rows if r.dimension == name],
            )
            for name in indicator.dimensions
        ]
        median = indicator.measure == "median_hours"
        views[indicator.section].append(
            IndicatorView(
                key=indicator.key,
                anchor=f"{indicator.section}-{indicator.name}",
                title=indicator.title,
                definition=indicator.definition,
                unit=indicator.unit,
                cases_of=indicator.cases_of,
                value_header="Median (hours)" if median else f"Count ({indicator.unit})",
                cases_header=f"Cases ({indicator.cases_of})" if median else "",
                total=_line(total, indicator),
                groups=[g if g.lines else Group(g.label, [_none(total)]) for g in groups],
            )
        )
    return views


def mapping_lines(report: DsaReport) -> list[dict[str, str]]:
    """One line per contract reason: its category (or that it is unmapped) and the note."""
    mapping = report.mapping
    lines = []
    for reason in REMOVAL_REASONS:
        code = mapping.category_of(reason)
        lines.append(
            {
                "reason": reason,
                "label": category_label(code),
                "code": "" if code == UNMAPPED else code,
                "note": mapping.notes.get(reason, ""),
                "unmapped": "yes" if code == UNMAPPED else "",
            }
        )
    return lines


def breakable(code: str) -> Markup:
    """A long code that may wrap after its underscores (<wbr>: nothing extra when copied)."""
    return Markup("_<wbr>").join(escape(part) for part in code.split("_"))


def report_html(report: DsaReport, generated_at: datetime, data: str) -> str:
    """The page; `generated_at` (UTC) and `data` (the export folder) are printed in it."""
    env = Environment(
        autoescape=select_autoescape(default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["breakable"] = breakable
    source = resources.files("metrics.transparency").joinpath("templates", TEMPLATE)
    template = env.from_string(source.read_text("utf-8"))
    context: dict[str, Any] = {
        "period": format_period(report.first_day, report.last_day),
        "first_day": report.first_day.isoformat(),
        "last_day": report.last_day.isoformat(),
        "days": (report.last_day - report.first_day).days + 1,
        "timezone": report.timezone,
        "generated_at": f"{generated_at:%Y-%m-%d %H:%M} UTC",
        "data": data,
        "contract_version": report.contract_version,
        "sections": SECTIONS,
        "views": indicator_views(report),
        "absent": report.absent,
        "notes": report.notes,
        "mapping_source": (
            "the packaged mapping" if report.mapping.source == "packaged" else report.mapping.source
        ),
        "mapping": mapping_lines(report),
        "unmapped_label": category_label(UNMAPPED),
        "not_available": NOT_AVAILABLE,
        "no_cases": NO_CASES,
    }
    return template.render(context)
