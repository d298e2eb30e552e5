"""Delivery that neither blocks nor loops, against a real SMTP server on loopback (aiosmtpd):
transient refusals retried within the run with backoff, a permanent 5xx refusal of one
recipient given up without holding back the others, a message given up after
smtp.max_attempts runs, implicit TLS, and no login without TLS."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alerts.notify.outbox import Queued
from alerts.notify.smtp_delivery import deliver
from govkpi.cli import main
from metrics.errors import DeliveryQueuedError
from metrics.metric_store import MetricStore
from tests.alerts_support import (
    Mailbox,
    add_export_stats,
    add_series,
    day,
    free_port,
    make_config,
    read,
    run,
    self_signed_tls,
    start_server,
)

N = 40
GOOD, BAD = "lead@example.com", "gone@example.com"


class PickyMailbox(Mailbox):
    """Refuses BAD for good (550); defers every recipient `defer` times first (451)."""

    def __init__(self, defer: int = 0) -> None:
        super().__init__()
        self.defer = defer
        self.rcpt_replies: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address == BAD:
            reply = "550 5.1.1 no such mailbox"
        elif self.defer > 0:
            self.defer -= 1
            reply = "451 4.3.2 try again later"
        else:
            envelope.rcpt_tos.append(address)
            reply = "250 OK"
        self.rcpt_replies.append(reply)
        return reply


@pytest.fixture
def store(tmp_path: Path) -> MetricStore:
    store = MetricStore(tmp_path / "store.duckdb")
    values = [0.90 if i in (30, 31, 32) else 0.98 for i in range(N)]
    add_series(store, "proactive_rate", "market=ES", values, [v < 0.95 for v in values],
               expected=0.98, band=0.01)  # fmt: skip
    add_export_stats(store, N)
    return store


@pytest.fixture
def picky() -> Iterator[tuple[PickyMailbox, int]]:
    mailbox, port = PickyMailbox(), free_port()
    controller = start_server(port, mailbox)
    try:
        yield mailbox, port
    finally:
        controller.stop()


def test_a_deferral_is_retried_within_the_run(store: MetricStore, picky) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = picky
    mailbox.defer = 2  # two 451s, then accepted: the third try of this run
    config = make_config(store.path, smtp={"port": port})
    run(config, day(30))
    report = run(config, day(31))
    assert report.sent == 1 and report.still_queued == 0
    assert mailbox.rcpt_replies[:3] == ["451 4.3.2 try again later"] * 2 + ["250 OK"]
    assert list(read(store, "SELECT status FROM outbox")["status"]) == ["sent"]


def test_backoff_doubles_between_tries(picky) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = picky
    mailbox.defer = 100
    config = make_config("unused.duckdb", smtp={"port": port, "retries": 4,
                                                "retry_wait_seconds": 1.5})  # fmt: skip
    slept: list[float] = []
    message = Queued("<m1@govkpi>", GOOD, day(1), b"Subject: x\r\n\r\nbody\r\n")
    result = deliver([message], config.smtp, None, "govkpi@example.com", sleep=slept.append)
    assert result.sent == [] and "451" in result.failed["<m1@govkpi>"]
    assert slept == [1.5, 3.0, 6.0]  # 4 tries, 3 waits
    assert len(mailbox.rcpt_replies) == 4


def test_a_permanent_refusal_is_given_up_and_does_not_hold_back_others(
    store: MetricStore,
    picky,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    mailbox, port = picky
    config = make_config(store.path, smtp={"port": port}, mail={"to": [BAD, GOOD]})
    run(config, day(30))
    report = run(config, day(31))  # no DeliveryQueuedError: exit code 0
    assert report.sent == 1 and report.failed == 1 and report.still_queued == 0
    assert [to for _, to in mailbox.envelopes] == [[GOOD]]
    outbox = read(store, "SELECT recipient, status, attempts FROM outbox ORDER BY recipient")
    assert outbox.to_dict("records") == [
        {"recipient": BAD, "status": "failed", "attempts": 1},
        {"recipient": GOOD, "status": "sent", "attempts": 1},
    ]
    assert run(config, day(31)).sent == 0  # never tried again: no loop
    assert mailbox.rcpt_replies.count("550 5.1.1 no such mailbox") == 1

    # `alerts status` names the recipient and the message; `alerts outbox` lists it.
    args = ["--store", store.path]
    capsys.readouterr()
    assert main(["alerts", "status", *args]) == 0
    status = capsys.readouterr().out
    assert "1 message given up" in status and f"to {BAD}" in status and "550" in status
    assert main(["alerts", "outbox", *args]) == 0
    listing = capsys.readouterr().out
    assert "0 queued messages, 1 failed message" in listing and BAD in listing
    message_id = str(read(store, "SELECT message_id FROM outbox WHERE status = 'failed'")
                     ["message_id"][0])  # fmt: skip

    # --retry needs an author, puts it back; --drop makes sure it is never sent.
    assert main(["alerts", "outbox", *args, "--retry", message_id]) == 2
    assert "--author" in capsys.readouterr().err
    assert main(["alerts", "outbox", *args, "--retry", message_id[1:9], "--author", "ops"]) == 0
    row = read(store, "SELECT status, attempts, last_error FROM outbox WHERE message_id = ?",
               [message_id]).to_dict("records")[0]  # fmt: skip
    assert row["status"] == "queued" and row["attempts"] == 0
    assert row["last_error"].startswith("queued again by ops at ")
    assert main(["alerts", "outbox", *args, "--drop", message_id, "--author", "ops"]) == 0
    assert (
        read(store, "SELECT status FROM outbox WHERE message_id = ?", [message_id])["status"][0]
        == "dropped"
    )
    assert main(["alerts", "outbox", *args, "--drop", message_id, "--author", "ops"]) == 2
    assert run(config, day(31)).sent == 0 and report.failed == 1


def test_a_server_that_keeps_deferring_gives_up_after_max_attempts(
    store: MetricStore,
    picky,  # type: ignore[no-untyped-def]
) -> None:
    mailbox, port = picky
    mailbox.defer = 10_000
    config = make_config(store.path, smtp={"port": port, "retries": 2, "max_attempts": 2})
    run(config, day(30))
    with pytest.raises(DeliveryQueuedError):  # attempt 1 of 2: still queued, exit code 3
        run(config, day(31))
    assert list(read(store, "SELECT status FROM outbox")["status"]) == ["queued"]
    report = run(config, day(31))  # attempt 2 of 2: given up, exit code 0
    assert report.failed == 1 and report.still_queued == 0
    outbox = read(store, "SELECT status, attempts, last_error FROM outbox")
    assert list(outbox["status"]) == ["failed"] and list(outbox["attempts"]) == [2]
    assert "451" in outbox["last_error"][0]
    assert list(read(store, "SELECT status FROM notifications")["status"]) == ["failed"]
    assert len(mailbox.rcpt_replies) == 4  # 2 runs x 2 tries, then nothing more
    run(config, day(31))
    assert len(mailbox.rcpt_replies) == 4


def test_implicit_tls(store: MetricStore, tmp_path: Path) -> None:
    server_tls, cert = self_signed_tls(tmp_path)
    mailbox, port = Mailbox(), free_port()
    controller = start_server(port, mailbox, ssl_context=server_tls)  # TLS from the first byte
    try:
        config = make_config(store.path, smtp={"port": port, "implicit_tls": True,
                                               "ca_file": str(cert)})  # fmt: skip
        run(config, day(30))
        report = run(config, day(31))
    finally:
        controller.stop()
    assert report.sent == 1 and len(mailbox.messages) == 1


def test_login_without_tls_is_refused_with_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "GOVKPI_STORE": str(tmp_path / "store.duckdb"),
        "GOVKPI_SMTP_HOST": "127.0.0.1",
        "GOVKPI_SMTP_USER": "govkpi",
        "GOVKPI_SMTP_STARTTLS": "false",
        "GOVKPI_SMTP_PASSWORD": "not-to-be-sent",
    }
    done = subprocess.run(
        [sys.executable, "-m", "govkpi", "alerts", "run", "--no-compute", "--no-detect"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "govkpi does not send a password in clear text" in done.stderr
    assert "Traceback" not in done.stderr and "not-to-be-sent" not in done.stderr
