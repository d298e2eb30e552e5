"""The sample suite's explained class: alerts an incident is known to cause beside its label."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bench.detect_sample_suite import (
    Cause,
    Moved,
    SampleSuite,
    explained_mask,
    slices_overlap,
)
from bench.detect_scoring import SLACK_DAYS, Window, score_events, window_delays
from sample_data.incidents import REPORT_DELAY_P95_DAYS

T = pd.Timestamp


def suite() -> SampleSuite:
    return SampleSuite(
        frame=pd.DataFrame(),
        specs={},
        windows=[Window("sla_compliance/market=FR", T("2026-09-21"), T("2026-10-05"))],
        good_direction={},
        since=T("2026-01-01"),
        festival_days=set(),
        causes=[
            Cause(
                "review_backlog-2026-09-20",
                "review_backlog",
                T("2026-09-20"),
                T("2026-10-07"),
                tuple(
                    Moved(m, ("market=FR",), 0)
                    for m in ("sla_compliance", "time_to_decision", "overdue_backlog")
                ),
            )
        ],
    )


def flags(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["series_id", "date"])


def test_slices_overlap_parent_child_and_shared_value() -> None:
    assert slices_overlap("all", "market=FR")
    assert slices_overlap("market=FR,channel=app", "market=FR")
    assert slices_overlap("market=FR,channel=app", "market=FR,category_l1=toys")
    assert slices_overlap("channel=app", "market=FR")  # holds FR's app complaints
    assert not slices_overlap("market=ES,channel=app", "market=FR,category_l1=toys")


def test_explained_needs_a_moved_metric_an_overlapping_slice_and_the_window() -> None:
    f = flags(
        ("sla_compliance/market=FR", "2026-09-23"),  # true positive: not explained
        ("overdue_backlog/market=FR", "2026-09-25"),  # moved metric, same slice
        ("sla_compliance/market=FR,channel=app", "2026-10-09"),  # child, within the slack
        ("time_to_decision/all", "2026-09-30"),  # parent
        ("overdue_backlog/market=FR", "2026-11-20"),  # long after: false
        ("takedown_rate/market=FR", "2026-09-25"),  # not moved by a backlog: false
        ("overdue_backlog/market=ES", "2026-09-25"),  # another market: false
    )
    mask = explained_mask(f, suite())
    assert mask.tolist() == [False, True, True, True, False, False, False]
    s = suite()
    strict = score_events(f, s.windows, 3650, 0.0)
    aware = score_events(f[~mask], s.windows, 3650, 0.0)
    assert (strict.events, strict.true_events) == (7, 1)
    assert (aware.events, aware.true_events) == (4, 1)
    assert aware.recall == strict.recall == 1.0


def test_an_outage_explains_complaint_alerts_for_its_report_delay_after_it() -> None:
    after = REPORT_DELAY_P95_DAYS
    outage = replace(
        suite(),
        windows=[Window("proactive_rate/all", T("2026-09-05"), T("2026-09-08"))],
        causes=[
            Cause(
                "proactive_model_outage-2026-09-05",
                "proactive_model_outage",
                T("2026-09-05"),
                T("2026-09-08"),
                (
                    Moved("complaint_rate", ("all",), after),
                    Moved("substantiation_rate", ("all",), after),
                ),
            )
        ],
    )
    last = T("2026-09-08") + pd.Timedelta(days=SLACK_DAYS + after)
    f = flags(
        ("complaint_rate/channel=rights_holder", "2026-09-14"),  # reports of missed listings
        ("substantiation_rate/issue_type=product_safety", str(last.date())),
        ("complaint_rate/channel=authority", str((last + pd.Timedelta(days=1)).date())),
    )
    assert REPORT_DELAY_P95_DAYS >= 14  # weeks, not the +/- 2 days of slack
    assert explained_mask(f, outage).tolist() == [True, True, False]


def test_window_delays_count_from_the_start_and_name_the_missed() -> None:
    windows = [
        Window("a/all", T("2026-03-10"), T("2026-03-20")),
        Window("b/all", T("2026-03-10"), T("2026-03-20")),
        Window("c/all", T("2026-03-10"), T("2026-03-20")),
    ]
    f = flags(
        ("a/all", "2026-03-13"),
        ("a/all", "2026-03-15"),
        ("b/all", "2026-03-09"),  # before the start: a coincidence, not a detection
        ("c/all", "2026-04-30"),  # long after: missed
    )
    assert window_delays(f, windows) == [3, None, None]
    assert score_events(f, windows, 3650, 0.0).median_delay == 3.0
