"""bench.bench_detect: suites chosen by name, held-out ones named so, re-alerts counted."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.bench_detect import main
from bench.detect_breakdown import re_alerts
from bench.holdout_suite import HoldoutIncident

T = pd.Timestamp


def test_nab_alone_is_scored_and_named_held_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--suites", "nab", "--no-baselines", "--speed-series", "0"]) == 0
    out = capsys.readouterr().out
    assert "tuning: synthetic seed 1, and the holdout generator's development draws 11," in out
    assert "held out (never tuned on): synthetic seed 7, holdout seeds 101, 202" in out
    assert "NAB nyc_taxi passengers per day (1 real series, seen twice)" in out
    assert "govkpi: kept " in out and "/5 (" in out
    for other in ("synthetic suite", "holdout suite", "sample data"):
        assert other not in out


def test_an_unknown_suite_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--suites", "nab,nope"])
    assert exit_.value.code == 2
    assert "unknown suite(s) nope" in capsys.readouterr().err


def test_re_alerts_are_false_events_during_a_lasting_incident_after_its_window() -> None:
    shift = HoldoutIncident("s", "shift", T("2025-03-01"), T("2025-04-29"), "up", returns=True)
    spike = HoldoutIncident("s", "spike", T("2025-06-01"), T("2025-06-01"), "up")
    flags = pd.DataFrame(
        {
            "series_id": "s",
            "date": [
                "2025-03-02",  # true: inside the shift's label window
                "2025-03-20",  # re-alert
                "2025-04-29",  # re-alert on its last day
                "2025-05-10",  # false, but the shift is over
                "2025-06-02",  # true: the spike's slack
                "2025-06-20",  # false after a spike: not a re-alert
            ],
        }
    )
    assert re_alerts([shift, spike], flags) == 2
