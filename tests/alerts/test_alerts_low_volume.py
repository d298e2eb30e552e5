"""Threshold observations on low-volume days: no breach that survives the rule's minimum
volume means no evidence of a breach (ok, 'low volume'), not a held no_data state."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from alerts.rules.observations import _threshold_observations
from alerts.rules.rulebook import load_rules
from metrics.metric_store import MetricStore

RULES = """
[[rule]]
id = "appeal_overturn_rate.guarded"
metric = "appeal_overturn_rate"
slices = ["all"]

[[rule.version]]
effective_from = 2026-01-01
warning = 0.20
critical = 0.30
min_volume = 20
owner = "appeals"
rationale = "test"
"""


def test_low_volume_days_are_ok_and_big_breaches_still_count(tmp_path: Path) -> None:
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(RULES)
    book = load_rules(str(rules_file))
    rows = pd.DataFrame(
        {
            "metric_id": "appeal_overturn_rate",
            "slice": "all",
            "date": [date(2026, 3, d) for d in (1, 2, 3)],
            # 3 of 9: 33% but too few to judge; 9 of 10: a breach even padded to 20;
            # 8 of 40: enough volume and within target.
            "value": [3 / 9, 9 / 10, 8 / 40],
            "numerator": [3.0, 9.0, 8.0],
            "denominator": [9.0, 10.0, 40.0],
        }
    )
    store = MetricStore(tmp_path / "store.duckdb")
    with store.write() as con:
        con.register("rows", rows)
        con.execute("INSERT INTO series BY NAME SELECT * FROM rows")
    with store.read() as con:
        obs = _threshold_observations(con, book, date(2026, 3, 1), date(2026, 3, 3))
    by_day = obs.set_index("date").sort_index()
    assert list(by_day["verdict"]) == ["ok", "breach", "ok"]
    assert list(by_day["data_status"]) == ["low volume", "ok", "ok"]
    assert by_day["breach_severity"].iloc[1] == "critical"
