"""The sample suite reads what each incident moves, and its label windows, from incidents.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from bench.detect_sample_suite import (
    SampleSuite,
    acceptance,
    explained_mask,
    label_window,
    read_ground_truth,
)
from bench.detect_scoring import Window

T = pd.Timestamp


def entry(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "review_backlog-2026-09-19",
        "kind": "review_backlog",
        "metric": "sla_compliance",
        "slice": "market=FR",
        "start": "2026-09-21",
        "end": "2026-10-05",
        "direction": "down",
        "description": "reviewers fall behind",
        "shape": "spike",
        "incident_start": "2026-09-19",
        "incident_end": "2026-10-02",
        "effects": [
            {
                "metric": "sla_compliance",
                "slices": ["market=FR"],
                "direction": "down",
                "aftermath_days": 3,
            },
        ],
    }
    return base | fields


def suite_from(tmp_path: Path, entries: list[dict[str, Any]]) -> SampleSuite:
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(entries))
    labelled, causes = read_ground_truth(path)
    return SampleSuite(
        frame=pd.DataFrame(),
        specs={},
        windows=[x.window for x in labelled],
        good_direction={},
        since=T("2026-01-01"),
        festival_days=set(),
        causes=causes,
    )


def flags(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["series_id", "date"])


def test_one_effect_explains_exactly_its_metric_and_slices(tmp_path: Path) -> None:
    effects = [{"metric": "overdue_backlog", "slices": ["market=FR"], "aftermath_days": 4}]
    suite = suite_from(tmp_path, [entry(effects=effects)])
    f = flags(
        ("sla_compliance/market=FR", "2026-09-23"),  # the labelled series: a true positive
        ("overdue_backlog/market=FR", "2026-09-25"),  # the effect
        ("overdue_backlog/all", "2026-09-27"),  # a parent slice
        ("overdue_backlog/market=FR,channel=consumer", "2026-10-08"),  # a child, in aftermath
        ("overdue_backlog/market=FR", "2026-10-12"),  # past aftermath + slack: false
        ("overdue_backlog/market=ES", "2026-09-25"),  # rows the incident does not touch
        ("time_to_decision/market=FR", "2026-09-25"),  # not an effect in this file
        ("sla_compliance/market=FR,channel=consumer", "2026-10-20"),  # labelled metric, but
        # not an effect: only overdue_backlog is listed
    )
    assert explained_mask(f, suite).tolist() == [
        False,
        True,
        True,
        True,
        False,
        False,
        False,
        False,
    ]


def test_the_label_window_follows_the_shape() -> None:
    shift = entry(shape="shift", start="2026-07-25", end="2026-11-22")
    ramp = entry(shape="ramp", start="2026-03-01", end="2026-05-01", ramp_end="2026-03-18")
    spike = entry()
    sid = "sla_compliance/market=FR"
    assert label_window(shift) == Window(sid, T("2026-07-25"), T("2026-07-31"))
    assert label_window(ramp) == Window(sid, T("2026-03-01"), T("2026-03-18"))
    assert label_window(spike) == Window(sid, T("2026-09-21"), T("2026-10-05"))
    with pytest.raises(ValueError, match="shape"):
        label_window(entry(shape="wobble"))


def test_a_file_without_effects_is_refused_with_what_to_do(tmp_path: Path) -> None:
    old = {k: v for k, v in entry().items() if k not in ("shape", "effects")}
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps([old]))
    with pytest.raises(ValueError, match="regenerate the sample"):
        read_ground_truth(path)


def test_entries_of_one_incident_make_one_cause(tmp_path: Path) -> None:
    second = entry(metric="time_to_decision", direction="up", start="2026-09-20")
    suite = suite_from(tmp_path, [entry(), second])
    assert len(suite.windows) == 2
    (cause,) = suite.causes
    assert (cause.start, cause.end) == (T("2026-09-19"), T("2026-10-02"))


def test_acceptance_against_the_oracle() -> None:
    windows = [Window(f"m{i}/all", T("2026-03-01"), T("2026-03-10")) for i in range(4)]
    # In bound (3 <= 1 + 2), out of bound (4 > 1 + 2), no bound but caught, bound but missed.
    check = acceptance(windows, [3, 4, 5, None], [1, 1, None, 0])
    lines = check.lines
    assert not check.passed
    assert lines[0].startswith("    acceptance vs the oracle: FAIL (2 of 4 incidents in bound")
    assert [line.split()[0] for line in lines[1:5]] == ["PASS", "FAIL", "PASS", "FAIL"]
    # Over the bounded three: delays 3, 4, never -> median 4 > oracle median 1 + 0.5.
    assert lines[5].split()[0] == "FAIL" and "median delay 4.0 d" in lines[5]
    good = acceptance(windows[:2], [1, 2], [1, 1])
    assert good.passed
    assert good.lines[0].startswith("    acceptance vs the oracle: PASS (2 of 2")
    assert "median delay 1.5 d" in good.lines[-1] and good.lines[-1].split()[0] == "PASS"
