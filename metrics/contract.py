"""Export contract (DESIGN.md) as data: tables, columns, types, nullability, enums, keys.

Validation, the sample generator and the engine all read this one definition.

v1.1 adds optional columns that the DSA transparency report (Implementing Regulation (EU)
2024/2835) asks for: how automated a decision was and whether it rested on the law or on the
terms of service. An export without them is still valid (a v1 export is a v1.1 export); when
present their values are checked like any other enum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SELLER_TIERS = ("new", "standard", "top", "brand_official")
REMOVAL_REASONS = (
    "counterfeit",
    "ip_infringement",
    "prohibited_item",
    "product_safety",
    "misleading",
    "missing_qualification",
    "other",
)
DETECTION_CHANNELS = (
    "proactive_model",
    "proactive_review",
    "consumer",
    "rights_holder",
    "trusted_flagger",
    "authority",
)
COMPLAINT_CHANNELS = ("consumer", "rights_holder", "trusted_flagger", "authority")
COMPLAINT_OUTCOMES = ("upheld", "rejected", "withdrawn")
APPEAL_OUTCOMES = ("upheld", "overturned")
# v1.1: was the decision (removal, complaint decision) taken fully, partly or not at all by
# automated means (the DSA template's "automated decision" question).
AUTOMATION_LEVELS = ("fully", "partially", "none")
# v1.1: the ground of a restrictive decision: the content was illegal, or it broke the
# platform's terms of service (contractual ground).
DECISION_GROUNDS = ("illegal_content", "terms_of_service")
CONTRACT_VERSION = "1.1"


@dataclass(frozen=True)
class Column:
    name: str
    # Logical type: string, bool, timestamp, date, int64.
    type: str
    nullable: bool
    enum: tuple[str, ...] | None = None
    unique: bool = False
    # An optional column may be absent from an export; when present it is checked as usual.
    optional: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[Column, ...]
    # (earlier, later): `later` must not be before `earlier` when both are set.
    ordered: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def key(self) -> str | None:
        return next((c.name for c in self.columns if c.unique), None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


LISTINGS = Table(
    "listings",
    required=True,
    columns=(
        Column("listing_id", "string", False, unique=True),
        Column("seller_id", "string", False),
        Column("seller_tier", "string", False, SELLER_TIERS),
        Column("market", "string", False),
        Column("category_l1", "string", False),
        Column("category_l2", "string", True),
        Column("is_regulated_category", "bool", False),
        Column("has_required_certs", "bool", True),
        Column("created_at", "timestamp", False),
        Column("published_at", "timestamp", True),
        Column("removed_at", "timestamp", True),
        Column("removal_reason", "string", True, REMOVAL_REASONS),
        Column("detection_channel", "string", True, DETECTION_CHANNELS),
        Column("first_sale_at", "timestamp", True),
        # v1.1, optional: set on removed listings.
        Column("automation", "string", True, AUTOMATION_LEVELS, optional=True),
        Column("decision_ground", "string", True, DECISION_GROUNDS, optional=True),
    ),
    ordered=(("created_at", "published_at"), ("created_at", "removed_at")),
)

COMPLAINTS = Table(
    "complaints",
    required=True,
    columns=(
        Column("complaint_id", "string", False, unique=True),
        Column("listing_id", "string", False),
        Column("received_at", "timestamp", False),
        Column("channel", "string", False, COMPLAINT_CHANNELS),
        Column("issue_type", "string", False, REMOVAL_REASONS),
        Column("decided_at", "timestamp", True),
        Column("outcome", "string", True, COMPLAINT_OUTCOMES),
        Column("complainant_informed_at", "timestamp", True),
        # v1.1, optional: automation set on decided complaints, the ground on upheld ones.
        Column("automation", "string", True, AUTOMATION_LEVELS, optional=True),
        Column("decision_ground", "string", True, DECISION_GROUNDS, optional=True),
    ),
    ordered=(("received_at", "decided_at"),),
)

APPEALS = Table(
    "appeals",
    required=False,
    columns=(
        Column("appeal_id", "string", False, unique=True),
        Column("listing_id", "string", False),
        Column("filed_at", "timestamp", False),
        Column("decided_at", "timestamp", True),
        Column("outcome", "string", True, APPEAL_OUTCOMES),
    ),
    ordered=(("filed_at", "decided_at"),),
)

TRAFFIC = Table(
    "traffic",
    required=False,
    columns=(
        Column("date", "date", False),
        Column("market", "string", False),
        Column("category_l1", "string", False),
        Column("views", "int64", False),
        Column("orders", "int64", False),
    ),
)

TABLES: tuple[Table, ...] = (LISTINGS, COMPLAINTS, APPEALS, TRAFFIC)
TABLES_BY_NAME = {t.name: t for t in TABLES}
