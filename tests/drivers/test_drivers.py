"""alerts.detection.drivers on small hand-made stores where the answer is known."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from alerts.detection.drivers import (
    BROAD_MAX,
    MIN_CASES,
    child_slices,
    drill_dimensions,
    shrunk_rates,
    top_contributors,
)
from metrics.catalogue import load_catalogue
from metrics.errors import UserError
from metrics.metric_store import DIMENSIONS, MetricStore, parse_slice

DAY = dt.date(2025, 3, 1)
CATALOGUE = load_catalogue()


def days_before(day: dt.date, count: int) -> list[dt.date]:
    return [day - dt.timedelta(days=i) for i in range(count, 0, -1)]


def point(
    metric_id: str,
    slice: str,
    day: dt.date,
    num: float | None,
    den: float | None,
    value: float | None = None,
) -> dict:
    scale = CATALOGUE.get(metric_id).scale
    if value is None and num is not None and den:
        value = num / den * scale
    return {
        "metric_id": metric_id,
        "slice": slice,
        "date": day,
        "value": value,
        "numerator": num,
        "denominator": den,
    }


def with_parents(rows: list[dict], parent: str = "all") -> list[dict]:
    """Adds the parent's own row per (metric, day): sums of its children (sum aggregation)."""
    frame = pd.DataFrame(rows)
    out = list(rows)
    for (metric_id, day), g in frame.groupby(["metric_id", "date"]):
        out.append(point(metric_id, parent, day, g["numerator"].sum(), g["denominator"].sum()))
    return out


def make_store(tmp_path, rows: list[dict]) -> MetricStore:
    frame = pd.DataFrame(rows)
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype(float)
    frame["p90"] = float("nan")
    for d in DIMENSIONS:
        frame[d] = [parse_slice(s).get(d) for s in frame["slice"]]
    store = MetricStore(tmp_path / "store.duckdb")
    with store.write() as con:
        con.register("frame", frame)
        con.execute("INSERT INTO series BY NAME SELECT * FROM frame")
    return store


def contributors(store: MetricStore, metric_id: str, slice: str = "all", **kwargs) -> pd.DataFrame:
    with store.read() as con:
        return top_contributors(con, CATALOGUE.get(metric_id), slice, DAY, **kwargs)


def share_rows(metric_id: str, baseline: dict, flagged: dict, baseline_days: int = 28) -> list:
    """Children (slice -> (num, den)) constant over the baseline, `flagged` on DAY."""
    rows = [
        point(metric_id, s, d, num, den)
        for d in days_before(DAY, baseline_days)
        for s, (num, den) in baseline.items()
    ]
    rows += [point(metric_id, s, DAY, num, den) for s, (num, den) in flagged.items()]
    return with_parents(rows)


def test_planted_rate_increase_ranks_first_with_rate_effect(tmp_path):
    # missing_qualification_rate: lower is better. FR's own rate jumps, ES creeps up a little,
    # DE improves by more than ES worsens: bad-direction children come first.
    base = {"market=ES": (5, 100), "market=FR": (5, 100), "market=DE": (5, 100)}
    day = {"market=ES": (6, 100), "market=FR": (20, 100), "market=DE": (1, 100)}
    store = make_store(tmp_path, share_rows("missing_qualification_rate", base, day))
    result = contributors(store, "missing_qualification_rate")

    assert list(result["child_slice"]) == ["market=FR", "market=ES", "market=DE"]
    fr = result.iloc[0]
    assert fr["value"] == pytest.approx(0.20) and fr["baseline_value"] == pytest.approx(0.05)
    assert fr["rate_effect"] == pytest.approx(0.15 / 3)
    assert abs(fr["mix_effect"]) < 1e-12
    # Aggregate went from 15/300 to 27/300.
    assert result.attrs["total_change"] == pytest.approx(12 / 300)
    assert fr["share_of_change"] == pytest.approx((15 / 300) / (12 / 300))
    assert result.attrs["parent_value"] == pytest.approx(27 / 300)
    assert result.attrs["parent_baseline_value"] == pytest.approx(15 / 300)


def test_bad_direction_follows_the_metric(tmp_path):
    # proactive_rate: higher is better, so the child whose share fell comes first even though
    # the other child's rise is larger.
    base = {"market=ES": (90, 100), "market=FR": (90, 100)}
    day = {"market=ES": (85, 100), "market=FR": (99, 100)}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate")
    assert list(result["child_slice"]) == ["market=ES", "market=FR"]
    assert result["contribution"].iloc[0] < 0 < result["contribution"].iloc[1]


def test_pure_volume_shift_is_mix_effect(tmp_path):
    # Each market keeps its own rate; volume moves from the low-rate ES to the high-rate FR.
    base = {"market=ES": (10, 100), "market=FR": (30, 100)}
    day = {"market=ES": (2, 20), "market=FR": (54, 180)}
    store = make_store(tmp_path, share_rows("missing_qualification_rate", base, day))
    result = contributors(store, "missing_qualification_rate").set_index("child_slice")

    assert result["rate_effect"].abs().max() < 1e-12
    # Worked by hand: R 0.20 -> 0.28, R_bar 0.24; ES weight -0.4 at 0.10, FR +0.4 at 0.30.
    assert result.loc["market=ES", "mix_effect"] == pytest.approx(-0.4 * (0.10 - 0.24))
    assert result.loc["market=FR", "mix_effect"] == pytest.approx(0.4 * (0.30 - 0.24))
    assert result["mix_effect"].sum() == pytest.approx(0.08)
    assert result.loc["market=ES", "denominator"] == 20
    assert result.loc["market=ES", "baseline_denominator"] == 100


def test_contributions_sum_to_the_parent_change(tmp_path):
    # Uneven volumes and rates on both sides, a child only in the baseline (IT) and one only
    # on the flagged day (PL), and a baseline day missing for one child.
    rows = []
    for i, d in enumerate(days_before(DAY, 28)):
        rows.append(point("proactive_rate", "market=ES", d, 80 + i % 5, 100 + i % 7))
        rows.append(point("proactive_rate", "market=IT", d, 40, 50))
        if i != 3:
            rows.append(point("proactive_rate", "market=FR", d, 150 + i % 3, 160))
    rows += [
        point("proactive_rate", "market=ES", DAY, 70, 130),
        point("proactive_rate", "market=FR", DAY, 120, 150),
        point("proactive_rate", "market=PL", DAY, 10, 40),
    ]
    store = make_store(tmp_path, with_parents(rows))
    result = contributors(store, "proactive_rate", n=10).set_index("child_slice")

    parent_change = result.attrs["parent_value"] - result.attrs["parent_baseline_value"]
    assert result["contribution"].sum() == pytest.approx(parent_change, abs=1e-12)
    assert result.attrs["total_change"] == pytest.approx(parent_change, abs=1e-12)
    assert result["share_of_change"].sum() == pytest.approx(1.0)
    # One-sided children move the aggregate through mix only. IT has no removal on the day:
    # nothing to judge it on, so it is the one-slice row of small slices.
    it = result[result["slices"] == 1].loc[[None]].iloc[0]
    pl = result.loc["market=PL"]
    assert it["cases"] == 0 and it["expected_cases"] == pytest.approx(50)
    for child in (it, pl):
        assert child["rate_effect"] == pytest.approx(0.0, abs=1e-12)
        assert child["mix_effect"] != 0
    assert math.isnan(pl["baseline_value"])


def test_n_limits_rows_but_not_the_total(tmp_path):
    base = {f"market={m}": (5, 100) for m in ("AA", "BB", "CC", "DD")}
    day = {
        "market=AA": (9, 100),
        "market=BB": (8, 100),
        "market=CC": (7, 100),
        "market=DD": (6, 100),
    }
    store = make_store(tmp_path, share_rows("missing_qualification_rate", base, day))
    result = contributors(store, "missing_qualification_rate", n=2)
    assert list(result["child_slice"]) == ["market=AA", "market=BB"]
    assert result.attrs["total_change"] == pytest.approx(10 / 400)


def test_market_parent_drills_into_its_categories(tmp_path):
    rows = []
    for d in [*days_before(DAY, 28), DAY]:
        toys = 30 if d == DAY else 3
        rows += [
            point("proactive_rate", "market=ES,category_l1=toys", d, 100 - toys, 100),
            point("proactive_rate", "market=ES,category_l1=cosmetics", d, 97, 100),
            # Another market's category and the category's platform slice are not children.
            point("proactive_rate", "market=FR,category_l1=toys", d, 10, 100),
            point("proactive_rate", "category_l1=toys", d, 10, 100),
        ]
    store = make_store(tmp_path, with_parents(rows, parent="market=ES"))
    result = contributors(store, "proactive_rate", slice="market=ES", n=10)
    assert result.attrs["dimension"] == "category_l1"
    assert list(result["child_slice"]) == [
        "market=ES,category_l1=toys",
        "market=ES,category_l1=cosmetics",
    ]


def test_period_and_baseline_windows(tmp_path):
    # A 3-day period against the 7 days before it; older rows must not count.
    rows = []
    for d in [*days_before(DAY, 40), DAY]:
        age = (DAY - d).days
        num = 20 if age <= 2 else 5 if age <= 9 else 50
        rows.append(point("missing_qualification_rate", "market=ES", d, num, 100))
    store = make_store(tmp_path, rows)
    result = contributors(store, "missing_qualification_rate", period_days=3, baseline_days=7)
    es = result.iloc[0]
    assert es["value"] == pytest.approx(0.20)
    assert es["baseline_value"] == pytest.approx(0.05)
    assert es["denominator"] == 100 and es["baseline_denominator"] == 100


def test_counts_compare_daily_means(tmp_path):
    rows = []
    for d in days_before(DAY, 28):
        rows += [
            point("new_listings", "market=ES", d, 100, None, value=100),
            point("new_listings", "market=FR", d, 50, None, value=50),
        ]
    rows += [
        point("new_listings", "market=ES", DAY, 400, None, value=400),
        point("new_listings", "market=FR", DAY, 40, None, value=40),
    ]
    store = make_store(tmp_path, rows)
    result = contributors(store, "new_listings").set_index("child_slice")
    assert result.loc["market=ES", "contribution"] == pytest.approx(300)
    assert result.loc["market=FR", "contribution"] == pytest.approx(-10)
    assert result.attrs["total_change"] == pytest.approx(290)
    assert result["rate_effect"].isna().all()


def test_channel_children_of_a_rate_share_the_parent_exposure(tmp_path):
    # complaint_rate per 10k live listings; channel slices carry the parent's exposure.
    rows = []
    for d in [*days_before(DAY, 28), DAY]:
        rights = 12 if d == DAY else 2
        rows += [
            point("complaint_rate", "all", d, 5 + rights, 10_000),
            point("complaint_rate", "channel=consumer", d, 5, 10_000),
            point("complaint_rate", "channel=rights_holder", d, rights, 10_000),
        ]
    store = make_store(tmp_path, rows)
    result = contributors(store, "complaint_rate", dimension="channel").set_index("child_slice")
    rights = result.loc["channel=rights_holder"]
    assert rights["contribution"] == pytest.approx(10.0)
    assert rights["rate_effect"] == pytest.approx(10.0) and rights["mix_effect"] == 0
    assert result.loc["channel=consumer", "contribution"] == pytest.approx(0.0)
    parent_change = result.attrs["parent_value"] - result.attrs["parent_baseline_value"]
    assert result.attrs["total_change"] == pytest.approx(parent_change)


def test_durations_rank_by_case_weighted_median_shift(tmp_path):
    rows = []
    for d in [*days_before(DAY, 28), DAY]:
        slow = 50.0 if d == DAY else 20.0
        rows += [
            point("time_to_decision", "market=ES", d, None, 200, value=slow),
            point("time_to_decision", "market=FR", d, None, 10, value=80.0 if d == DAY else 20),
        ]
    store = make_store(tmp_path, rows)
    result = contributors(store, "time_to_decision")
    # FR's median moved further, but on 10 cases; ES moved 30 h on 200 cases.
    assert list(result["child_slice"]) == ["market=ES", "market=FR"]
    assert result.attrs["approximate"] is True
    assert result["contribution"].sum() == pytest.approx(result.attrs["total_change"])


def test_slice_values_are_bound_not_formatted(tmp_path):
    odd = "market=E'S"
    rows = [point("proactive_rate", odd, d, 90, 100) for d in days_before(DAY, 28)]
    rows += [point("proactive_rate", odd, DAY, 50, 100)]
    store = make_store(tmp_path, rows)
    result = contributors(store, "proactive_rate")
    assert list(result["child_slice"]) == [odd]


def test_empty_when_a_window_has_no_data(tmp_path):
    rows = [point("proactive_rate", "market=ES", DAY, 90, 100)]
    store = make_store(tmp_path, rows)
    result = contributors(store, "proactive_rate")
    assert result.empty and list(result.columns)[0] == "child_slice"


def test_dimension_choices():
    metric = CATALOGUE.get("complaint_rate")
    assert drill_dimensions(metric, "all") == list(DIMENSIONS)
    assert drill_dimensions(metric, "market=ES") == ["category_l1"]
    assert drill_dimensions(metric, "seller_tier=new") == []
    assert drill_dimensions(CATALOGUE.get("proactive_rate"), "all") == [
        "market",
        "category_l1",
        "seller_tier",
    ]
    where, params = child_slices("market=ES", "category_l1")
    assert params == ["ES"] and "category_l1 IS NOT NULL" in where


def test_bad_dimension_is_a_user_error(tmp_path):
    store = make_store(tmp_path, [point("proactive_rate", "market=ES", DAY, 90, 100)])
    with pytest.raises(UserError, match="cannot be broken down by 'channel'"):
        contributors(store, "proactive_rate", dimension="channel")
    with pytest.raises(UserError, match="no finer slices"):
        contributors(store, "proactive_rate", slice="seller_tier=new")


def test_three_cases_with_an_extreme_rate_rank_below_three_hundred_with_a_moderate_move(
    tmp_path,
):
    # proactive_rate fell. PL: 0 of 3 proactive (from 98%); US: 250 of 300 (from 98%); six
    # steady markets give the spread its scale. By the exact decomposition PL's 98-point drop
    # on 3 cases would be a large part of the change; by its evidence it is not.
    steady = {f"market={m}": (196, 200) for m in ("AA", "BB", "CC", "DD", "EE", "FF")}
    base = {"market=PL": (49, 50), "market=US": (294, 300), **steady}
    day = {"market=PL": (0, 3), "market=US": (250, 300), **steady}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate", n=10).set_index("child_slice")

    assert result.index[0] == "market=US"
    # PL is not ranked at all on 3 removals, however many it usually has: it is the row of
    # small slices, last, with its cases and the 50 its volume led to expect.
    assert "market=PL" not in result.index
    us, pl = result.loc["market=US"], result.iloc[-1]
    assert pl["slices"] == 1 and pl["cases"] == 3
    assert pl["expected_cases"] == pytest.approx(50)
    assert abs(pl["shrunk_contribution"]) < abs(us["shrunk_contribution"])
    assert abs(pl["shrunk_contribution"]) < abs(pl["contribution"])  # shrunk towards nothing
    assert us["cases"] == 300
    # The exact split is kept beside the ranking: effects still add up to the change.
    assert result["contribution"].sum() == pytest.approx(result.attrs["total_change"])
    assert result.attrs["pattern"].kind == "concentrated"
    assert result.attrs["pattern"].leaders == ("market=US",)


def test_shrunk_rates_keep_strong_evidence_and_pull_weak_evidence_to_the_prior():
    cases1 = pd.Series([3.0, 300.0, 300.0, 300.0])
    events1 = pd.Series([0.0, 240.0, 294.0, 291.0])
    cases0 = pd.Series([300.0, 3000.0, 3000.0, 3000.0])
    events0 = cases0 * 0.98
    period, baseline = shrunk_rates("share", events1, cases1, events0, cases0)
    assert period[1] == pytest.approx(0.80, abs=0.02)  # 300 cases keep their own rate
    assert period[0] > 0.5  # 0 of 3 is not read as 0%
    assert baseline.round(6).tolist() == [0.98] * 4


def test_children_under_the_minimum_volume_are_one_row(tmp_path):
    # Two markets of 1-2 removals a day, before and on the day: neither is ranked on its own;
    # they come last as one row with their cases summed.
    base = {
        "market=ES": (95, 100),
        "market=FR": (190, 200),
        "market=LU": (1, 1),
        "market=MT": (2, 2),
    }
    day = {
        "market=ES": (80, 100),
        "market=FR": (180, 200),
        "market=LU": (0, 1),
        "market=MT": (0, 2),
    }
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate", n=10)

    assert list(result["child_slice"].iloc[:2]) == ["market=ES", "market=FR"]
    group = result.iloc[-1]
    assert group["child_slice"] is None and group["slices"] == 2
    assert group["cases"] == 3 and group["expected_cases"] == pytest.approx(3)
    assert group["contribution"] == pytest.approx(
        result.attrs["total_change"] - result["contribution"].iloc[:2].sum()
    )
    assert (result["slices"].iloc[:2] == 1).all()
    assert MIN_CASES > 3


def test_broad_move_is_called_broad(tmp_path):
    # Every market loses about the same: none explains much, all pushed the same way.
    markets = ("AA", "BB", "CC", "DD", "EE", "FF")
    base = {f"market={m}": (98, 100) for m in markets}
    day = {f"market={m}": (70 + i, 100) for i, m in enumerate(markets)}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    pattern = contributors(store, "proactive_rate").attrs["pattern"]
    assert pattern.kind == "broad"
    assert (pattern.moved, pattern.judged) == (6, 6)
    assert pattern.largest <= BROAD_MAX and pattern.direction == -1


def test_a_few_small_children_alone_are_small_only(tmp_path):
    base = {"market=LU": (1, 1), "market=MT": (1, 1)}
    day = {"market=LU": (0, 1), "market=MT": (0, 1)}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate")
    assert len(result) == 1 and result.iloc[0]["slices"] == 2
    assert result.attrs["pattern"].kind == "small_only"


def test_a_move_every_small_market_shares_is_broad(tmp_path):
    # FR alone has enough removals (10 a day); six markets of 4 a day hold most of the volume.
    # All seven halve: too few removals to rank six of them, but together their cases say
    # the move is everyone's, not FR's (the planted model outage at sample scale).
    small = {f"market={m}": (4, 4) for m in ("AA", "BB", "CC", "DD", "EE", "FF")}
    base = {"market=FR": (10, 10), **small}
    day = {"market=FR": (5, 10), **{k: (2, 4) for k in small}}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate")
    pattern = result.attrs["pattern"]
    assert (pattern.kind, pattern.on_cases) == ("broad", True)
    assert (pattern.moved, pattern.judged) == (7, 7)
    assert result.iloc[0]["child_slice"] == "market=FR" and result.iloc[-1]["slices"] == 6


def test_one_market_falling_beside_steady_small_ones_is_not_broad(tmp_path):
    # FR falls from 10 of 10 to 0 of 10; six markets of 4 a day keep all theirs proactive.
    # Shrinkage alone would move the six with their parent; their own cases say they did not.
    small = {f"market={m}": (4, 4) for m in ("AA", "BB", "CC", "DD", "EE", "FF")}
    base = {"market=FR": (10, 10), **small}
    day = {"market=FR": (0, 10), **small}
    store = make_store(tmp_path, share_rows("proactive_rate", base, day))
    result = contributors(store, "proactive_rate")
    pattern = result.attrs["pattern"]
    assert pattern.kind != "broad"
    assert result.iloc[0]["child_slice"] == "market=FR"
    assert (result.iloc[1:]["support"] < 0).all()  # the six say they stayed


def test_two_leaders_beside_a_diffuse_rise_in_small_slices_is_not_broad(tmp_path):
    # The counterfeit wave's second day in the demo (counterfeit complaints per 10k listings):
    # AA 7 where 2.2 were expected, BB 6 where 0.7 were, seven small markets 13 where 7 were.
    # Everyone's cases lean up a little, but the two leaders carry the move: not broad-based.
    others = [f"market={m}" for m in ("CC", "DD", "EE", "FF", "GG", "HH", "II")]
    base = {"market=AA": (2.2, 10_000), "market=BB": (0.7, 10_000)}
    base |= {m: (1.0, 10_000) for m in others}
    day = {"market=AA": (7, 10_000), "market=BB": (6, 10_000)}
    day |= {m: (2 if i < 6 else 1, 10_000) for i, m in enumerate(others)}
    store = make_store(tmp_path, share_rows("counterfeit_complaint_rate", base, day))
    result = contributors(store, "counterfeit_complaint_rate")
    pattern = result.attrs["pattern"]
    assert pattern.kind != "broad"
    assert set(result["child_slice"].iloc[:2]) == {"market=AA", "market=BB"}
    assert result.iloc[-1]["slices"] == 7  # the seven under 5 complaints, seen and expected
