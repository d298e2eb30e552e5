"""The digest's "At risk in the next 24 h" section, end to end: real exports (the holiday week
of tests/sla/clock_fixtures.py), the daily job, routing per owner and market, a real SMTP
server on loopback, re-runs that send nothing twice, and the section's text and HTML pinned as
reviewed snapshots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email import message_from_binary_file, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from metrics.metric_store import MetricStore
from metrics.settings import Settings
from tests.alerts_support import Server, add_export_stats, add_series, make_config, run
from tests.sla.clock_fixtures import DAY, ZONE, write_clock_exports
from tests.snapshots import assert_matches_snapshot

ROUTES = {
    "owners": [
        {"area": "notice_and_action", "markets": ["ES"], "to": ["es-desk@example.com"]},
        {"area": "notice_and_action", "markets": ["FR"], "to": ["fr-desk@example.com"]},
    ]
}
DAYS = 33
START = DAY - timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clock_exports(tmp_path_factory.mktemp("digest") / "data")


def alert_store(path: Path, firing: bool) -> MetricStore:
    """complaint_rate in market ES, above the fake rule's limit on the run day if `firing`."""
    store = MetricStore(path)
    values = [10.0] * (DAYS - 1) + [35.0 if firing else 10.0]
    add_series(store, "complaint_rate", "market=ES", values, [v > 20 for v in values],
               expected=10.0, start=START)  # fmt: skip
    add_export_stats(store, DAYS, start=START)
    return store


def config_for(store: MetricStore, data: Path, **extra: object) -> Settings:
    return make_config(store.path, data=str(data), timezone=ZONE, routing=ROUTES,
                       lifecycle={"pending_days": 0}, **extra)  # fmt: skip


def by_recipient(messages: list[EmailMessage]) -> dict[str, EmailMessage]:
    found = {str(m["To"]): m for m in messages}
    assert len(found) == len(messages), "one digest per recipient"
    return found


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_each_owner_gets_their_markets_at_risk_with_or_without_alerts(
    tmp_path: Path, data: Path, smtp_server: Server
) -> None:
    store = alert_store(tmp_path / "s.duckdb", firing=True)
    config = config_for(store, data, smtp={"port": smtp_server.port})
    report = run(config, DAY)
    # ES: K10, K5, K6, K3 due within 24 h (K4 overdue); FR: K2.
    assert report.at_risk == 5 and report.sent == 2
    mail = by_recipient(smtp_server.mailbox.messages)
    assert set(mail) == {"es-desk@example.com", "fr-desk@example.com"}

    # ES owns the firing alert (threshold and detector: 2 new): one digest with the alert
    # card and the ES clocks.
    es = mail["es-desk@example.com"]
    assert es["Subject"] == (
        "[govkpi] 2026-10-12: CRITICAL Complaint rate 35.0 complaints per 10k live listings "
        "(market ES); 1 critical, 2 new, 4 complaints due within 24 h"
    )
    text = text_of(es)
    assert "== At risk in the next 24 h ==" in text and "Complaint rate" in text
    assert "* Market ES: 4 complaints due within 24 h (by channel: authority 1 · rights " \
        "holder 2 · trusted flagger 1); 1 already overdue" in text  # fmt: skip
    # The three most urgent, with deadline and hours left in the reporting zone; the fourth
    # (K3, 24.0 h) counted and linked.
    assert text.index("K10 (") < text.index("K5 (") < text.index("K6 (")
    assert "- K10 (rights holder · ip infringement, 24 h, listing LES): due Tue 13 Oct " \
        "10:00 CEST, 10.0 h left" in text  # fmt: skip
    assert "K6 (trusted flagger · counterfeit, 24 h, listing LES): due Tue 13 Oct 23:30 " \
        "CEST, 23.5 h left" in text  # fmt: skip
    assert "K3 (" not in text and "And 1 more complaint due within 24 h." in text
    link = "https://govkpi.example.com/app/compliance?day=2026-10-12&market=ES"
    assert link in text
    assert "FR" not in text.split("== At risk")[1].split("Complaint rate")[0]
    html = html_of(es)
    assert "At risk in the next 24 h" in html and "1 already overdue" in html
    assert link.replace("&", "&amp;") in html and "10.0 h left" in html
    body = html[html.index("<body") :]  # the subject in <title> names the indicator first
    assert body.index("At risk in the next 24 h") < body.index("Complaint rate")

    # FR has no alert: a digest of its clocks alone, the Monday a French working day.
    fr = mail["fr-desk@example.com"]
    assert fr["Subject"] == "[govkpi] 2026-10-12: 1 complaint due within 24 h"
    text = text_of(fr)
    assert "SLA clocks as of Mon 12 Oct 2026" in text
    assert "- K2 (authority · product safety, 2 working days, listing LFR): due Tue 13 Oct " \
        "23:59 CEST, 24.0 h left" in text  # fmt: skip
    assert "market ES" not in text and "already overdue" not in text
    assert "Alerts page" not in text  # no alert in it to silence

    # Re-running the day sends nothing twice: the alert was told, the clocks were mailed.
    again = run(config, DAY)
    assert again.at_risk == 5 and again.sent == 0 and len(smtp_server.mailbox.messages) == 2


def test_a_day_with_nothing_due_has_no_section_and_no_digest_of_its_own(
    tmp_path: Path, data: Path
) -> None:
    # At the end of Thu 10-08 only K3 and K9 (received that day) are open: due Tuesday.
    store = alert_store(tmp_path / "s.duckdb", firing=False)
    config = config_for(store, data, outbox_dir=str(tmp_path / "eml"))
    report = run(config, date(2026, 10, 8), dry_run=True)
    assert report.at_risk == 0 and report.digests == 0 and report.eml_paths == []


def test_without_exports_the_digest_has_no_section(tmp_path: Path) -> None:
    store = alert_store(tmp_path / "s.duckdb", firing=True)
    eml = str(tmp_path / "eml")
    config = make_config(store.path, timezone=ZONE, routing=ROUTES,
                         lifecycle={"pending_days": 0}, outbox_dir=eml)  # fmt: skip
    report = run(config, DAY, dry_run=True)
    assert report.at_risk == 0 and len(report.eml_paths) == 1
    with open(report.eml_paths[0], "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    assert "At risk" not in text_of(msg)  # type: ignore[arg-type]


def test_the_clocks_only_digest_matches_its_snapshots(tmp_path: Path, data: Path) -> None:
    store = alert_store(tmp_path / "s.duckdb", firing=False)
    config = config_for(store, data, outbox_dir=str(tmp_path / "eml"))
    now = datetime.combine(DAY + timedelta(days=1), time(5, 30), tzinfo=UTC)  # 07:30 CEST
    report = run(config, DAY, dry_run=True, now=now)
    paths = {Path(p).name.split("_")[1]: p for p in report.eml_paths}
    assert sorted(paths) == ["es-desk", "fr-desk"]
    with open(paths["es-desk"], "rb") as fh:
        msg = message_from_binary_file(fh, policy=policy.default)
    assert_matches_snapshot("digest_at_risk.txt", text_of(msg))  # type: ignore[arg-type]
    assert_matches_snapshot("digest_at_risk.html", html_of(msg))  # type: ignore[arg-type]
