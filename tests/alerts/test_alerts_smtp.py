"""Delivery over a real SMTP server on loopback: message content, STARTTLS + login, the outbox
when the server is down, crash-safe re-sends, and the password kept out of everything."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from alerts import daily_job
from alerts.state.alert_store import acknowledge
from metrics.errors import DeliveryQueuedError
from metrics.metric_store import MetricStore
from metrics.settings import load_settings
from tests.alerts_support import (
    PASSWORD,
    Mailbox,
    add_export_stats,
    add_series,
    authenticator,
    day,
    free_port,
    make_config,
    read,
    run,
    self_signed_tls,
    start_server,
)

N = 40
EVIL = "market=<script>alert(1)</script>"


@pytest.fixture
def store(tmp_path: Path) -> MetricStore:
    return MetricStore(tmp_path / "store.duckdb")


def firing_store(store: MetricStore, slice_key: str = "market=ES") -> None:
    values = [0.90 if i in (30, 31, 32) else 0.98 for i in range(N)]
    add_series(store, "proactive_rate", slice_key, values, [v < 0.95 for v in values],
               expected=0.98, band=0.01)  # fmt: skip
    add_export_stats(store, N)


def html_of(msg: EmailMessage) -> str:
    return msg.get_body(("html",)).get_content()


def text_of(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()


def test_digest_content_text_html_inline_chart_link_and_escaping(store, smtp_server) -> None:
    values = [10.0] * 30 + [25.0, 25.0, 35.0] + [10.0] * 7
    add_series(store, "complaint_rate", EVIL, values, [v > 20 for v in values], expected=10.0)
    add_export_stats(store, N)
    config = make_config(store.path, smtp={"port": smtp_server.port})
    run(config, day(30))
    run(config, day(31))  # new: threshold warning + detector
    acknowledge(store, "complaint_rate", EVIL, "complaint_rate.test", "Zoë <z@x>",
                "<script>steal()</script> & co")  # fmt: skip
    run(config, day(32))  # escalated to critical: carries the acknowledgement
    assert len(smtp_server.mailbox.messages) == 2
    msg = smtp_server.mailbox.messages[1]

    assert msg.get_content_type() == "multipart/alternative"
    assert msg["To"] == "lead@example.com" and msg["From"] == "govkpi@example.com"
    assert msg["Message-ID"].startswith("<govkpi.") and msg["Message-ID"].endswith("@example.com>")
    assert "escalated" in msg["Subject"] and "critical" in msg["Subject"]
    html, text = html_of(msg), text_of(msg)

    # one inline PNG, referenced by the HTML through its Content-ID
    images = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    assert images[0].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html
    assert images[0].get("Content-Disposition", "").startswith("inline")

    # user-supplied text is escaped in HTML, readable in text
    assert "<script>" not in html
    assert "market &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;steal()&lt;/script&gt; &amp; co" in html
    assert "Zoë &lt;z@x&gt;" in html
    assert "<script>steal()</script> & co" in text

    # deep link into the dashboard's Indicator view, values URL-encoded
    link = (
        "https://govkpi.example.com/app/indicator?metric=complaint_rate"
        "&slice=market%3D%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
        f"&start={(day(32) - timedelta(days=59)).isoformat()}&end={day(32).isoformat()}"
    )
    assert link in text
    assert link.replace("&", "&amp;") in html

    # figures, thresholds, top contributors, time zone named
    assert "Today (Thu 02 Apr 2026): 35.0" in text
    assert "[ESCALATED · CRITICAL] Threshold complaint_rate.test" in text
    assert "Last breach Thu 02 Apr 2026: 35.0 is above the critical threshold 30.0." in text
    assert "Escalated" in html and "Top contributing slices" in html
    assert "market &lt;b&gt;FR&lt;/b&gt;" in html
    assert "(Europe/Madrid)" in text and ("CET" in text or "CEST" in text)
    assert "Europe/Madrid" in html


def test_starttls_and_login(store, tmp_path: Path, caplog, capsys) -> None:
    server_tls, cert = self_signed_tls(tmp_path)
    mailbox, port = Mailbox(), free_port()
    controller = start_server(
        port, mailbox, tls_context=server_tls, require_starttls=True, auth_required=True,
        auth_require_tls=True, authenticator=authenticator("govkpi", PASSWORD),
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    try:
        firing_store(store)
        secret_file = tmp_path / "smtp-password"
        secret_file.write_text(PASSWORD + "\n")
        env = {
            "GOVKPI_STORE": store.path,
            "GOVKPI_SMTP_HOST": "127.0.0.1",
            "GOVKPI_SMTP_PORT": str(port),
            "GOVKPI_SMTP_USER": "govkpi",
            # the password from a secrets file (as Docker and systemd credentials give it)
            "GOVKPI_SMTP_PASSWORD_FILE": str(secret_file),
            "GOVKPI_SMTP_STARTTLS": "true",
            "GOVKPI_SMTP_CA_FILE": str(cert),
            "GOVKPI_MAIL_FROM": "govkpi@example.com",
            "GOVKPI_MAIL_TO": "lead@example.com,deputy@example.com",
            "GOVKPI_OUTBOX_DIR": str(tmp_path / "eml"),
        }
        config = load_settings(None, env=env)
        run(config, day(30))
        dry = run(config, day(31), dry_run=True)
        assert len(dry.eml_paths) == 2
        report = run(config, day(31))
        assert report.sent == 2
        assert sorted(r for _, (r,) in mailbox.envelopes) == [
            "deputy@example.com", "lead@example.com",
        ]  # fmt: skip
    finally:
        controller.stop()
    secret = PASSWORD.encode()
    assert all(secret not in raw for raw in mailbox.raw)
    assert PASSWORD not in caplog.text
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    assert secret not in Path(store.path).read_bytes()
    for eml in (tmp_path / "eml").rglob("*.eml"):
        assert secret not in eml.read_bytes()


def test_wrong_password_keeps_messages_queued_and_hides_the_password(
    store, tmp_path: Path, caplog
) -> None:
    server_tls, cert = self_signed_tls(tmp_path)
    mailbox, port = Mailbox(), free_port()
    controller = start_server(
        port, mailbox, tls_context=server_tls, require_starttls=True, auth_required=True,
        auth_require_tls=True, authenticator=authenticator("govkpi", "the-right-one"),
    )  # fmt: skip
    caplog.set_level(logging.DEBUG)
    try:
        firing_store(store)
        config = make_config(store.path, smtp={
            "port": port, "user": "govkpi", "starttls": True, "ca_file": str(cert)})  # fmt: skip
        config = config.model_copy(update={"smtp_password": load_settings(
            None, env={"GOVKPI_SMTP_PASSWORD": PASSWORD}).smtp_password})  # fmt: skip
        run(config, day(30))
        with pytest.raises(DeliveryQueuedError) as err:
            run(config, day(31))
    finally:
        controller.stop()
    assert "Authentication" in str(err.value) or "535" in str(err.value)
    assert PASSWORD not in str(err.value) and PASSWORD not in caplog.text
    outbox = read(store, "SELECT status, attempts, last_error FROM outbox")
    assert list(outbox["status"]) == ["queued"] and list(outbox["attempts"]) == [1]
    assert PASSWORD not in outbox["last_error"][0]
    assert mailbox.messages == []


def test_server_down_exit_3_then_the_next_run_delivers_exactly_once(store) -> None:
    firing_store(store)
    port = free_port()  # nothing listens here yet
    config = make_config(store.path, smtp={"port": port})
    run(config, day(30))
    with pytest.raises(DeliveryQueuedError) as err:
        run(config, day(31))
    assert err.value.exit_code == 3
    queued = read(store, "SELECT status, run_date FROM outbox")
    assert list(queued["status"]) == ["queued"]
    assert list(read(store, "SELECT status FROM notifications")["status"]) == ["queued"]
    runs = read(store, "SELECT status FROM scheduler_runs ORDER BY started_at")
    assert list(runs["status"])[-1] == "queued"

    mailbox = Mailbox()
    controller = start_server(port, mailbox)
    try:
        report = run(config, day(32))  # the next day's run flushes the outbox
        again = run(config, day(32))
    finally:
        controller.stop()
    assert report.sent == 1 and again.sent == 0
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["X-Govkpi-Run-Date"] == day(31).isoformat()
    assert list(read(store, "SELECT status FROM outbox")["status"]) == ["sent"]
    assert list(read(store, "SELECT status FROM notifications")["status"]) == ["sent"]


def test_a_crash_after_sending_resends_the_identical_message(
    store, smtp_server, monkeypatch
) -> None:
    firing_store(store)
    config = make_config(store.path, smtp={"port": smtp_server.port})
    run(config, day(30))

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed between sending and logging")

    with monkeypatch.context() as patch:
        patch.setattr(daily_job, "record_delivery", crash)
        with pytest.raises(RuntimeError):
            run(config, day(31))
    assert list(read(store, "SELECT status FROM outbox")["status"]) == ["queued"]
    run(config, day(31))
    first, second = smtp_server.mailbox.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert smtp_server.mailbox.raw[0] == smtp_server.mailbox.raw[1]  # byte for byte
    run(config, day(31))
    assert len(smtp_server.mailbox.messages) == 2
