"""One line of a digest card per rule that speaks about the series: the alert's state in the
words of the Alerts page, and the day and value that breached beside the threshold or band
they breached (`alert_status`), so a card never pairs today's value with another day's breach.

And the card's figures above those lines: the normal level (the detector's expected value and
range on the as-of day) and the volume behind today's value beside the usual volume, so an
owner sees how far from normal the value is and how many cases it stands on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from alerts.notify.contributor_text import evidence_noun
from alerts.notify.due_items import Item
from alerts.rules.observations import ANOMALY_RULE
from alerts.state.alert_status import Lifecycle, band_is_drawn, breach_sentence, lifecycle
from alerts.state.lifecycle import AlertState
from metrics.catalogue import MetricDefinition
from metrics.presentation import format_value, is_missing, plural

# The usual volume is the median day of the four weeks before the as-of day.
USUAL_DAYS = 28


@dataclass
class RuleLine:
    rule_id: str
    rule_label: str
    rule_version: str
    event: str  # the notification event (new, escalated, reminder, resolved): who is told
    state: Lifecycle  # what the alert is: the word every surface uses
    severity: str | None
    breach: str  # "Last breach Mon 02 Nov 2026: 7.2% is above the warning threshold 5.0%"
    firing_since: date | None
    data_status: str | None
    acknowledged: dict | None
    # The detector's line: which test fired and how long the change has been building
    # ("Shift since Sat 05 Sep 2026 (2 days)"); empty for thresholds.
    story: str = ""

    @property
    def state_label(self) -> str:
        return self.state.label

    @property
    def resolved(self) -> bool:
        return self.state.word == "resolved"

    @property
    def recovering(self) -> bool:
        return self.state.word == "recovering"


def rule_label(rule_id: str) -> str:
    return "Statistical detector" if rule_id == ANOMALY_RULE else f"Threshold {rule_id}"


def alert_lifecycle(state: AlertState, previous: AlertState | None, as_of: date) -> Lifecycle:
    """The alert's state word from its ledger state (as the Alerts page reads it)."""
    return lifecycle(
        state.state,
        state.held_state,
        state.severity,
        state.firing_since,
        state.last_breach,
        state.resolved_on,
        as_of,
        previous.severity if previous is not None else None,
    )


def build_line(
    item: Item,
    state: AlertState,
    previous: AlertState | None,
    context: dict,
    facts: dict,
    definition: MetricDefinition,
    as_of: date,
    story: str = "",
) -> RuleLine:
    status = context.get("data_status")
    return RuleLine(
        rule_id=item.key[2],
        rule_label=rule_label(item.key[2]),
        rule_version=str(context.get("rule_version") or ""),
        event=item.event,
        state=alert_lifecycle(state, previous, as_of),
        severity=item.severity,
        breach=breach_sentence(
            item.key[2], state.last_breach, facts, definition.kind, definition.case_noun
        ),
        firing_since=item.episode,
        data_status=None if state.state != "no_data" else _why_no_data(status),
        acknowledged=item.acknowledged,
        story=story if item.key[2] == ANOMALY_RULE else "",
    )


def _why_no_data(status: object) -> str:
    text = str(status or "")
    if not text or text.startswith("no value"):
        return "the slice has no value that day (no cases)"
    return text


@dataclass(frozen=True)
class Volume:
    """The cases behind one day's value and the usual day's, from the `series` table."""

    numerator: float | None = None
    denominator: float | None = None
    usual_numerator: float | None = None
    usual_denominator: float | None = None


def read_volumes(
    con: duckdb.DuckDBPyConnection, keys: list[tuple[str, str]], as_of: date
) -> dict[tuple[str, str], Volume]:
    """Per series: the as-of day's numerator and denominator, and their medians over the
    USUAL_DAYS days before it. One query for every card of the run."""
    if not keys:
        return {}
    pairs = pd.DataFrame(sorted(set(keys)), columns=["metric_id", "slice"])
    con.register("card_pairs", pairs)
    try:
        frame = con.execute(
            """
            SELECT s.metric_id, s.slice,
                max(s.numerator) FILTER (WHERE s.date = ?) AS numerator,
                max(s.denominator) FILTER (WHERE s.date = ?) AS denominator,
                median(s.numerator) FILTER (WHERE s.date < ?) AS usual_numerator,
                median(s.denominator) FILTER (WHERE s.date < ?) AS usual_denominator
            FROM series AS s JOIN card_pairs USING (metric_id, slice)
            WHERE s.date BETWEEN ? AND ?
            GROUP BY s.metric_id, s.slice
            """,
            [as_of, as_of, as_of, as_of, as_of - timedelta(days=USUAL_DAYS), as_of],
        ).df()
    finally:
        con.unregister("card_pairs")
    out = {}
    for row in frame.to_dict("records"):
        out[(str(row["metric_id"]), str(row["slice"]))] = Volume(
            *(
                _number(row[c])
                for c in ("numerator", "denominator", "usual_numerator", "usual_denominator")
            )  # fmt: skip
        )
    return out


def normal_text(kind: str, context: dict[str, Any] | None) -> str:
    """`98.0% (range 97.0% to 99.0%)`: the detector's expected value on the as-of day and
    the range it judges by, where that range says something (`band_is_drawn`); empty when
    the day was not scored."""
    if not context:
        return ""
    expected = _number(context.get("expected"))
    if expected is None:
        return ""
    text = format_value(kind, expected)
    lower, upper = context.get("lower"), context.get("upper")
    if band_is_drawn(kind, expected, lower, upper, context.get("score")):
        text += f" (range {format_value(kind, lower)} to {format_value(kind, upper)})"
    return text


def volume_text(definition: MetricDefinition, volume: Volume | None) -> str:
    """The cases behind the value and the usual day's: `752 of 800 removals; usually about
    800 a day`, `1,079 complaints on 947,588 live listings; usually about 1,000 complaints a
    day`, `median of 929 complaints`; empty for counts (the value is the volume)."""
    if volume is None or definition.kind == "count":
        return ""
    noun = definition.case_noun
    den, num = volume.denominator, volume.numerator
    usual: float | None
    if definition.kind == "rate":
        events = evidence_noun(definition)
        if num is None or den is None:
            return ""
        text = f"{plural(num, events)} on {plural(den, noun)}"
        usual, usual_noun = volume.usual_numerator, events
    elif den is None:
        return ""
    elif definition.kind == "duration":
        text = f"median of {plural(den, noun)}"
        usual, usual_noun = volume.usual_denominator, noun
    else:  # a share: its numerator is a subset of the denominator's cases
        text = plural(den, noun) if num is None else f"{num:,.0f} of {plural(den, noun)}"
        usual, usual_noun = volume.usual_denominator, noun
    if usual is not None:
        text += f"; usually about {plural(about(usual), usual_noun)} a day"
    return text


def about(value: float) -> float:
    """A usual volume to two significant figures (`about 1,000`, not `about 1,013.5`)."""
    if value < 100:
        return float(round(value))
    digits = len(str(int(value))) - 2
    return float(round(value, -digits))


def _number(value: object) -> float | None:
    if is_missing(value):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
