"""The daily job's evaluate + notify stages against a hand-built store and a real SMTP server:
lifecycle, notifications (new, escalation, reminder, resolution), silences, acknowledgements,
missing data, re-runs and past dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.state.alert_store import acknowledge, add_silence, expire_silence, firing_alerts
from alerts.state.silences import active_silences
from metrics.catalogue import load_catalogue
from metrics.metric_store import MetricStore
from tests.alerts_support import (
    add_export_stats,
    add_series,
    day,
    fake_contributors,
    make_config,
    read,
    run,
)

N = 45


@pytest.fixture
def store(tmp_path: Path) -> MetricStore:
    return MetricStore(tmp_path / "store.duckdb")


ES = "market=ES"


def proactive(store: MetricStore, flagged: set[int], n: int = N, slice_key: str = ES) -> None:
    values = [0.90 if i in flagged else 0.98 for i in range(n)]
    alerts = [i in flagged for i in range(n)]
    add_series(store, "proactive_rate", slice_key, values, alerts, expected=0.98, band=0.01)


def setup(store: MetricStore, server, flagged: set[int], **config):  # type: ignore[no-untyped-def]
    proactive(store, flagged)
    add_export_stats(store, N)
    return make_config(store.path, smtp={"port": server.port}, **config)


def subjects(server) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m["Subject"]) for m in server.mailbox.messages]


def test_lifecycle_transitions_are_logged_with_values_and_versions(store, smtp_server) -> None:
    config = setup(store, smtp_server, {30, 31, 32})
    for i in range(29, 36):
        run(config, day(i))
    log = read(
        store,
        "SELECT date, state, observed, expected, lower, upper, rule_version, metric_fingerprint "
        "FROM alert_evaluations WHERE rule_id = 'anomaly' AND slice = ? AND date >= ? "
        "QUALIFY row_number() OVER (PARTITION BY date ORDER BY evaluated_at DESC) = 1 "
        "ORDER BY date",
        [ES, day(29)],
    )
    assert list(log["state"]) == [
        "normal", "pending", "firing", "firing", "recovering", "normal", "normal",
    ]  # fmt: skip
    flagged = log.iloc[1]
    assert flagged["observed"] == 0.90 and flagged["expected"] == 0.98
    assert (flagged["lower"], flagged["upper"]) == (0.97, 0.99)
    fingerprint = load_catalogue().get("proactive_rate").fingerprint
    assert set(log["metric_fingerprint"]) == {fingerprint}
    assert set(log["rule_version"]) == {"detector"}


def test_new_firing_and_resolution_notify_once_each(store, smtp_server) -> None:
    config = setup(store, smtp_server, {30, 31, 32})
    for i in range(29, 36):
        run(config, day(i))
    assert len(subjects(smtp_server)) == 2
    first, second = smtp_server.mailbox.messages
    assert "1 new" in first["Subject"] and first["X-Govkpi-Run-Date"] == day(31).isoformat()
    assert "1 resolved" in second["Subject"] and second["X-Govkpi-Run-Date"] == day(34).isoformat()
    events = read(store, "SELECT event, status FROM notifications ORDER BY run_date")
    assert list(events["event"]) == ["new", "resolved"]
    assert set(events["status"]) == {"sent"}


def test_rerunning_a_day_sends_nothing_twice(store, smtp_server) -> None:
    config = setup(store, smtp_server, {30, 31, 32})
    run(config, day(30))
    first = run(config, day(31))
    again = run(config, day(31))
    assert (first.sent, again.sent, again.digests) == (1, 0, 0)
    assert len(smtp_server.mailbox.messages) == 1
    assert read(store, "SELECT count(*) AS n FROM outbox")["n"][0] == 1


def test_escalation_from_warning_to_critical_notifies(store, smtp_server) -> None:
    values = [10.0] * 30 + [25.0, 25.0, 35.0, 35.0] + [10.0] * 11
    add_series(store, "complaint_rate", ES, values)  # the detector stays quiet
    add_export_stats(store, N)
    config = make_config(store.path, smtp={"port": smtp_server.port})
    for i in range(30, 34):
        run(config, day(i))
    sent = read(store, "SELECT run_date, event, severity FROM notifications ORDER BY run_date")
    assert [(e, s) for e, s in zip(sent["event"], sent["severity"], strict=True)] == [
        ("new", "warning"), ("escalated", "critical"),
    ]  # fmt: skip
    assert len(smtp_server.mailbox.messages) == 2
    assert "1 critical" in smtp_server.mailbox.messages[1]["Subject"]
    state = read(store, "SELECT state, severity, rule_id FROM alert_state WHERE slice = ?", [ES])
    assert ("firing", "critical", "complaint_rate.test") in set(
        zip(state["state"], state["severity"], state["rule_id"], strict=True)
    )


def test_reminders_repeat_until_acknowledged(store, smtp_server) -> None:
    config = setup(store, smtp_server, set(range(30, 45)), lifecycle={"reminder_days": 3})
    for i in range(30, 38):
        run(config, day(i))
    sent = read(store, "SELECT run_date, event FROM notifications ORDER BY run_date")
    assert list(sent["event"]) == ["new", "reminder", "reminder"]
    assert [d.date() for d in sent["run_date"]] == [day(31), day(34), day(37)]

    acknowledge(store, "proactive_rate", ES, "anomaly", "ana", "looking into the ES model")
    for i in range(38, 44):
        run(config, day(i))
    assert len(read(store, "SELECT * FROM notifications")) == 3
    ack = firing_alerts_of(store)
    assert list(ack["acknowledged_by"]) == ["ana"]


def firing_alerts_of(store: MetricStore):  # type: ignore[no-untyped-def]
    with store.read() as con:
        return firing_alerts(con)


def test_silence_mutes_until_it_ends(store, smtp_server) -> None:
    config = setup(store, smtp_server, set(range(30, 45)))
    until = datetime.now(UTC) + timedelta(days=1)
    other = add_silence(store, "proactive_*", "market=FR*", until, "FR migration", "bo")
    silence = add_silence(store, "proactive_*", "market=ES*", until, "ES model retrain", "bo")
    report = run(config, day(31))
    assert (report.firing, report.silenced, report.digests) == (1, 1, 0)
    assert smtp_server.mailbox.messages == []
    run(config, day(32))
    assert smtp_server.mailbox.messages == []

    expire_silence(store, silence, "bo")
    report = run(config, day(33))
    # A silence for another market never matched: it is still active, and nothing is muted.
    with store.read() as con:
        still_active = [s.silence_id for s in active_silences(con, datetime.now(UTC))]
    assert still_active == [other]
    assert report.silenced == 0
    assert len(smtp_server.mailbox.messages) == 1  # announced once the silence is over
    # First told today, but firing since day 31: named as the Alerts page names it.
    assert "1 still firing" in smtp_server.mailbox.messages[0]["Subject"]


def test_a_resolution_under_a_silence_is_not_announced_later(store, smtp_server) -> None:
    config = setup(store, smtp_server, {30, 31, 32})
    run(config, day(31))  # announced
    until = datetime.now(UTC) + timedelta(days=1)
    silence = add_silence(store, "*", "*", until, "maintenance", "bo")
    for i in range(32, 36):
        run(config, day(i))
    expire_silence(store, silence, "bo")
    run(config, day(36))
    assert len(smtp_server.mailbox.messages) == 1
    logged = read(store, "SELECT event, status FROM notifications ORDER BY created_at")
    assert list(zip(logged["event"], logged["status"], strict=True)) == [
        ("new", "sent"), ("resolved", "silenced"),
    ]  # fmt: skip


def test_missing_market_data_never_resolves_a_firing_alert(store, smtp_server) -> None:
    proactive(store, {30, 31})
    gap = {("listings", day(i), "ES"): 0 for i in (32, 33)}
    add_export_stats(store, N, overrides=gap)
    no_reminders = {"reminder_days": 0}
    config = make_config(store.path, smtp={"port": smtp_server.port}, lifecycle=no_reminders)
    for i in range(30, 36):
        run(config, day(i))
    log = read(
        store,
        "SELECT date, state, held_state, data_status FROM alert_evaluations "
        "WHERE slice = ? AND date >= ? AND rule_id = 'anomaly' ORDER BY date",
        [ES, day(30)],
    )
    assert list(log["state"]) == ["pending", "firing", "no_data", "no_data", "recovering", "normal"]
    assert list(log["held_state"][2:4]) == ["firing", "firing"]
    assert "listings export incomplete for ES" in log["data_status"][2]
    events = read(store, "SELECT run_date, event FROM notifications ORDER BY run_date")
    assert list(events["event"]) == ["new", "resolved"]
    assert events["run_date"][1].date() == day(35)  # not during the gap


def test_days_after_the_last_export_are_no_data(store, smtp_server) -> None:
    proactive(store, {30, 31}, n=N)
    add_export_stats(store, 32)  # exports end on day 31
    config = make_config(store.path, smtp={"port": smtp_server.port})
    run(config, day(31))
    run(config, day(33))
    state = read(store, "SELECT state, held_state, data_status FROM alert_state WHERE slice = ?",
                 [ES])  # fmt: skip
    assert list(state["state"]) == ["no_data"] and list(state["held_state"]) == ["firing"]
    assert "listings export ends" in state["data_status"][0]


def test_a_past_date_is_judged_on_data_up_to_it(store, smtp_server) -> None:
    config = setup(store, smtp_server, {36, 37, 38})
    first = run(config, day(33))
    assert first.firing == 0
    assert read(store, "SELECT max(date) AS d FROM alert_evaluations")["d"][0].date() == day(33)
    run(config, day(37))
    assert len(smtp_server.mailbox.messages) == 1
    # Re-judging an earlier day leaves the live state (as of day 37) alone and sends nothing.
    past = run(config, day(35))
    assert past.firing == 0 and past.digests == 0
    live = read(store, "SELECT DISTINCT as_of FROM alert_state")
    assert [d.date() for d in live["as_of"]] == [day(37)]
    assert len(smtp_server.mailbox.messages) == 1


def test_downtime_is_caught_up_day_by_day(store, smtp_server) -> None:
    config = setup(store, smtp_server, {33, 34, 35, 36, 37})
    run(config, day(30))
    run(config, day(38))  # seven days later
    log = read(
        store,
        "SELECT date, state FROM alert_evaluations WHERE slice = ? AND rule_id = 'anomaly' "
        "AND date > ? ORDER BY date",
        [ES, day(30)],
    )
    assert [d.date() for d in log["date"]] == [day(i) for i in range(31, 39)]
    assert list(log["state"])[2:] == [
        "pending",
        "firing",
        "firing",
        "firing",
        "firing",
        "recovering",
    ]
    assert len(smtp_server.mailbox.messages) == 1  # one digest: the alert, firing since day 34


def test_one_digest_per_recipient_routed_by_area_and_market(store, smtp_server) -> None:
    proactive(store, {30, 31})
    add_series(store, "complaint_rate", "all", [10.0] * N, [i in (30, 31) for i in range(N)],
               expected=8.0)  # fmt: skip
    add_export_stats(store, N)
    routing = {"owners": [{"area": "detection", "markets": ["ES"], "to": ["es-det@example.com"]}]}
    config = make_config(store.path, smtp={"port": smtp_server.port}, routing=routing)
    run(config, day(30))
    report = run(config, day(31))
    assert report.digests == 2
    by_rcpt = {rcpts[0]: m for (_, rcpts), m in zip(
        smtp_server.mailbox.envelopes, smtp_server.mailbox.messages, strict=True)}  # fmt: skip
    assert set(by_rcpt) == {"es-det@example.com", "lead@example.com"}
    es_text = by_rcpt["es-det@example.com"].get_body(("plain",)).get_content()
    lead_text = by_rcpt["lead@example.com"].get_body(("plain",)).get_content()
    assert "Proactive detection share" in es_text and "Complaint rate" not in es_text
    assert "Complaint rate" in lead_text and "Proactive detection share" not in lead_text


def test_dry_run_writes_eml_files_and_a_real_run_still_sends(store, smtp_server, tmp_path) -> None:
    config = setup(store, smtp_server, {30, 31}, outbox_dir=str(tmp_path / "eml"))
    run(config, day(30), dry_run=True)
    report = run(config, day(31), dry_run=True)
    assert report.outbox_dir == str(tmp_path / "eml" / day(31).isoformat())
    assert len(report.eml_paths) == 1 and report.eml_paths[0].endswith(".eml")
    assert read(store, "SELECT count(*) AS n FROM outbox")["n"][0] == 0
    assert smtp_server.mailbox.messages == []
    real = run(config, day(31))
    assert real.sent == 1


def test_contributors_explain_the_last_breached_day(store, smtp_server, tmp_path) -> None:
    config = setup(store, smtp_server, {30, 31}, outbox_dir=str(tmp_path / "eml"))
    asked = []

    def contributors(con, metric, slice_key, on_day, *, n=5, period_days=1):  # type: ignore[no-untyped-def]
        asked.append((metric.id, slice_key, on_day, n, period_days))
        return fake_contributors(con, metric, slice_key, on_day, n=n)

    report = run(config, day(32), dry_run=True, contributors=contributors)  # recovering
    assert report.digests == 1
    # The last breached day and the run of anomalous days ending on it (days 30 and 31).
    assert asked == [("proactive_rate", ES, day(31), 5, 2)]
    # The recovering card says how long until it resolves, counted in words, not "day(s)".
    eml = Path(report.eml_paths[0]).read_text()
    assert "it resolves after 1 clean day in a row" in eml and "(s)" not in eml


def test_a_run_long_after_the_last_series_day_judges_nothing_and_does_not_fail(
    store, smtp_server
) -> None:
    """Nothing observed in the replay window (the exports stopped weeks ago) is not a crash;
    the one mail is the notice that the exports stopped (tests/ops has its details)."""
    config = setup(store, smtp_server, set())
    report = run(config, day(N + 60))
    assert report.run_date == day(N + 60) and report.firing == 0
    assert report.stale_exports == ["complaints", "listings"]
    assert subjects(smtp_server) == [
        "[govkpi] 2026-06-14: no new data: 2 exports, up to 62 days old"
    ]
