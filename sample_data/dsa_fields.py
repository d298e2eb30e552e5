"""SQL for the contract's optional v1.1 columns: `automation` and `decision_ground`.

Removals and complaint decisions say how automated the decision was and whether it rested on
the law or on the terms of service, as the DSA transparency template asks. The draws use
their own tags, so adding these columns changes no other column of the sample.
"""

from __future__ import annotations

from sample_data.catalog import REASON
from sample_data.sqlrand import SqlRandom, nested_choice

# (fully, partially, none) by listing detection channel: proactive_model, proactive_review,
# consumer, rights_holder, trusted_flagger, authority. The model's takedowns are mostly taken
# without a person; review and notices are decided by people, often helped by tools; an
# authority order is always handled by a person.
REMOVAL_AUTOMATION = (
    (0.90, 0.10, 0.00),
    (0.00, 0.60, 0.40),
    (0.05, 0.45, 0.50),
    (0.05, 0.55, 0.40),
    (0.00, 0.50, 0.50),
    (0.00, 0.00, 1.00),
)
# (fully, partially, none) by complaint channel: consumer, rights_holder, trusted_flagger,
# authority: consumer notices are triaged by rules more often.
DECISION_AUTOMATION = (
    (0.15, 0.45, 0.40),
    (0.05, 0.55, 0.40),
    (0.00, 0.50, 0.50),
    (0.00, 0.00, 1.00),
)
# Share of prohibited-item decisions that rest on the platform's own policy (items that are
# legal but not allowed on the platform) rather than on the law.
PROHIBITED_BY_POLICY = 0.30
# Reasons whose decisions rest on the law; misleading, missing qualification and other rest
# on the terms of service.
ILLEGAL = tuple(
    REASON[name] for name in ("counterfeit", "ip_infringement", "prohibited_item", "product_safety")
)
AUTHORITY_LISTING_CHANNEL = 5
AUTHORITY_COMPLAINT_CHANNEL = 3


def _ground(r: SqlRandom, key: str, reason: str, authority: str) -> str:
    """0 (illegal_content) or 1 (terms_of_service) for a decision about `reason`."""
    illegal = ", ".join(str(code) for code in ILLEGAL)
    policy = f"{reason} = {REASON['prohibited_item']} AND {r.u(key, 'dsa.ground')} < " + repr(
        PROHIBITED_BY_POLICY
    )
    return (
        f"(CASE WHEN {authority} THEN 0 WHEN {policy} THEN 1 "
        f"WHEN {reason} IN ({illegal}) THEN 0 ELSE 1 END)"
    )


def listing_columns(r: SqlRandom) -> str:
    """`automation, decision_ground` of a removed listing in `lc` (NULL when not removed)."""
    automation = nested_choice(
        "channel_f", r.u("idx", "dsa.removal_automation"), REMOVAL_AUTOMATION
    )
    ground = _ground(r, "idx", "reason_f", f"channel_f = {AUTHORITY_LISTING_CHANNEL}")
    return f"""
        CASE WHEN removed_us IS NOT NULL THEN $automation_names[{automation} + 1] END
            AS automation,
        CASE WHEN removed_us IS NOT NULL THEN $ground_names[{ground} + 1] END AS decision_ground
    """


def complaint_columns(r: SqlRandom) -> str:
    """`automation` of a decided complaint in `cpl`, `decision_ground` of an upheld one."""
    automation = nested_choice("ch", r.u("rn", "dsa.decision_automation"), DECISION_AUTOMATION)
    ground = _ground(r, "rn", "issue", f"ch = {AUTHORITY_COMPLAINT_CHANNEL}")
    upheld = 0
    return f"""
        CASE WHEN dec IS NOT NULL THEN $automation_names[{automation} + 1] END AS automation,
        CASE WHEN outcome = {upheld} THEN $ground_names[{ground} + 1] END AS decision_ground
    """
