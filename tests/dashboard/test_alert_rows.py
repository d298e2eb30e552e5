"""The Alerts page's firing rows (pure builder, also printed by `govkpi alerts status`)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd

from dashboard.builders.alert_rows import breach_requests, firing_rows, rule_name


def test_a_rule_is_named_without_its_metric_prefix() -> None:
    assert rule_name("missing_qualification_rate.headline", "missing_qualification_rate") == (
        "headline"
    )
    assert rule_name("anomaly", "missing_qualification_rate") == "anomaly"
    assert rule_name("other_metric.headline", "missing_qualification_rate") == (
        "other_metric.headline"
    )


def test_a_row_reads_like_the_digest() -> None:
    firing = pd.DataFrame(
        [
            {
                "metric_id": "appeal_overturn_rate",
                "slice": "market=ES,category_l1=toys",
                "rule_id": "appeal_overturn_rate.headline",
                "state": "firing",
                "severity": "warning",
                "observed": 0.05321,
                "as_of": date(2026, 11, 22),
                "firing_since": date(2026, 11, 19),
                "last_breach": date(2026, 11, 21),
                "acknowledged_by": None,
            }
        ]
    )
    assert breach_requests(firing) == [
        ("appeal_overturn_rate", "market=ES,category_l1=toys", date(2026, 11, 21))
    ]
    entry = SimpleNamespace(label="Appeal overturn rate", kind="share", case_noun="appeal")
    row = firing_rows(firing, {}, lambda _: entry).iloc[0]
    assert row["Slice"] == "market ES · toys"
    assert row["Today"] == "5.32% on Sun 22 Nov 2026"
    assert row["Firing since"] == "Thu 19 Nov 2026"
    assert row["Rule"] == "headline"
