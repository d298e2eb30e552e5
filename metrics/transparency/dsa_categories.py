"""The DSA statement-of-reasons categories, as the DSA Transparency Database names them.

Codes and labels of the `category` attribute in the database's API documentation
(digital-services-act/transparency-database, the taxonomy in force since 1 July 2025 with
the harmonised templates of Implementing Regulation (EU) 2024/2835). A mapping file may use
only these codes; a report row whose reason has no category is counted under UNMAPPED.
"""

from __future__ import annotations

CATEGORY_LABELS: dict[str, str] = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE": "Animal welfare",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION": "Consumer information infringements",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE": "Cyber violence",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN": "Cyber violence against women",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS": (
        "Data protection and privacy violations"
    ),
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH": "Illegal or harmful speech",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS": "Intellectual property infringements",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS": (
        "Negative effects on civic discourse or elections"
    ),
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE": (
        "Type of alleged illegal content not specified by the notifier"
    ),
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC": "Other violation of provider's terms and conditions",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS": "Protection of minors",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY": "Risk for public security",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD": "Scams and/or fraud",
    "STATEMENT_CATEGORY_SELF_HARM": "Self-harm",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS": (
        "Unsafe, non-compliant or prohibited products"
    ),
    "STATEMENT_CATEGORY_VIOLENCE": "Violence",
}
CATEGORIES = tuple(CATEGORY_LABELS)

# Where a case goes when its reason is missing from the mapping (or the case has no reason):
# shown as its own category, never dropped.
UNMAPPED = "unmapped"
UNMAPPED_LABEL = "Not mapped to a DSA category"


def category_label(code: str) -> str:
    """The official label of a category code; the unmapped bucket has its own."""
    return UNMAPPED_LABEL if code == UNMAPPED else CATEGORY_LABELS.get(code, code)
