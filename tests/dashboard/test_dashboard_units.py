"""The dashboard's pure parts: URL views, freshness, status, periods, rows SQL,
tables and figures."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import duckdb
import numpy as np
import pandas as pd
import pytest

from alerts.state.alert_status import detector_verdict, threshold_status
from alerts.state.status_series import facts_frame, series_flags
from dashboard.builders.figures import contribution_figure, heatmap_figure
from dashboard.builders.overview_data import split_firing, split_flagged
from dashboard.builders.periods import (
    pooled_series_value,
    pooled_values,
    previous_period,
    shift_previous,
)
from dashboard.builders.status import Status, describe_target, tile_status
from dashboard.builders.tables import grid_table, to_csv_bytes
from dashboard.builders.trend_figure import trend_figure, trend_notes
from dashboard.builders.view import View, parse_view
from dashboard.data.freshness import compute_freshness, end_of_day_utc
from dashboard.data.raw_rows import ROW_SOURCES, build_query
from metrics.catalogue import load_catalogue
from metrics.presentation import deep_link, view_path

D = dt.date


METRICS = {"proactive_rate": "Proactive detection share", "sla_compliance": "SLA compliance"}
DEFAULTS = View("proactive_rate", "all", D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31))


def test_parse_view_accepts_a_valid_link() -> None:
    params = {
        "metric": "sla_compliance",
        "slice": "market=ES,category_l1=toys",
        "start": "2026-02-01",
        "end": "2026-02-28",
        "day": "2026-02-10",
    }
    view, warnings = parse_view(params, metrics=METRICS, defaults=DEFAULTS, use_day=True)
    assert warnings == []
    assert view == View(
        "sla_compliance",
        "market=ES,category_l1=toys",
        D(2026, 2, 1),
        D(2026, 2, 28),
        D(2026, 2, 10),
    )
    assert view.to_params(with_day=True) == params


@pytest.mark.parametrize(
    ("page", "slice_key", "day"),
    [
        ("indicator", "all", None),
        ("indicator", "market=ES,category_l1=toys", None),
        ("drilldown", "seller_tier=brand_official", D(2026, 2, 10)),
        ("drilldown", "market=E S&x=1,category_l1=a/b+c%d", D(2026, 2, 28)),
    ],
)
def test_the_view_parser_accepts_exactly_the_links_the_presentation_layer_builds(
    page: str, slice_key: str, day: dt.date | None
) -> None:
    """Email deep links and table links are built by metrics.presentation; the dashboard's
    parser, fed the query string as a browser would hand it over, reopens that exact view."""
    link = deep_link("https://dash.example/app", "sla_compliance", slice_key,
                     D(2026, 2, 1), D(2026, 2, 28), page=page, day=day)  # fmt: skip
    parts = urlsplit(link)
    assert parts.path == f"/app/{page}"
    params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    view, warnings = parse_view(params, metrics=METRICS, defaults=DEFAULTS, use_day=True)
    assert warnings == []
    assert view == View("sla_compliance", slice_key, D(2026, 2, 1), D(2026, 2, 28),
                        day or DEFAULTS.day)  # fmt: skip
    # ... and the view writes back the same parameters the link carried
    assert view_path(*_args(view), page=page, day=day) == link.removeprefix(
        "https://dash.example/app/"
    )


def _args(view: View) -> tuple[str, str, dt.date, dt.date]:
    return view.metric, view.slice, view.start, view.end


@pytest.mark.parametrize(
    ("params", "expected", "fragment"),
    [
        ({"metric": "x' OR 1=1 --"}, DEFAULTS, "does not exist"),
        ({"slice": "market=ES,"}, DEFAULTS, "not valid"),
        ({"slice": "color=red"}, DEFAULTS, "not valid"),
        ({"start": "2026-2-1"}, DEFAULTS, "not a date"),
        ({"end": "2026-02-31"}, DEFAULTS, "not a date"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, DEFAULTS, "after the end date"),
    ],
)
def test_parse_view_warns_and_defaults(
    params: dict[str, str], expected: View, fragment: str
) -> None:
    view, warnings = parse_view(params, metrics=METRICS, defaults=DEFAULTS)
    assert view == expected
    assert len(warnings) == 1 and fragment in warnings[0]


def test_parse_view_checks_the_slice_exists_and_cuts_long_echoes() -> None:
    view, warnings = parse_view(
        {"slice": "market=ZZ", "metric": "m" * 500},
        metrics=METRICS,
        defaults=DEFAULTS,
        slice_exists=lambda metric, key: key != "market=ZZ",
    )
    assert view.slice == "all"
    assert any("no data for market ZZ" in w for w in warnings)
    assert all(len(w) < 300 for w in warnings)


def test_parse_view_takes_the_last_of_repeated_parameters() -> None:
    view, _ = parse_view(
        {"metric": ["proactive_rate", "sla_compliance"]}, metrics=METRICS, defaults=DEFAULTS
    )
    assert view.metric == "sla_compliance"


def test_freshness_in_a_non_utc_reporting_zone() -> None:
    # 23:30 UTC on 29 March is already 30 March 01:30 in Madrid (CEST): the 29th is complete.
    meta = {"reporting_tz": "Europe/Madrid", "data_as_of": "2026-03-29 23:30:00"}
    fresh = compute_freshness(
        meta, pd.DataFrame(), D(2026, 3, 30), [D(2026, 3, 29), D(2026, 3, 30)]
    )
    assert fresh.timezone == "Europe/Madrid"
    assert fresh.incomplete_days == [D(2026, 3, 30)]
    assert fresh.latest_complete_day == D(2026, 3, 29)
    assert fresh.as_of_text() == "30 Mar 2026 01:30 CEST (Europe/Madrid)"  # zone named
    assert end_of_day_utc(D(2026, 3, 29), "Europe/Madrid") == dt.datetime(2026, 3, 29, 22, 0)


def test_freshness_from_export_files_and_explicit_incomplete_days() -> None:
    files = pd.DataFrame(
        {
            "table": ["listings", "complaints", "traffic"],
            "latest_event": pd.to_datetime(
                ["2026-03-30 06:00", "2026-03-30 05:00", "2026-03-01 00:00"]
            ),
        }
    )
    fresh = compute_freshness({}, files, D(2026, 3, 30))
    assert fresh.as_of == dt.datetime(2026, 3, 30, 5, 0)  # the laggard required export
    assert fresh.latest_complete_day == D(2026, 3, 29)
    # An export written after the day ended makes it complete, whatever its last event.
    files["modified_at"] = pd.to_datetime(["2026-03-31 02:00"] * 3)
    assert compute_freshness({}, files, D(2026, 3, 30)).incomplete_days == []
    fresh = compute_freshness({"incomplete_days": '["2026-03-28"]'}, files, D(2026, 3, 28))
    assert fresh.latest_complete_day == D(2026, 3, 27)


def _rule(warning: float | None, critical: float | None, side: str) -> SimpleNamespace:
    return SimpleNamespace(warning=warning, critical=critical, side=side)


def _tile(row: dict, kind: str = "share", noun: str = "removal") -> Status:
    return tile_status(threshold_status(row, kind, noun), detector_verdict(row, kind))


def test_tile_renders_the_alert_status_decision() -> None:
    below = {"warning": 0.97, "critical": 0.95, "side": "below"}
    judged = {"low_volume": False, "score": 0.5, "expected": 0.98, "lower": 0.96, "upper": 0.99}
    assert _tile({**below, **judged, "value": 0.94, "level": "critical"}).level == "red"
    assert _tile({**below, **judged, "value": 0.96, "level": "warning"}).level == "amber"
    green = _tile({**below, **judged, "value": 0.98, "level": "ok"})
    assert (green.level, green.text) == ("green", "On target")
    unusual = _tile({**below, **judged, "value": 0.98, "level": "ok", "is_alert": True})
    assert (unusual.level, unusual.text) == ("amber", "Unusual")  # never "Warning" in target
    assert _tile({**below, "value": None}).level == "grey"
    no_target = _tile({**judged, "value": 5.0, "expected": 5.0, "lower": 4.0, "upper": 6.0},
                      "rate")  # fmt: skip
    assert (no_target.level, no_target.text) == ("green", "Within expected range")
    assert describe_target(SimpleNamespace(**below), "share") == (
        "target ≥ 97.0% · critical below 95.0%"
    )
    assert describe_target(None, "rate") == "no fixed target"


def test_periods() -> None:
    grid = pd.DataFrame(
        {"numerator": [90.0, 5.0], "denominator": [100.0, 0.0], "mean_value": [0.8, 0.5],
         "weighted_value": [20.0, 30.0]}
    )  # fmt: skip
    assert pooled_values(grid, "share", 1, 7).tolist()[0] == pytest.approx(0.9)
    assert pd.isna(pooled_values(grid, "share", 1, 7).tolist()[1])
    assert pooled_values(grid, "share", 1, 1).tolist() == [0.8, 0.5]
    assert pooled_values(grid, "duration", 1, 7).tolist() == [20.0, 30.0]
    assert previous_period(D(2026, 3, 1), D(2026, 3, 10)) == (D(2026, 2, 19), D(2026, 2, 28), 10)
    shifted = shift_previous(pd.DataFrame({"date": [D(2026, 2, 19)], "value": [1.0]}), 10)
    assert shifted["date"].iloc[0] == pd.Timestamp("2026-03-01")
    series = pd.DataFrame(
        {"value": [0.5, 1.0], "numerator": [1.0, 30.0], "denominator": [2.0, 30.0]}
    )
    assert pooled_series_value(series, "share", 1) == pytest.approx(31 / 32)


def test_rows_query_binds_every_value() -> None:
    hostile = "ES' OR 1=1 --"
    sql, params = build_query(
        ROW_SOURCES["complaint_rate"], f"market={hostile},channel=consumer", D(2026, 3, 29), "UTC"
    )
    assert hostile not in sql and "consumer" not in sql
    assert params == [
        dt.datetime(2026, 3, 29), dt.datetime(2026, 3, 30), hostile, "consumer"
    ]  # fmt: skip
    # A complaint dimension does not filter listing rows.
    sql, params = build_query(
        ROW_SOURCES["proactive_rate"], "channel=consumer", D(2026, 3, 29), "UTC"
    )
    assert len(params) == 2 and "c.channel" not in sql
    # Every metric of the catalogue has rows, and every query is valid SQL.
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE listings AS SELECT 'L1' listing_id, 'S1' seller_id, 'new' seller_tier, "
        "'ES' market, 'toys' category_l1, 'x' category_l2, TIMESTAMP '2026-03-01' created_at, "
        "NULL::TIMESTAMP published_at, NULL::TIMESTAMP removed_at, NULL removal_reason, "
        "NULL detection_channel, NULL::TIMESTAMP first_sale_at, true is_regulated_category, "
        "NULL::BOOLEAN has_required_certs"
    )
    con.execute(
        "CREATE TABLE complaints AS SELECT 'C1' complaint_id, 'L1' listing_id, TIMESTAMP "
        "'2026-03-01' received_at, 'consumer' channel, 'counterfeit' issue_type, NULL::TIMESTAMP "
        "decided_at, NULL outcome, NULL::TIMESTAMP complainant_informed_at"
    )
    con.execute(
        "CREATE TABLE appeals AS SELECT 'A1' appeal_id, 'L1' listing_id, TIMESTAMP '2026-03-01' "
        "filed_at, NULL::TIMESTAMP decided_at, NULL outcome"
    )
    assert set(ROW_SOURCES) == {m.id for m in load_catalogue()}
    for metric_id, source in ROW_SOURCES.items():
        sql, params = build_query(source, "market=ES", D(2026, 3, 1), "Europe/Madrid")
        con.execute(sql, params).fetchall()  # raises on a bad query
        assert metric_id


def test_csv_bytes() -> None:
    frame = pd.DataFrame(
        {"market": ["ES"], "value": [0.5], "at": [pd.Timestamp("2026-03-01 10:00")]}
    )
    assert to_csv_bytes(frame) == b"market,value,at\nES,0.5,2026-03-01 10:00:00\n"


def test_trend_figure_has_band_thresholds_flags_and_overlay() -> None:
    dates = pd.date_range("2026-03-01", periods=6)
    series = pd.DataFrame({"date": dates, "value": [0.97, 0.98, 0.97, 0.90, 0.96, 0.93]})
    detections = pd.DataFrame(
        {"date": dates, "expected": 0.97, "lower": [0.95] * 5 + [0.0],
         "upper": [0.99] * 5 + [1.0], "score": [0.1, 0.3, 0.1, -5.0, -4.5, -4.4],
         "is_anomaly": [False, False, False, True, True, True],
         "is_alert": [False, False, False, True, True, True]}
    )  # fmt: skip
    rated = pd.DataFrame(
        {"date": dates, "warning": 0.92, "critical": 0.91, "side": "below", "level":
         ["ok", "ok", "ok", "critical", "ok", "ok"], "low_volume": False, "rule_id": "r"}
    )  # fmt: skip
    flags = series_flags(facts_frame(series, detections, rated), "share", "removal")
    thresholds = pd.DataFrame({"date": dates, "warning": 0.92, "critical": 0.91, "side": "below"})
    fig = trend_figure(series, flags, thresholds, "share", series, "Previous period")
    names = [t.name for t in fig.data]
    for name in (
        "Expected range",
        "Expected",
        "Previous period",
        "Value",
        "Warning threshold",
        "Critical threshold",
        "Beyond threshold",
        "Part of a sustained shift",
    ):
        assert name in names  # fmt: skip
    # Day 4 is beyond the critical threshold; day 5 was counted by the detector but sits
    # inside its drawn range, so it is a sustained shift, not "outside the expected range".
    assert list(next(t for t in fig.data if t.name == "Beyond threshold").y) == [0.90]
    shift = next(t for t in fig.data if t.name == "Part of a sustained shift")
    assert list(shift.y) == [0.96, 0.93]
    assert "Outside expected range" not in names
    # The last day's band covers 0-100%: it is not drawn.
    drawn = [x for t in fig.data if t.name == "upper" for x in t.x]
    assert pd.Timestamp(dates[-1]) not in [pd.Timestamp(x) for x in drawn] and len(drawn) == 5
    assert fig.layout.yaxis.tickformat == ".1%"


def test_heatmap_and_contribution_figures() -> None:
    grid = pd.DataFrame(
        {"market": ["ES", "FR"], "category_l1": ["toys", "toys"], "value": [0.9, 0.99]}
    )
    scale = heatmap_figure(grid, "share", "higher", reference=0.95).data[0].colorscale
    # Yellow sits at the platform's value: below it is worse (red, higher is better), above
    # it better (green).
    assert scale[0][1] == "#d73027" and scale[-1][1] == "#1a9850"
    assert scale[1][0] == pytest.approx((0.95 - 0.9) / (0.99 - 0.9))
    scale = heatmap_figure(grid, "share", "lower", reference=2.0).data[0].colorscale
    assert [c for _, c in scale] == ["#1a9850", "#ffffbf"]  # every cell better than platform
    flat = heatmap_figure(grid.assign(value=0.0), "share", "higher", reference=0.0).data[0]
    assert 0.0 == flat.zmin < flat.zmax  # one value everywhere: no negative shares on the bar
    counts = pd.DataFrame(
        {"child_slice": ["market=ES"], "rate_effect": [float("nan")],
         "mix_effect": [float("nan")], "contribution": [12.0]}
    )  # fmt: skip
    figure = contribution_figure(counts, "count", ["market ES"])
    assert [t.name for t in figure.data] == ["Change"] and list(figure.data[0].y) == ["market ES"]


def test_heatmap_mutes_cells_with_too_few_cases() -> None:
    # PL · toys is 0% of 3 removals: grey with its count, never a red 0%; the colour range
    # comes from the judged cells only.
    grid = pd.DataFrame(
        {"market": ["ES", "FR", "PL"], "category_l1": ["toys"] * 3,
         "numerator": [90.0, 99.0, 0.0], "denominator": [100.0, 100.0, 3.0],
         "mean_value": [0.9, 0.99, 0.0]}
    )  # fmt: skip
    table = grid_table(grid, "share", 1.0, 1, reference=0.95, min_cases=5)
    assert table["judged"].tolist() == [True, True, False]
    assert table["cases"].tolist() == [100.0, 100.0, 3.0]
    coloured, muted = heatmap_figure(table, "share", "higher", 0.95, "removal").data
    assert list(coloured.z[0][:2]) == [0.9, 0.99] and np.isnan(coloured.z[0][2])
    assert coloured.zmin == 0.9  # the 0% cell does not stretch the scale
    assert np.isnan(muted.z[0][0]) and muted.z[0][2] == 0.0 and muted.text[0][2] == "(3)"
    assert muted.customdata[0][2] == "market PL · toys: 0.00% · 3 removals · too few to judge"
    assert coloured.customdata[0][0] == "market ES · toys: 90.0% · 100 removals"
    # A rate cell is judged on its events, seen or expected at the platform's rate.
    rates = grid.assign(numerator=[0.0, 12.0, 1.0], denominator=[40_000.0, 10_000.0, 100.0])
    rates["mean_value"] = rates["numerator"] / rates["denominator"] * 10_000
    judged = grid_table(rates, "rate", 10_000, 1, reference=2.0, min_cases=5)["judged"]
    assert judged.tolist() == [True, True, False]  # 0 of 8 expected is a finding


def test_split_firing_and_flagged() -> None:
    firing = pd.DataFrame(
        {"metric_id": ["a", "b"], "slice": ["all", "all"],
         "firing_since": [D(2026, 3, 29), D(2026, 3, 20)]}
    )  # fmt: skip
    new, still = split_firing(firing, D(2026, 3, 29))
    assert list(new["metric_id"]) == ["a"] and list(still["metric_id"]) == ["b"]
    flagged = pd.DataFrame(
        {"metric_id": ["a", "a", "b"], "slice": ["all", "all", "all"],
         "date": [D(2026, 3, 28), D(2026, 3, 29), D(2026, 3, 29)]}
    )  # fmt: skip
    new, still = split_flagged(flagged, D(2026, 3, 29))
    assert list(new["metric_id"]) == ["b"] and list(still["metric_id"]) == ["a"]


def test_low_volume_day_is_not_judged_unless_the_breach_survives_padding() -> None:
    rule = {"warning": 0.2, "critical": 0.3, "side": "above", "min_volume": 20}
    # 3 of 9 appeals overturned: 33% looks critical, but 9 cases are too few to judge.
    grey = _tile({**rule, "value": 1 / 3, "denominator": 9, "level": None, "low_volume": True},
                 noun="appeal")  # fmt: skip
    assert grey.level == "grey" and grey.reason == ("33.3% of 9 appeals: too few to call critical")
    # The guard judged a critical-looking day only a warning: the tile says so in place.
    capped = _tile({**rule, "value": 1 / 3, "denominator": 3, "level": "warning",
                    "low_volume": True}, noun="appeal")  # fmt: skip
    assert (capped.level, capped.text) == ("amber", "Warning")
    assert capped.reason == "33.3% of 3 appeals: too few to call critical"
    red = _tile({**rule, "value": 0.9, "denominator": 10, "level": "critical",
                 "low_volume": True}, noun="appeal")  # fmt: skip
    assert red.level == "red" and "even on only 10 appeals" in red.reason


def test_a_tile_on_a_day_the_job_has_no_data_for_says_no_data_and_why() -> None:
    """The tile follows the alert job's completeness: a value computed from a short export is
    not judged against its target (it would read "On target" while the job says no data)."""
    from alerts.rules.rulebook import load_rules
    from alerts.state.status_data import rate
    from dashboard.builders.overview_data import headline_card

    day = dt.date(2026, 3, 29)
    platform = pd.DataFrame(
        {
            "metric_id": ["complaint_rate"] * 2,
            "slice": ["all"] * 2,
            "date": [day - dt.timedelta(days=7), day],
            "value": [9.0, 0.32],
            "numerator": [900.0, 32.0],
            "denominator": [1_000_000.0, 1_000_000.0],
        }
    )
    rated = rate(platform, load_rules(None))
    judged = headline_card("complaint_rate", "rate", "listing", platform, rated, day)
    assert judged.status.text == "On target"
    gap = "complaints export incomplete for BE, DE"
    card = headline_card("complaint_rate", "rate", "listing", platform, rated, day, gap)
    assert card.status.text == "No data" and card.status.level == "grey"
    assert gap in card.status.reason


def _flags_for(lower: list[float], upper: list[float], scores: list[float | None]) -> pd.DataFrame:
    dates = pd.date_range("2026-03-01", periods=len(lower)).date
    series = pd.DataFrame({"date": dates, "value": [0.5] * len(lower), "denominator": 50})
    detections = pd.DataFrame(
        {"date": dates, "expected": 0.5, "lower": lower, "upper": upper, "score": scores,
         "is_anomaly": False, "is_alert": False}
    )  # fmt: skip
    return series_flags(facts_frame(series, detections, pd.DataFrame()), "share", "removal")


def test_trend_legend_lists_the_range_only_when_it_is_drawn() -> None:
    # Every day's band covers 0-100%: nothing is drawn, so no "Expected range"/"Expected".
    flags = _flags_for([0.0] * 4, [1.0] * 4, [0.1] * 4)
    series = flags[["date", "value"]]
    fig = trend_figure(series, flags, pd.DataFrame(), "share")
    names = {t.name for t in fig.data if t.showlegend is not False}
    assert "Expected range" not in names and "Expected" not in names
    notes = " ".join(trend_notes(flags))
    assert "Shaded" not in notes and "Marked" not in notes
    assert "No range drawn on 4 days a range covering every possible value" in notes


def test_a_lone_drawn_day_is_drawn_as_a_visible_range() -> None:
    # Only day 2 has a band that says something: a fill of one day is invisible, so it is a
    # short vertical range from lower to upper, listed once in the legend.
    flags = _flags_for([0.0, 0.4, 0.0, 0.0], [1.0, 0.6, 1.0, 1.0], [0.1, 0.1, 0.1, None])
    fig = trend_figure(flags[["date", "value"]], flags, pd.DataFrame(), "share")
    ranges = [t for t in fig.data if t.name == "Expected range"]
    assert len(ranges) == 1 and ranges[0].showlegend is not False
    assert [y for y in ranges[0].y if y is not None] == [0.4, 0.6]
    expected = next(t for t in fig.data if t.name == "Expected")
    assert list(expected.marker.size) == [0, 10, 0, 0]  # a tick on the lone day
    notes = " ".join(trend_notes(flags))
    assert "a short bar on a lone day" in notes
    assert "2 days a range covering every possible value" in notes
    assert "1 day the detector did not judge" in notes
