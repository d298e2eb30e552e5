"""The category mapping: the packaged file, overrides, every problem at once, unmapped reasons.

A case is never dropped: whatever the mapping, the category rows of every count add up to
the whole-period row, an unmapped reason under `dsa_category=unmapped`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.contract import REMOVAL_REASONS
from metrics.errors import UserError
from metrics.transparency.category_mapping import load_mapping, parse_mapping
from metrics.transparency.dsa_categories import CATEGORIES, CATEGORY_LABELS, UNMAPPED
from metrics.transparency.dsa_report import DsaReport, build_report
from tests.compliance.dsa_fixture import FIRST, LAST, ZONE, write_dsa_exports

IP = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
UNSAFE = "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"


def test_the_packaged_mapping_covers_every_reason_with_an_official_category() -> None:
    mapping = load_mapping()
    assert mapping.source == "packaged"
    assert set(mapping.categories) == set(REMOVAL_REASONS)
    assert mapping.unmapped_reasons() == []
    assert mapping.categories == {
        "counterfeit": IP,
        "ip_infringement": IP,
        "prohibited_item": UNSAFE,
        "product_safety": UNSAFE,
        "missing_qualification": UNSAFE,
        "misleading": "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
        "other": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    }
    assert set(mapping.notes) == set(REMOVAL_REASONS)


def test_the_category_list_is_the_transparency_databases() -> None:
    assert len(CATEGORIES) == 16
    assert all(code.startswith("STATEMENT_CATEGORY_") for code in CATEGORIES)
    assert CATEGORY_LABELS[UNSAFE] == "Unsafe, non-compliant or prohibited products"
    assert UNMAPPED not in CATEGORIES


def test_a_file_replaces_the_packaged_mapping(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        '[reasons]\ncounterfeit = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"\n'
        '[notes]\ncounterfeit = "Our policy."\n'
    )
    mapping = load_mapping(str(path))
    assert mapping.categories == {"counterfeit": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"}
    assert mapping.notes == {"counterfeit": "Our policy."}
    assert mapping.source == str(path)
    assert mapping.unmapped_reasons() == [r for r in REMOVAL_REASONS if r != "counterfeit"]
    assert mapping.category_of("product_safety") == UNMAPPED
    assert mapping.category_of(None) == UNMAPPED


def test_every_problem_of_a_file_is_named_at_once() -> None:
    text = (
        "[reasons]\n"
        'counterfeit = "STATEMENT_CATEGORY_FAKES"\n'
        'spam = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"\n'
        "other = 3\n"
        "[notes]\n"
        'misleading = "no such reason above"\n'
        "[extra]\n"
    )
    with pytest.raises(UserError) as exc:
        parse_mapping(text, "mine.toml")
    message = str(exc.value)
    assert message.startswith("DSA mapping mine.toml: unknown section 'extra'")
    for part in (
        "counterfeit: 'STATEMENT_CATEGORY_FAKES' is not a DSA statement category",
        "unknown reason 'spam'",
        "other: 3 is not a DSA statement category",
        "notes.misleading: no such reason in [reasons]",
        "(and 4 more: ",
    ):
        assert part in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[reasons\n", "not valid TOML"),
        ('reasons = "x"\n', "reasons must be a table"),
        ("[notes]\n", "no [reasons] table"),
        ('[reasons]\nother = "STATEMENT_CATEGORY_VIOLENCE"\n[notes]\nother = 1\n', "must be text"),
    ],
)
def test_a_malformed_file_is_a_user_error(text: str, problem: str) -> None:
    with pytest.raises(UserError) as exc:
        parse_mapping(text, "mine.toml")
    assert str(exc.value).startswith("DSA mapping mine.toml: ") and problem in str(exc.value)


def test_an_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        load_mapping(str(tmp_path / "missing.toml"))
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UserError, match="cannot read it"):
        load_mapping(str(binary))


def counts(report: DsaReport) -> dict[tuple[str, str], dict[str, float]]:
    """(section, indicator) -> breakdown -> value, for the count indicators."""
    found: dict[tuple[str, str], dict[str, float]] = {}
    for row in report.rows:
        if row.unit != "hours" and row.value is not None:
            found.setdefault((row.section, row.indicator), {})[row.breakdown] = row.value
    return found


@pytest.mark.parametrize(
    "mapping_text", [None, '[reasons]\nother = "STATEMENT_CATEGORY_VIOLENCE"\n']
)
def test_the_categories_of_every_count_add_up_to_its_total(
    tmp_path: Path, mapping_text: str | None
) -> None:
    path = None
    if mapping_text:
        path = tmp_path / "mine.toml"
        path.write_text(mapping_text)
    mapping = load_mapping(str(path) if path else None)
    report = build_report(str(write_dsa_exports(tmp_path / "data")), FIRST, LAST, ZONE, mapping)
    for key, values in counts(report).items():
        by_category = [v for b, v in values.items() if b.startswith("dsa_category=")]
        assert sum(by_category) == values["all"], key
        for dimension in ("market", "source", "issue_type", "reason", "automated_detection",
                          "automation", "ground"):  # fmt: skip
            part = [v for b, v in values.items() if b.startswith(dimension + "=")]
            assert not part or sum(part) == values["all"], (key, dimension)


def test_reasons_the_mapping_leaves_out_are_counted_as_unmapped(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[reasons]\nother = "STATEMENT_CATEGORY_VIOLENCE"\n')
    data = write_dsa_exports(tmp_path / "data")
    report = build_report(str(data), FIRST, LAST, ZONE, load_mapping(str(path)))
    notices = counts(report)[("notices", "notices_received")]
    # C11 is `other`; the five others (C7 C8 C9 C12 C13) are unmapped, shown last.
    assert {b: v for b, v in notices.items() if b.startswith("dsa_")} == {
        "dsa_category=STATEMENT_CATEGORY_VIOLENCE": 1,
        "dsa_category=unmapped": 5,
    }
    breakdowns = [r.breakdown for r in report.rows if r.indicator == "notices_received"]
    assert breakdowns[-2:] == ["dsa_category=STATEMENT_CATEGORY_VIOLENCE", "dsa_category=unmapped"]
