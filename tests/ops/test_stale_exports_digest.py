"""The digest's "No new data" section end to end: export statistics in a real store, the daily
job, a real SMTP server on loopback. An export whose newest day is more than
lifecycle.stale_after_days before the morning judged is named with its newest day, its age and
the limit; the notice goes out on a day without alerts, once per day, to the exports'
recipients; its text and HTML are pinned as reviewed snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from email import message_from_binary_file, policy
from email.message import EmailMessage
from pathlib import Path

import pandas as pd

from alerts.rules.export_age import judge_exports
from metrics.metric_store import MetricStore
from metrics.settings import load_settings
from tests.alerts_support import Server, add_export_stats, add_series, day, make_config, run
from tests.snapshots import assert_matches_snapshot

DAYS = 40  # series and export statistics from day 0 to day 39 (Thu 09 Apr 2026)
ZONE = "Europe/Madrid"


def body(msg: EmailMessage, kind: str) -> str:
    return msg.get_body((kind,)).get_content()  # type: ignore[union-attr]


def quiet_store(path: Path, firing_on: int | None = None) -> MetricStore:
    """complaint_rate in market ES at 10 (below the fake rule's 20) every day of the
    statistics; 35 on `firing_on` (critical) if given."""
    store = MetricStore(path)
    days = DAYS if firing_on is None else firing_on + 1
    values = [10.0] * days
    if firing_on is not None:
        values[firing_on] = 35.0
    add_series(store, "complaint_rate", "market=ES", values, [v > 20 for v in values],
               expected=10.0)  # fmt: skip
    add_export_stats(store, days)
    return store


def add_appeals(store: MetricStore, last: date) -> None:
    """An appeals export whose newest day is `last` (the other exports stay as they are)."""
    rows = [{"table": "appeals", "date": day(i), "market": "ES", "rows": 30}
            for i in range((last - day(0)).days + 1)]  # fmt: skip
    with store.write() as con:
        con.register("a", pd.DataFrame(rows))
        con.execute("INSERT INTO export_stats BY NAME SELECT * FROM a")


def test_age_is_today_minus_the_newest_day_and_stale_only_past_the_limit() -> None:
    today = date(2026, 4, 14)
    newest = {"listings": date(2026, 4, 12), "complaints": date(2026, 4, 11),
              "traffic": date(2026, 4, 14)}  # fmt: skip
    fresh = judge_exports(newest, today, ZONE, 2)
    ages = {e.export: (e.age_days, e.stale) for e in fresh.exports}
    assert ages == {"complaints": (3, True), "listings": (2, False), "traffic": (0, False)}
    assert fresh.headline() == "no new data: complaints export 3 days old"
    assert judge_exports(newest, today, ZONE, 3).stale == ()
    assert judge_exports(newest, today, ZONE, 1).headline() == (
        "no new data: 2 exports, up to 3 days old"
    )


def test_stale_exports_are_mailed_alone_once_per_day(tmp_path: Path, smtp_server: Server) -> None:
    store = quiet_store(tmp_path / "s.duckdb")
    config = make_config(store.path, timezone=ZONE, smtp={"port": smtp_server.port})
    # Evaluating Tue 14 Apr judges the morning of Wed 15 Apr: the exports end Thu 09 Apr.
    report = run(config, day(44))
    assert report.firing == 0 and report.items == 0
    assert report.stale_exports == ["complaints", "listings"] and report.sent == 1
    (msg,) = smtp_server.mailbox.messages
    assert msg["To"] == "lead@example.com"
    assert msg["Subject"] == "[govkpi] 2026-04-14: no new data: 2 exports, up to 6 days old"
    text = body(msg, "plain")
    assert "== No new data ==" in text
    assert "on Wed 15 Apr 2026 (Europe/Madrid) an export is stale when its newest day is " \
        "more than 2 days old" in text  # fmt: skip
    assert "* complaints: newest day Thu 09 Apr 2026, 6 days old (stale after 2 days)" in text
    assert "* listings: newest day Thu 09 Apr 2026, 6 days old (stale after 2 days)" in text
    assert "https://govkpi.example.com/app/data" in text
    html = body(msg, "html")
    assert "No new data" in html and "Thu 09 Apr 2026" in html and "6 days old" in html

    # Re-running the day, or a second run judging the same morning, sends nothing more.
    assert run(config, day(44)).sent == 0
    assert len(smtp_server.mailbox.messages) == 1
    # The next morning it is news again (one day older), once.
    assert run(config, day(45)).sent == 1
    assert run(config, day(45)).sent == 0
    subjects = [str(m["Subject"]) for m in smtp_server.mailbox.messages]
    assert subjects[1] == "[govkpi] 2026-04-15: no new data: 2 exports, up to 7 days old"

    # Within the limit nothing is said: evaluating day 39 judges the morning after it.
    fresh_store = quiet_store(tmp_path / "fresh.duckdb")
    fresh = make_config(fresh_store.path, timezone=ZONE, smtp={"port": smtp_server.port})
    report = run(fresh, day(39))
    assert report.stale_exports == [] and report.sent == 0


def test_the_limit_comes_from_the_environment_variable(tmp_path: Path, smtp_server: Server) -> None:
    store = quiet_store(tmp_path / "s.duckdb")
    assert load_settings(env={}).lifecycle.stale_after_days == 2  # the default
    loaded = load_settings(env={"GOVKPI_STALE_AFTER_DAYS": "7"})
    assert loaded.lifecycle.stale_after_days == 7
    config = make_config(store.path, timezone=ZONE, smtp={"port": smtp_server.port},
                         lifecycle={"stale_after_days": 7})  # fmt: skip
    assert run(config, day(44)).stale_exports == []  # 6 days old, limit 7
    assert smtp_server.mailbox.messages == []
    # The exports' recipients are a routing area a config file may name.
    toml = tmp_path / "govkpi.toml"
    toml.write_text('[[routing.owners]]\narea = "exports"\nto = ["data-team@example.com"]\n')
    routed = load_settings(toml, env={})
    assert routed.routing.owners[0].area == "exports"


def test_the_exports_recipients_get_the_notice_beside_or_apart_from_alerts(
    tmp_path: Path, smtp_server: Server
) -> None:
    # complaint_rate fires on day 39 (fresh listings and complaints); appeals ended day 33.
    store = quiet_store(tmp_path / "s.duckdb", firing_on=39)
    add_appeals(store, day(33))
    routes = {"owners": [{"area": "exports", "to": ["data-team@example.com"]}]}
    config = make_config(store.path, timezone=ZONE, smtp={"port": smtp_server.port},
                         routing=routes, lifecycle={"pending_days": 0})  # fmt: skip
    report = run(config, day(39))
    assert report.stale_exports == ["appeals"] and report.sent == 2
    mail = {str(m["To"]): m for m in smtp_server.mailbox.messages}
    # The alert goes to the default recipient, without the notice: not theirs.
    assert "No new data" not in body(mail["lead@example.com"], "plain")
    # The data team hears of appeals alone (7 days old on Fri 10 Apr), and nothing else.
    notice = mail["data-team@example.com"]
    assert notice["Subject"] == "[govkpi] 2026-04-09: no new data: appeals export 7 days old"
    text = body(notice, "plain")
    assert "* appeals: newest day Fri 03 Apr 2026, 7 days old (stale after 2 days)" in text
    assert "Complaint rate" not in text and "listings:" not in text

    # A recipient of both gets one digest with the alert card and the notice.
    both = make_config(
        MetricStore(tmp_path / "both.duckdb").path, timezone=ZONE,
        smtp={"port": smtp_server.port}, lifecycle={"pending_days": 0},
        routing={"owners": [{"area": "exports", "to": ["lead@example.com"]}]},
    )  # fmt: skip
    store2 = quiet_store(tmp_path / "both.duckdb", firing_on=39)
    add_appeals(store2, day(33))
    before = len(smtp_server.mailbox.messages)
    assert run(both, day(39)).sent == 1
    (msg,) = smtp_server.mailbox.messages[before:]
    text = body(msg, "plain")
    assert msg["Subject"].endswith("no new data: appeals export 7 days old")
    assert text.index("== No new data ==") < text.index("Complaint rate")


def test_the_no_data_digest_matches_its_snapshots(tmp_path: Path) -> None:
    store = quiet_store(tmp_path / "s.duckdb")
    add_appeals(store, day(20))
    config = make_config(store.path, timezone=ZONE, outbox_dir=str(tmp_path / "eml"))
    now = datetime.combine(day(45), time(5, 30), tzinfo=UTC)  # 07:30 CEST on Wed 15 Apr
    report = run(config, day(44), dry_run=True, now=now)
    (path,) = report.eml_paths
    with open(path, "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    assert msg["Subject"] == "[govkpi] 2026-04-14: no new data: 3 exports, up to 25 days old"
    assert_matches_snapshot("digest_no_data.txt", body(msg, "plain"))  # type: ignore[arg-type]
    assert_matches_snapshot("digest_no_data.html", body(msg, "html"))  # type: ignore[arg-type]
    # The judged morning is the clock's when it is earlier than the day after the as-of day.
    early = datetime.combine(day(41), time(5, 30), tzinfo=UTC)
    assert run(config, day(44), dry_run=True, now=early).stale_exports == ["appeals"]
