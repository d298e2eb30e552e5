"""The presentation layer: one precision rule, one missing-value text, slices and dates as
people read them, on every surface."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from metrics.presentation import (
    MISSING,
    area_label,
    count_of,
    deep_link,
    describe_slice,
    describe_slice_pattern,
    format_date,
    format_day,
    format_delta,
    format_percent,
    format_period,
    format_time,
    format_value,
    market_label,
    plural,
    value_with_count,
    value_with_unit,
    view_path,
)


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("share", 0.9712, "97.1%"),
        ("share", 0.97, "97.0%"),  # a threshold reads like a value, never 0.97
        ("share", 0.0532, "5.32%"),  # below 10%: two decimals
        ("share", 0.1, "10.0%"),
        ("share", 1.0, "100.0%"),
        ("share", 0.0, "0.00%"),
        ("rate", 6.4321, "6.43"),
        ("rate", 35.0, "35.0"),
        ("rate", 1234.56, "1,234.6"),
        ("duration", 19.46, "19.5 h"),
        ("count", 180234.0, "180,234"),
        ("count", 3, "3"),
        ("share", None, MISSING),
        ("rate", float("nan"), MISSING),
        ("rate", pd.NA, MISSING),
        ("duration", pd.NaT, MISSING),
    ],
)
def test_format_value(kind: str, value: object, text: str) -> None:
    assert format_value(kind, value) == text


def test_missing_is_one_text() -> None:
    assert MISSING == "n/a"
    assert format_delta("share", None) == format_day(None) == format_percent(None) == MISSING


@pytest.mark.parametrize(
    ("kind", "delta", "text"),
    [
        ("share", -0.0361, "-3.61 pp"),
        ("share", 0.0461, "+4.61 pp"),
        ("share", 0.123, "+12.3 pp"),
        ("share", -0.00001, "0.00 pp"),  # never "-0.00 pp"
        ("duration", 2.0, "+2.0 h"),
        ("duration", -12.34, "-12.3 h"),
        ("count", 1234, "+1,234"),
        ("rate", 0.281, "+0.28"),
        ("rate", -0.001, "0.00"),
    ],
)
def test_format_delta(kind: str, delta: float, text: str) -> None:
    assert format_delta(kind, delta) == text


def test_units_and_the_count_behind_a_value() -> None:
    assert value_with_unit("rate", 6.4, "complaints per 10k live listings") == (
        "6.40 complaints per 10k live listings"
    )
    assert value_with_unit("share", 0.5, "share of removals") == "50.0%"
    assert value_with_unit("rate", None, "complaints") == MISSING
    assert value_with_count("share", 1 / 3, 3, "appeal") == "33.3% of 3 appeals"
    assert value_with_count("share", 0.0, 1, "appeal") == "0.00% of 1 appeal"
    assert value_with_count("duration", 18.46, 12, "complaint") == "18.5 h over 12 complaints"
    assert value_with_count("rate", 5.321, 12408, "live listing") == (
        "5.32 on 12,408 live listings"
    )
    assert value_with_count("share", 0.5, None, "appeal") == "50.0%"
    assert plural(1, "case") == "1 case" and plural(2, "case") == "2 cases"
    assert format_percent(0.92) == "92%" and format_percent(-0.004) == "0%"


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("all", "whole platform"),
        ("market=ES", "market ES"),
        ("market=ES,category_l1=toys", "market ES · toys"),
        ("category_l1=home_garden", "home garden"),
        ("seller_tier=brand_official", "brand official sellers"),
        ("channel=rights_holder", "rights holder channel"),
        ("issue_type=product_safety", "product safety issues"),
        ("bogus", "bogus"),  # a malformed key from a URL is described, not an error
    ],
)
def test_describe_slice(key: str, text: str) -> None:
    assert describe_slice(key) == text
    assert "=" not in text and text != "all"


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("*", "every slice"),
        ("all", "whole platform"),
        ("market=*", "every market"),
        ("market=ES", "market ES"),
        ("market=ES*", "market ES*"),
        ("market=*,category_l1=*", "every market · every category"),
        ("market=ES,seller_tier=*", "market ES · every seller tier"),
        ("*ES*", "slices matching *ES*"),
    ],
)
def test_describe_slice_pattern(pattern: str, text: str) -> None:
    assert describe_slice_pattern(pattern) == text


def test_area_and_market_labels() -> None:
    assert area_label("notice_and_action") == "Notice and action"
    assert area_label("IP_protection") == "IP protection"
    assert market_label("ES") == "market ES"
    assert market_label(None) == "All markets"


def test_dates_and_times_name_the_zone() -> None:
    assert format_day(date(2026, 12, 6)) == "Sun 06 Dec 2026"
    assert format_date(date(2026, 12, 6)) == "06 Dec 2026"
    assert format_period(date(2026, 3, 1), date(2026, 4, 30)) == "01 Mar – 30 Apr 2026"
    assert format_period(date(2025, 12, 1), date(2026, 1, 5)) == "01 Dec 2025 – 05 Jan 2026"
    moment = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert format_time(moment, ZoneInfo("Europe/Madrid")) == (
        "06 Dec 2026 07:00 CET (Europe/Madrid)"
    )
    summer = datetime(2026, 7, 6, 6, 0, tzinfo=UTC)
    assert format_time(summer, ZoneInfo("Europe/Madrid")).endswith("08:00 CEST (Europe/Madrid)")


def test_links_are_url_encoded() -> None:
    start, end = date(2026, 3, 1), date(2026, 3, 28)
    link = deep_link("https://x.example/app/", "complaint_rate", "market=ES,category_l1=toys",
                     start, end)  # fmt: skip
    assert link == (
        "https://x.example/app/indicator?metric=complaint_rate"
        "&slice=market%3DES%2Ccategory_l1%3Dtoys&start=2026-03-01&end=2026-03-28"
    )
    assert deep_link(None, "m", "all", start, end) == ""  # no dashboard URL: no link
    assert deep_link("", "m", "all", start, end) == ""
    path = view_path("m", "market=[x](http://e/)", start, end, page="drilldown", day=end)
    assert path.startswith("drilldown?metric=m&slice=market%3D%5Bx%5D%28http%3A%2F%2Fe%2F%29&")
    assert path.endswith("&day=2026-03-28")
    with pytest.raises(ValueError):
        view_path("m", "all", start, end, page="../admin")


def test_count_of_slices() -> None:
    assert count_of(7, "market") == "7 markets" and count_of(1, "category_l1") == "1 category"
    assert count_of(3, "category_l1") == "3 categories"
    assert count_of(2, "seller_tier") == "2 seller tiers"


def test_sla_clock_texts() -> None:
    from metrics.presentation import (
        compliance_link,
        format_clock_time,
        format_hours_left,
    )

    madrid = ZoneInfo("Europe/Madrid")
    # Naive moments are UTC, as the exports store them; summer and winter time named.
    assert format_clock_time(datetime(2026, 10, 13, 21, 59, 59), madrid) == (
        "Tue 13 Oct 2026 23:59 CEST"
    )
    assert format_clock_time(datetime(2026, 11, 3, 9, 0, tzinfo=UTC), madrid, year=False) == (
        "Tue 03 Nov 10:00 CET"
    )
    assert format_hours_left(23.99) == "24.0 h left" and format_hours_left(0.0) == "0.0 h left"
    assert format_hours_left(-14) == "overdue by 14.0 h"
    assert format_hours_left(60) == "2.5 days left" and format_hours_left(-300) == (
        "overdue by 12.5 days"
    )
    assert format_hours_left(None) == "n/a"
    day = date(2026, 10, 12)
    assert compliance_link("https://x.example/app/", day, "ES") == (
        "https://x.example/app/compliance?day=2026-10-12&market=ES"
    )
    assert compliance_link("https://x.example", day, "[x](http://e/)").endswith(
        "market=%5Bx%5D%28http%3A%2F%2Fe%2F%29"
    )
    assert compliance_link(None, day) == ""
