"""The digest's text and HTML parts on a fixed small store, pinned as reviewed snapshot files
(tests/snapshots/digest.txt, digest.html): a change to what owners read is a reviewed diff.

Time is frozen (`now` is passed to the job); the store, rules and contributors are built here.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email import message_from_binary_file, policy
from pathlib import Path

import pandas as pd

from alerts.detection.drivers import MovePattern
from metrics.metric_store import MetricStore
from tests.alerts_support import add_export_stats, add_series, day, make_config, run
from tests.snapshots import assert_matches_snapshot

N = 33


def contributors(con, metric, slice_key, day_, *, n=5, period_days=1):  # type: ignore[no-untyped-def]
    """Two children per slice with values in the metric's own unit, their cases and their
    evidence-weighed parts, and the drivers' verdict on where the change sits."""
    if metric.kind == "share":
        children, values, baselines, change = (
            ["market=ES", "market=FR"],
            [0.91, 0.975],
            [0.98, 0.98],
            [-0.042, -0.002],
        )
        cases, expected, dimension = [300.0, 3.0], [310.0, 17.0], "market"
        pattern = MovePattern("concentrated", ("market=ES",), (0.93,), 2, 2, 0.93, -1)
        parent = 0.98
    else:
        prefix = "" if slice_key == "all" else slice_key + ","
        children = [f"{prefix}category_l1=toys", f"{prefix}category_l1=home_garden"]
        values, baselines, change = [61.0, 12.5], [11.0, 9.0], [21.8, 3.2]
        cases, expected, dimension = [122.0, 25.0], [22.0, 18.0], "category_l1"
        pattern = MovePattern("led", tuple(children), (0.6, 0.3), 2, 2, 0.6, 1)
        parent = 10.0
    frame = pd.DataFrame(
        {"child_slice": children, "value": values, "baseline_value": baselines,
         "contribution": change, "share_of_change": [0.9, 0.1], "rate_effect": change,
         "mix_effect": [0.0, 0.0], "cases": cases, "expected_cases": expected,
         "explains": [pattern.explains[0], 0.07 if metric.kind == "share" else 0.3],
         "slices": [1, 1]}
    ).head(n)  # fmt: skip
    if metric.kind == "share":  # the markets under the minimum volume, as one row
        small = {"child_slice": None, "contribution": -0.001, "cases": 4.0,
                 "expected_cases": 17.0, "explains": 0.0, "slices": 8}  # fmt: skip
        frame = pd.concat([frame, pd.DataFrame([small])], ignore_index=True)
    frame.attrs.update(dimension=dimension, min_cases=5.0, pattern=pattern,
                       total_change=sum(change), parent_baseline_value=parent)  # fmt: skip
    return frame


def digest_parts(tmp_path: Path) -> tuple[str, str]:
    store = MetricStore(tmp_path / "store.duckdb")
    complaints = [10.0] * 30 + [25.0, 25.0, 35.0]
    add_series(store, "complaint_rate", "market=ES", complaints, [v > 20 for v in complaints],
               expected=10.0, denominators=[20_000.0] * N)  # fmt: skip
    shares = [0.98] * 31 + [0.93, 0.94]
    add_series(store, "proactive_rate", "all", shares, [v < 0.95 for v in shares],
               expected=0.98, band=0.01, denominators=[800.0] * N)  # fmt: skip
    # The detector named its test for the share's days (a shift); the complaint series keeps
    # the column empty, as a store scored before detections named their test.
    with store.write() as con:
        con.execute(
            "UPDATE detections SET test = 'shift' WHERE metric_id = 'proactive_rate' AND is_anomaly"
        )
        # A rate's numerator is its events: complaints per 10k live listings x listings / 10k.
        con.execute(
            "UPDATE series SET numerator = value * denominator / 10000 "
            "WHERE metric_id = 'complaint_rate'"
        )
    add_export_stats(store, N)
    config = make_config(store.path, outbox_dir=str(tmp_path / "eml"))
    for i in (30, 31, 32):
        # frozen: 07:30 in Madrid the morning after day(i)
        now = datetime.combine(day(i) + timedelta(days=1), time(5, 30), tzinfo=UTC)
        report = run(config, day(i), dry_run=True, now=now, contributors=contributors)
    assert len(report.eml_paths) == 1
    with open(report.eml_paths[0], "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, html


def test_digest_text_and_html_match_their_snapshots(tmp_path: Path) -> None:
    text, html = digest_parts(tmp_path)
    assert_matches_snapshot("digest.txt", text)
    assert_matches_snapshot("digest.html", html)
