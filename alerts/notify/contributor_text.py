"""How the drivers of a move read, on the Drill-down page and in the digest card alike.

`alerts.detection.drivers.top_contributors` decides (ranking by evidence, the small-slices row,
whether the move is concentrated or broad-based); this module only words those decisions, with
every number beside the count behind it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from alerts.detection.drivers import MovePattern
from metrics.catalogue import MetricDefinition
from metrics.presentation import (
    count_of,
    describe_slice,
    dimension_label,
    format_percent,
    is_missing,
    plural,
)


def _get(row: Mapping[Any, Any], key: str) -> Any:
    return row[key] if key in row else None


def evidence_noun(definition: MetricDefinition) -> str:
    """What a contributor's cases are: a rate's events (`complaint`, from its unit
    `complaints per 10k live listings`), otherwise the metric's case noun (`removal`)."""
    if definition.kind == "rate" and " per " in definition.unit:
        events = definition.unit.split(" per ", 1)[0].strip()
        return events[:-1] if events.endswith("s") else events
    return definition.case_noun


def cases_text(definition: MetricDefinition, row: Mapping[Any, Any]) -> str:
    """`3 removals (17 expected)`: the cases in the period and, when they are under two thirds
    or over one and a half times it, the number the baseline's volume led to expect; empty for
    counts (no cases behind them)."""
    cases, expected = _get(row, "cases"), _get(row, "expected_cases")
    if is_missing(cases):
        return ""
    noun = evidence_noun(definition)
    text = plural(float(cases), noun)
    seen = float(cases)
    # The expected volume only where it differs enough to be part of the story (a collapse
    # from 17 a day to 3), not day-to-day noise (770 against 802).
    if not is_missing(expected) and not 2 / 3 <= (seen + 1) / (float(expected) + 1) <= 1.5:
        text += f" ({float(expected):,.0f} expected)"
    return text


def contributor_label(
    row: Mapping[Any, Any], dimension: str, definition: MetricDefinition, min_cases: float
) -> str:
    """A contributor as people read it: `market PL`, or for the row of slices under the
    minimum volume `8 small markets (under 5 removals each)`."""
    key = _get(row, "child_slice")
    if isinstance(key, str) and key:
        return describe_slice(key)
    slices = _get(row, "slices")
    count = 0.0 if is_missing(slices) else float(slices)
    noun = evidence_noun(definition)
    small = count_of(count, dimension).replace(" ", " small ", 1)
    return f"{small} (under {plural(min_cases, noun)} each)"


def pattern_sentence(
    pattern: MovePattern | None,
    rows: Sequence[Mapping[Any, Any]],
    dimension: str,
    definition: MetricDefinition,
    min_cases: float,
) -> str:
    """One plain sentence on where the change sits (the rule is `drivers.move_pattern`):
    `Concentrated: market ES · toys explains 62% of the change (41 complaints).`
    `Broad-based: all 7 markets with enough removals pushed it down; none explains more than 22%.`
    `Broad-based: the removals of the 10 markets with any point to a move in all of them, not in
    one or two alone (7 fell on their own removals); none has 5 removals to be ranked on its
    own.` (decided on the children's own cases, where the move sits in small slices)
    Empty when the indicator did not move."""
    if pattern is None:
        return ""
    noun = evidence_noun(definition)
    way = "up" if pattern.direction > 0 else "down"
    by_slice = {r.get("child_slice"): r for r in rows}
    if pattern.kind == "small_only":
        small = next((r for r in rows if not isinstance(r.get("child_slice"), str)), {})
        cases = _get(small, "cases")
        count = _get(small, "slices") or 0
        where = count_of(float(count), dimension)
        total = ""
        if not is_missing(cases):
            total = f": {plural(float(cases), noun)} in {where}"
        if pattern.judged:
            cases_in_all = "" if is_missing(cases) else f"; {plural(float(cases), noun)} in all"
            return (
                f"Most of the change sits in {where.replace(' ', ' small ', 1)} (under "
                f"{plural(min_cases, noun)} each{cases_in_all}), too small to judge one by one."
            )
        return (
            f"No {dimension_label(dimension)} has enough {noun}s to be judged on its own "
            f"(at least {plural(min_cases, noun)}){total}."
        )
    if pattern.kind == "concentrated":
        leader = pattern.leaders[0]
        cases = cases_text(definition, by_slice.get(leader, {}))
        behind = f": {cases}" if cases else ""
        part = format_percent(pattern.explains[0])
        return f"Concentrated: {describe_slice(leader)} explains {part} of the change{behind}."
    if pattern.kind == "broad" and pattern.on_cases:
        seen = count_of(pattern.judged, dimension)
        fell = "fell" if pattern.direction < 0 else "rose"
        alone = (
            f"each {fell} on its own {noun}s"
            if pattern.moved == pattern.judged
            else f"{pattern.moved} {fell} on their own {noun}s"
        )
        ranked = any(isinstance(r.get("child_slice"), str) for r in rows)
        tail = (
            f"none explains more than {format_percent(pattern.largest)}"
            if ranked
            else f"none has {plural(min_cases, noun)} to be ranked on its own"
        )
        return (
            f"Broad-based: the {noun}s of the {seen} with any point to a move in all of them, "
            f"not in one or two alone ({alone}); {tail}."
        )
    if pattern.kind == "broad":
        judged = count_of(pattern.judged, dimension)
        enough = f"with enough {noun}s" if definition.kind != "count" else ""
        share = (
            f"all {judged} {enough}".strip()
            if pattern.moved == pattern.judged
            else f"{pattern.moved} of {judged} {enough}".strip()
        )
        return (
            f"Broad-based: {share} pushed it {way}; none explains more than "
            f"{format_percent(pattern.largest)}."
        )
    parts = [
        f"{describe_slice(s)} ({format_percent(x)}{' of the change' if i == 0 else ''})"
        for i, (s, x) in enumerate(zip(pattern.leaders, pattern.explains, strict=True))
    ]
    return f"Led by {' and '.join(parts)}." if parts else ""


def change_is_material(attrs: Mapping[Any, Any], tolerance: float = 0.01) -> bool:
    """Whether the parent moved enough (1% of its baseline) for parts of the change to mean
    anything; on a flat day a slice can own 3000% of a change that is almost zero."""
    total = attrs.get("total_change")
    before = attrs.get("parent_baseline_value")
    if not isinstance(total, int | float) or is_missing(total):
        return False
    if not isinstance(before, int | float) or is_missing(before) or before == 0:
        return total != 0
    return abs(total) >= tolerance * abs(before)
