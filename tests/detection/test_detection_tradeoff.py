"""bench.detect_tradeoff: one row per shift limit, and the shipped limit put back."""

from __future__ import annotations

import pandas as pd
import pytest

from alerts.detection import false_alarm_control
from bench.detect_scoring import EventScore, Window
from bench.detect_tradeoff import LimitResult, format_delays, main, shift_limit_set


def test_main_prints_one_row_per_limit_and_restores_the_shipped_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shipped = false_alarm_control.SHIFT_LIMIT
    assert main(["--n-series", "20", "--limits", "4.5,2.5"]) == 0
    out, err = capsys.readouterr()
    assert false_alarm_control.SHIFT_LIMIT == shipped
    assert false_alarm_control.shift_limit() == shipped
    rows = [line.split() for line in out.splitlines() if line.startswith(("  4.50", "  2.50"))]
    assert [row[0] for row in rows] == ["4.50", "2.50"]
    assert rows[0][1] == "*"  # the shipped one is marked
    # The limit reaches the detector: 2.5 flags more than 4.5 on these series.
    assert rows[0][2:] != rows[1][1:]
    assert "sample data: skipped" in out
    assert err.count("shift limit") == 2  # one progress line per limit


def test_shift_limit_set_is_seen_by_the_detector_and_undone_on_error() -> None:
    shipped = false_alarm_control.SHIFT_LIMIT
    with pytest.raises(RuntimeError), shift_limit_set(3.0):
        assert false_alarm_control.shift_limit() == 3.0
        raise RuntimeError
    assert false_alarm_control.shift_limit() == shipped


def test_format_delays_one_column_per_limit_and_a_dash_when_missed() -> None:
    score = EventScore(1, 1, 1, 1, 0.0, 1.0, 0.0)
    windows = [Window("a/all", pd.Timestamp("2026-03-10"), pd.Timestamp("2026-03-20"))] * 2
    results = [
        LimitResult(4.5, (score, score), score, score, (3, None)),
        LimitResult(4.0, (score, score), score, score, (1, 2)),
    ]
    lines = format_delays(results, windows, 4.5)
    assert lines[1].split()[-3:] == ["4.50", "*", "4.00"]
    assert [line.split()[-2:] for line in lines[2:]] == [["3", "1"], ["-", "2"], ["3.00", "1.50"]]
