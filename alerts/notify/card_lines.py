"""One line of a digest card per rule that speaks about the series: the alert's state in the
words of the Alerts page, and the day and value that breached beside the threshold or band
they breached (`alert_status`), so a card never pairs today's value with another day's breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from alerts.notify.due_items import Item
from alerts.rules.observations import ANOMALY_RULE
from alerts.state.alert_status import Lifecycle, breach_sentence, lifecycle
from alerts.state.lifecycle import AlertState
from metrics.catalogue import MetricDefinition


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
