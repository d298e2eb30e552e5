"""`govkpi alerts backtest` on a hand-made store: other rules give other episodes, planted
incidents are matched to episodes, nothing is written, and bad input exits 2."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from metrics.metric_store import MetricStore
from tests.alerts_support import day
from tests.ledger_support import ES, FR, episode_store, govkpi, read_csv, use_store

RULE = """
[[rule]]
id = "proactive_rate.test"
metric = "proactive_rate"
slices = ["market=*"]

[[rule.version]]
effective_from = 2020-01-01
warning = {warning}
owner = "detection"
rationale = "a test limit"
"""
PERIOD = ("--from", day(40).isoformat(), "--to", day(119).isoformat())


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MetricStore:
    store, _ = episode_store(tmp_path / "store.duckdb")
    use_store(monkeypatch, store)
    return store


def _rules(tmp_path: Path, warning: float) -> str:
    path = tmp_path / f"rules-{warning}.toml"
    path.write_text(RULE.format(warning=warning))
    return str(path)


def _digest(store: MetricStore) -> str:
    return hashlib.sha256(Path(store.path).read_bytes()).hexdigest()


def _episodes(path: Path) -> list[tuple[str, str, str]]:
    return [(r["rule_id"], r["slice"], r["firing_since"]) for r in read_csv(path)]


def test_a_changed_threshold_changes_the_episodes(store, tmp_path, capsys) -> None:
    before = _digest(store)
    strict, lax = tmp_path / "strict.csv", tmp_path / "lax.csv"
    rules = _rules(tmp_path, 0.95)
    assert govkpi("backtest", "--rules", rules, *PERIOD, "--output", str(strict)) == 0
    printed = capsys.readouterr().out
    # 0.90 is below 0.95: the threshold rule fires beside the detector on both markets.
    found = _episodes(strict)
    assert ("proactive_rate.test", ES, day(81).isoformat()) in found
    assert ("proactive_rate.test", FR, day(96).isoformat()) in found
    assert ("anomaly", ES, day(81).isoformat()) in found
    assert f"backtest of {rules}" in printed and "4 episodes (2 still firing" in printed
    # Each rule: ES firing 81..84 (4 days), FR 96..119 (24 days). Told per rule: ES new on
    # 81, reminded on 84, resolved on 85; FR new on 96, reminded every 3 days (99..117: 7).
    assert "56 alert-days" in printed
    assert (
        "22 notifications to one recipient of every alert (4 new alerts, 0 escalations, "
        "16 reminders, 2 resolutions) in 11 daily digests"
    ) in printed
    assert govkpi("backtest", "--rules", _rules(tmp_path, 0.85), *PERIOD,
                  "--output", str(lax)) == 0  # fmt: skip
    assert [e for e in _episodes(lax) if e[0] != "anomaly"] == []
    assert [e for e in found if e[0] == "anomaly"] == _episodes(lax)
    assert _digest(store) == before  # nothing written, not even the schema


def test_incidents_are_matched_to_episodes(store, tmp_path, capsys) -> None:
    incidents = tmp_path / "incidents.json"
    entries = [
        {"id": "es-outage", "metric": "proactive_rate", "slice": ES,
         "start": day(79).isoformat(), "end": day(82).isoformat()},
        {"id": "de-outage", "metric": "proactive_rate", "slice": "market=DE",
         "start": day(60).isoformat(), "end": day(61).isoformat()},
        {"id": "long-ago", "metric": "proactive_rate", "slice": ES,
         "start": day(1).isoformat(), "end": day(5).isoformat()},
    ]  # fmt: skip
    incidents.write_text(json.dumps(entries))
    out = tmp_path / "backtest.csv"
    rules = _rules(tmp_path, 0.85)
    assert govkpi("backtest", "--rules", rules, *PERIOD, "--output", str(out),
                  "--incidents", str(incidents)) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "1 of 2 planted incidents in the period caught" in printed
    assert f"caught on {day(81)} (2 days after it began): es-outage" in printed
    assert "missed: de-outage" in printed and "long-ago" not in printed


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: ("--rules", _write(p / "r.toml", "[[rule]]\nid = 1\n")), "rules file"),
        (lambda p: ("--incidents", _write(p / "i.json", "{not json")), "not JSON"),
        (lambda p: ("--incidents", _write(p / "i.json", '[{"id": "x"}]')), "lacks metric"),
        (lambda p: ("--incidents", str(p / "absent.json")), "cannot read it"),
    ],
)
def test_bad_input_exits_2_without_a_file(store, tmp_path, capsys, make, message) -> None:
    out = tmp_path / "backtest.csv"
    assert govkpi("backtest", *PERIOD, "--output", str(out), *make(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_period_backwards_exits_2(store, tmp_path, capsys) -> None:
    out = tmp_path / "backtest.csv"
    args = ("--from", day(50).isoformat(), "--to", day(40).isoformat(), "--output", str(out))
    assert govkpi("backtest", *args) == 2
    assert "is before --from" in capsys.readouterr().err and not out.exists()
