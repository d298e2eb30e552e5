"""Every row of the DSA transparency report as data: what it counts, over which cases, how it
is broken down (issue 14; docs/compliance.md explains each for readers).

An indicator counts the cases of one population whose timestamp (`when`) falls in the period,
or takes the median of their hours from receipt to decision. Conditions name their values as
`$parameters` bound from VALUES, never as literals. The populations (`complaint_cases`,
`removal_cases`, `appeal_cases`) are built by `dsa_report`.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.contract import (
    AUTOMATION_LEVELS,
    COMPLAINT_CHANNELS,
    DECISION_GROUNDS,
    REMOVAL_REASONS,
)

AUTHORITY = "authority"
NOTICE_CHANNELS = tuple(c for c in COMPLAINT_CHANNELS if c != AUTHORITY)
PROACTIVE_CHANNELS = ("proactive_model", "proactive_review")
# Bound to the `$name`s of the conditions and dimension expressions.
VALUES: dict[str, object] = {
    "authority": AUTHORITY,
    "upheld": "upheld",
    "overturned": "overturned",
    "proactive": list(PROACTIVE_CHANNELS),
    "model": "proactive_model",
    "yes": "yes",
    "no": "no",
}


@dataclass(frozen=True)
class Dimension:
    """One way to break a row down: `breakdown` reads `<name>=<value>`."""

    name: str
    # SQL over the population's columns ($parameters allowed).
    sql: str
    # Every value reported, zeros included (in this order); None: the values found.
    values: tuple[str, ...] | None
    # What the breakdown means, for the HTML report.
    label: str
    # The optional (v1.1) contract column it needs; without it its rows are "not available".
    needs: str | None = None


DIMENSIONS = {
    d.name: d
    for d in (
        Dimension("market", "market", None, "by issuing Member State (the listing's market)"),
        Dimension("source", "channel", NOTICE_CHANNELS, "by notifier"),
        Dimension("issue_type", "issue_type", REMOVAL_REASONS, "by issue type"),
        Dimension("reason", "removal_reason", REMOVAL_REASONS, "by removal reason"),
        Dimension(
            "automated_detection",
            "CASE WHEN detection_channel = $model THEN $yes ELSE $no END",
            ("yes", "no"),
            "by automated detection (yes: found by the proactive model)",
        ),
        Dimension(
            "automation",
            "automation",
            AUTOMATION_LEVELS,
            "by automated decision (fully, partially, not automated)",
            needs="automation",
        ),
        Dimension(
            "ground",
            "decision_ground",
            DECISION_GROUNDS,
            "by ground (illegal content or terms of service)",
            needs="decision_ground",
        ),
        # Values: the categories of the mapping (dsa_report fills them in).
        Dimension("dsa_category", "dsa_category", None, "by DSA statement category"),
    )
}


@dataclass(frozen=True)
class Section:
    name: str
    title: str


SECTIONS = (
    Section("orders", "Orders from Member State authorities (Art. 15(1)(a))"),
    Section("notices", "Notices (Art. 15(1)(b), Art. 16)"),
    Section("own_initiative", "Own-initiative content moderation (Art. 15(1)(c))"),
    Section("complaints", "Internal complaint handling (Art. 15(1)(d), Art. 20)"),
)


@dataclass(frozen=True)
class Indicator:
    section: str
    name: str
    # How a person reads it (the HTML report's heading).
    title: str
    # Unit of the value: what is counted, or "hours" for a median.
    unit: str
    # The population relation and the table whose export it needs.
    population: str
    table: str
    # Timestamp column that must fall in the period (both end days included).
    when: str
    # Further condition on the population ($parameters from VALUES).
    where: str
    # "count" (cases) or "median_hours" (interpolated median of `hours`).
    measure: str
    dimensions: tuple[str, ...]
    definition: str
    # What the cases behind a median are (a count's cases are what it counts).
    cases_of: str = ""

    @property
    def key(self) -> str:
        return f"{self.section} / {self.name}"


COMPLAINTS = "complaint_cases"
REMOVALS = "removal_cases"
APPEALS = "appeal_cases"

INDICATORS = (
    Indicator(
        section="orders",
        name="orders_received",
        title="Orders received",
        unit="orders",
        population=COMPLAINTS,
        table="complaints",
        when="received_at",
        where="channel = $authority",
        measure="count",
        dimensions=("market", "dsa_category"),
        definition="Complaints with channel authority received in the period.",
    ),
    Indicator(
        section="orders",
        name="median_hours_to_effect",
        title="Median time to give effect to orders",
        unit="hours",
        population=COMPLAINTS,
        table="complaints",
        when="decided_at",
        where="channel = $authority AND outcome = $upheld",
        measure="median_hours",
        dimensions=("market", "dsa_category"),
        definition="Median hours from received to decided over authority complaints decided "
        "in the period with outcome upheld.",
        cases_of="upheld orders decided",
    ),
    Indicator(
        section="notices",
        name="notices_received",
        title="Notices received",
        unit="notices",
        population=COMPLAINTS,
        table="complaints",
        when="received_at",
        where="channel <> $authority",
        measure="count",
        dimensions=("source", "issue_type", "dsa_category"),
        definition="Complaints with any other channel (consumer, rights_holder, "
        "trusted_flagger) received in the period.",
    ),
    Indicator(
        section="notices",
        name="actions_taken",
        title="Actions taken on notices",
        unit="actions",
        population=COMPLAINTS,
        table="complaints",
        when="decided_at",
        where="channel <> $authority AND outcome = $upheld",
        measure="count",
        dimensions=("source", "issue_type", "dsa_category", "ground", "automation"),
        definition="Those complaints decided in the period with outcome upheld.",
    ),
    Indicator(
        section="notices",
        name="median_hours_to_action",
        title="Median time to act on notices",
        unit="hours",
        population=COMPLAINTS,
        table="complaints",
        when="decided_at",
        where="channel <> $authority",
        measure="median_hours",
        dimensions=("source", "issue_type", "dsa_category"),
        definition="Median hours from received to decided over those complaints decided in "
        "the period, any outcome.",
        cases_of="notices decided",
    ),
    Indicator(
        section="own_initiative",
        name="actions",
        title="Own-initiative actions",
        unit="actions",
        population=REMOVALS,
        table="listings",
        when="removed_at",
        where="list_contains($proactive, detection_channel)",
        measure="count",
        dimensions=("automated_detection", "reason", "dsa_category", "automation", "ground"),
        definition="Listings removed or blocked in the period whose detection_channel is "
        "proactive_model or proactive_review.",
    ),
    Indicator(
        section="complaints",
        name="complaints_received",
        title="Complaints received",
        unit="complaints",
        population=APPEALS,
        table="appeals",
        when="filed_at",
        where="true",
        measure="count",
        dimensions=("dsa_category",),
        definition="Appeals filed in the period.",
    ),
    Indicator(
        section="complaints",
        name="decisions_reversed",
        title="Decisions reversed",
        unit="decisions",
        population=APPEALS,
        table="appeals",
        when="decided_at",
        where="outcome = $overturned",
        measure="count",
        dimensions=("dsa_category",),
        definition="Appeals decided in the period as overturned.",
    ),
    Indicator(
        section="complaints",
        name="median_hours_to_decision",
        title="Median time to decide complaints",
        unit="hours",
        population=APPEALS,
        table="appeals",
        when="decided_at",
        where="true",
        measure="median_hours",
        dimensions=("dsa_category",),
        definition="Median hours from filed to decided over appeals decided in the period.",
        cases_of="complaints decided",
    ),
)
