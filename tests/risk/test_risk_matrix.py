"""The risk matrix pinned on a hand-checked fixture, and its severity file checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from metrics.errors import ConfigError, UserError
from metrics.risk.matrix import risk_matrix
from metrics.risk.severity import load_severity
from tests.export_fixtures import write_exports

# Two cells, two 2-day windows: prior = 2-3 Mar, current = 4-5 Mar 2026 (UTC).
# ES x toys: L1-L4, DE x home: L5-L6, all published on 2 Mar.
LISTINGS = [
    {"removed_at": "2026-03-03 10:00", "removal_reason": "counterfeit",
     "detection_channel": "proactive_model"},  # L1: prior, weight 4
    {"removed_at": "2026-03-04 10:00", "removal_reason": "product_safety",
     "detection_channel": "consumer"},  # L2: current, weight 8
    {},  # L3
    {},  # L4
    {"market": "DE", "category_l1": "home", "removed_at": "2026-03-05 12:00",
     "removal_reason": "misleading", "detection_channel": "proactive_review"},  # L5: cur, 1
    {"market": "DE", "category_l1": "home"},  # L6
]  # fmt: skip
COMPLAINTS = [
    {"listing_id": "L2", "received_at": "2026-03-03 09:00", "decided_at": "2026-03-04 09:00",
     "complainant_informed_at": None, "issue_type": "product_safety"},  # current, 8
    {"listing_id": "L3", "received_at": "2026-03-04 09:00", "decided_at": "2026-03-05 09:00",
     "complainant_informed_at": None, "issue_type": "counterfeit"},  # current, 4
    {"listing_id": "L4", "received_at": "2026-03-04 09:00", "decided_at": "2026-03-05 10:00",
     "complainant_informed_at": None, "outcome": "rejected"},  # not a violation
    {"listing_id": "L6", "received_at": "2026-03-02 10:00", "decided_at": "2026-03-02 18:00",
     "complainant_informed_at": None, "issue_type": "ip_infringement"},  # prior, 2
]  # fmt: skip
TRAFFIC = [
    {"date": date(2026, 3, d), "market": m, "category_l1": c, "views": 100, "orders": o}
    for m, c, orders in (("ES", "toys", (5, 5, 10, 20)), ("DE", "home", (4, 4, 3, 3)))
    for d, o in zip((2, 3, 4, 5), orders, strict=True)
]


@pytest.fixture
def exports(tmp_path: Path) -> str:
    write_exports(tmp_path, listings=LISTINGS, complaints=COMPLAINTS, traffic=TRAFFIC)
    return str(tmp_path)


def test_every_figure_matches_the_hand_count(exports: str) -> None:
    matrix = risk_matrix(exports, date(2026, 3, 5), load_severity(), window_days=2)
    assert matrix.exposure_unit == "orders" and matrix.prior_complete
    cells = matrix.cells.set_index(["market", "category_l1"])
    toys, home = cells.loc[("ES", "toys")], cells.loc[("DE", "home")]
    # ES x toys, current: L2 removed (8), C1 upheld (8), C2 upheld (4) = 3 violations;
    # live at the end of 4 and 5 Mar: 2 and 2 (L1, L2 removed) -> mean 2; orders 10 + 20.
    assert toys["violations"] == 3 and toys["live_listings"] == pytest.approx(2.0)
    assert toys["likelihood"] == pytest.approx(3 / 2 * 10_000)
    assert toys["severity"] == pytest.approx((8 + 8 + 4) / 3)
    assert toys["exposure"] == 30
    assert toys["score"] == pytest.approx(3 / 2 * 30 * 20 / 3)  # = 300
    # Prior: L1 removed (4) on live 4 and 3 (mean 3.5), orders 5 + 5: 1/3.5 x 10 x 4.
    assert toys["prior_violations"] == 1
    assert toys["prior_score"] == pytest.approx(1 / 3.5 * 10 * 4)
    assert toys["change"] == pytest.approx(300 - 40 / 3.5)
    assert toys["change_pct"] == pytest.approx((300 - 40 / 3.5) / (40 / 3.5) * 100)
    # DE x home: current L5 removed (1) on live 2 and 1, orders 6 -> 1/1.5 x 6 x 1 = 4;
    # prior C4 upheld (2) on live 2 and 2, orders 8 -> 1/2 x 8 x 2 = 8.
    assert home["violations"] == 1 and home["score"] == pytest.approx(4.0)
    assert home["prior_score"] == pytest.approx(8.0) and home["change"] == pytest.approx(-4.0)
    # The cells that rose most come first.
    assert list(matrix.cells["market"]) == ["ES", "DE"]


def test_days_follow_the_reporting_zone(tmp_path: Path) -> None:
    # Removed at 23:30 UTC on 3 Mar: 4 Mar in Madrid (UTC+1), so in the current window there.
    listings = [dict(LISTINGS[0], removed_at="2026-03-03 23:30"), *LISTINGS[1:]]
    write_exports(tmp_path, listings=listings, complaints=COMPLAINTS, traffic=TRAFFIC)
    utc = risk_matrix(str(tmp_path), date(2026, 3, 5), load_severity(), window_days=2)
    madrid = risk_matrix(
        str(tmp_path), date(2026, 3, 5), load_severity(), tz="Europe/Madrid", window_days=2
    )
    toys = ("ES", "toys")
    assert utc.cells.set_index(["market", "category_l1"]).loc[toys, "violations"] == 3
    assert madrid.cells.set_index(["market", "category_l1"]).loc[toys, "violations"] == 4


def test_without_traffic_exposure_is_live_listings(tmp_path: Path) -> None:
    write_exports(tmp_path, listings=LISTINGS, complaints=COMPLAINTS, traffic=None)
    matrix = risk_matrix(str(tmp_path), date(2026, 3, 5), load_severity(), window_days=2)
    assert matrix.exposure_unit == "live listings"
    toys = matrix.cells.set_index(["market", "category_l1"]).loc[("ES", "toys")]
    assert toys["exposure"] == pytest.approx(2.0)
    assert toys["score"] == pytest.approx(3 / 2 * 2 * 20 / 3)


def test_a_day_outside_the_exports_is_refused(exports: str) -> None:
    with pytest.raises(UserError, match="the exports cover 2026-03-02 to 2026-03-05"):
        risk_matrix(exports, date(2026, 4, 1), load_severity(), window_days=2)


def test_a_user_grading_overrides_the_packaged_one(exports: str, tmp_path: Path) -> None:
    path = tmp_path / "severity.toml"
    path.write_text(
        "[levels]\nserious = 100\nhigh = 10\nmedium = 1\nlow = 1\n[issue_types]\n"
        + "".join(
            f'{t} = "{"serious" if t == "misleading" else "low"}"\n'
            for t in (
                "product_safety",
                "prohibited_item",
                "counterfeit",
                "missing_qualification",
                "ip_infringement",
                "misleading",
                "other",
            )
        )  # fmt: skip
    )
    severity = load_severity(str(path))
    assert severity.weight("misleading") == 100 and severity.weight("product_safety") == 1
    matrix = risk_matrix(exports, date(2026, 3, 5), severity, window_days=2)
    home = matrix.cells.set_index(["market", "category_l1"]).loc[("DE", "home")]
    assert home["severity"] == 100  # L5, removed as misleading


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[levels]\nserious = 8\n", "needs the tables"),
        (
            '[levels]\nserious = 8\nhigh = 4\nmedium = 2\nlow = 1\n[issue_types]\nother = "low"\n',
            "must grade counterfeit, ip_infringement",
        ),
        ("[levels]\nserious = 8\nhigh = 4\nmedium = 2\nlow = -1\n[issue_types]\n", "positive"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_a_bad_grading_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "severity.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_severity(str(path))


def test_the_packaged_grading_covers_every_issue_type() -> None:
    severity = load_severity()
    assert [r[1] for r in severity.rows()][:2] == ["serious", "serious"]
    assert severity.weight("product_safety") > severity.weight("counterfeit") > 1
