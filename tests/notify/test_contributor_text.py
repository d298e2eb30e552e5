"""The words of the drivers' decisions (alerts.notify.contributor_text), shared by the
Drill-down page and the digest card."""

from __future__ import annotations

from alerts.detection.drivers import MovePattern
from alerts.notify.contributor_text import (
    cases_text,
    contributor_label,
    evidence_noun,
    pattern_sentence,
)
from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue()
SHARE = CATALOGUE.get("proactive_rate")
RATE = CATALOGUE.get("counterfeit_complaint_rate")


def test_cases_name_the_evidence_and_a_collapse() -> None:
    assert evidence_noun(SHARE) == "removal" and evidence_noun(RATE) == "complaint"
    assert cases_text(SHARE, {"cases": 3.0, "expected_cases": 17.2}) == "3 removals (17 expected)"
    assert cases_text(SHARE, {"cases": 770.0, "expected_cases": 802.0}) == "770 removals"
    assert cases_text(RATE, {"cases": 1.0, "expected_cases": 1.0}) == "1 complaint"
    assert cases_text(SHARE, {"cases": float("nan")}) == ""


def test_small_slices_read_as_one_row() -> None:
    row = {"child_slice": None, "slices": 8, "cases": 4.0}
    assert contributor_label(row, "market", SHARE, 5) == "8 small markets (under 5 removals each)"
    row = {"child_slice": None, "slices": 1}
    assert contributor_label(row, "category_l1", RATE, 5) == (
        "1 small category (under 5 complaints each)"
    )
    assert contributor_label({"child_slice": "market=ES,category_l1=toys"}, "x", RATE, 5) == (
        "market ES · toys"
    )


def test_sentences() -> None:
    toys = "market=ES,category_l1=toys"
    rows = [{"child_slice": toys, "cases": 41.0, "expected_cases": 5.5}]
    concentrated = MovePattern("concentrated", (toys,), (0.62,), 9, 10, 0.62, 1)
    assert pattern_sentence(concentrated, rows, "category_l1", RATE, 5) == (
        "Concentrated: market ES · toys explains 62% of the change: 41 complaints (6 expected)."
    )
    broad = MovePattern("broad", (), (), 7, 7, 0.22, -1)
    assert pattern_sentence(broad, [], "market", SHARE, 5) == (
        "Broad-based: all 7 markets with enough removals pushed it down; none explains more "
        "than 22%."
    )
    most = MovePattern("broad", (), (), 8, 9, 0.3, 1)
    assert pattern_sentence(most, [], "market", SHARE, 5).startswith(
        "Broad-based: 8 of 9 markets with enough removals pushed it up"
    )
    # Broad on the children's own cases (the planted model outage: no market with 5 removals).
    on_cases = MovePattern("broad", (), (), 7, 10, 0.0, -1, on_cases=True)
    grouped = [{"child_slice": None, "slices": 15, "cases": 13.0}]
    assert pattern_sentence(on_cases, grouped, "market", SHARE, 5) == (
        "Broad-based: the removals of the 10 markets with any point to a move in all of them, "
        "not in one or two alone (7 fell on their own removals); none has 5 removals to be "
        "ranked on its own."
    )
    ranked = [{"child_slice": "market=PL", "cases": 5.0}, *grouped]
    everyone = MovePattern("broad", (), (), 10, 10, 0.14, -1, on_cases=True)
    assert pattern_sentence(everyone, ranked, "market", SHARE, 5) == (
        "Broad-based: the removals of the 10 markets with any point to a move in all of them, "
        "not in one or two alone (each fell on its own removals); none explains more than 14%."
    )
    led = MovePattern("led", ("market=ES", "market=DE"), (0.39, 0.31), 11, 15, 0.39, 1)
    assert pattern_sentence(led, [], "market", RATE, 5) == (
        "Led by market ES (39% of the change) and market DE (31%)."
    )
    small = MovePattern("small_only", (), (), 0, 0, 0.0, 1)
    grouped = [{"child_slice": None, "slices": 14, "cases": 11.0}]
    assert pattern_sentence(small, grouped, "category_l1", RATE, 5) == (
        "No category has enough complaints to be judged on its own (at least 5 complaints): "
        "11 complaints in 14 categories."
    )
    assert pattern_sentence(None, [], "market", SHARE, 5) == ""
    mostly_small = MovePattern("small_only", (), (), 1, 1, 0.05, 1)
    assert pattern_sentence(mostly_small, grouped, "market", SHARE, 5) == (
        "Most of the change sits in 14 small markets (under 5 removals each; 11 removals in "
        "all), too small to judge one by one."
    )
