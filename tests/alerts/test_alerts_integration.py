"""The alert stages with the real threshold rules (alerts.rules.rulebook) and contributors
(alerts.detection.drivers) on a hand-built store: the interfaces fit and the digest carries both."""

from __future__ import annotations

from email import message_from_binary_file, policy
from pathlib import Path

from alerts.daily_job import run_daily
from alerts.rules.rulebook import load_rules
from metrics.metric_store import MetricStore
from tests.alerts_support import add_export_stats, add_series, day, make_config, read

N = 40


def test_real_rules_and_drivers(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    es = [0.80 if i in (30, 31) else 0.985 for i in range(N)]
    fr = [0.985] * N
    total = [(e * 300 + f * 200) / 500 for e, f in zip(es, fr, strict=True)]
    flags = [i in (30, 31) for i in range(N)]
    add_series(store, "proactive_rate", "market=ES", es, flags, denominators=[300.0] * N,
               expected=0.985, band=0.01)  # fmt: skip
    add_series(store, "proactive_rate", "market=FR", fr, denominators=[200.0] * N)
    add_series(store, "proactive_rate", "all", total, flags, denominators=[500.0] * N,
               expected=0.985, band=0.01)  # fmt: skip
    add_export_stats(store, N)
    config = make_config(store.path, outbox_dir=str(tmp_path / "eml"))
    rules = load_rules(None)
    for i in (30, 31):
        report = run_daily(config, run_date=day(i), dry_run=True, compute=False, detect=False,
                           rulebook=rules)  # fmt: skip
    state = read(store, "SELECT slice, rule_id, state, severity, rule_version FROM alert_state")
    firing = state[state["state"] == "firing"]
    assert {"anomaly", "proactive_rate.headline"} <= set(firing["rule_id"])
    headline = firing[firing["rule_id"] == "proactive_rate.headline"]
    assert set(headline["severity"]) == {"critical"}  # 0.80 and 0.908 are below 0.95
    assert headline["rule_version"].notna().all()

    assert len(report.eml_paths) == 1
    with open(report.eml_paths[0], "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    card = text[text.index("* Proactive detection share · whole platform") :]
    # the platform's drop is explained by ES, first among its contributors
    contributors = card[card.index("Top contributing slices") :].splitlines()
    assert contributors[1].strip().startswith("Concentrated: market ES explains")
    assert contributors[2].strip().startswith("- market ES · 600 removals:")
    assert "[NEW · CRITICAL] Threshold proactive_rate.headline" in card
    assert "Last breach Wed 01 Apr 2026: 87.4% is below the critical threshold 95.0%." in card
    assert "Today (Wed 01 Apr 2026): 87.4%" in card
