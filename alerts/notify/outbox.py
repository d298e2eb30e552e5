"""The outbox and the notification log in the store, and .eml files for dry runs.

A digest is queued (outbox row with the full message bytes) in the same store write that
records its items in the notification log, so an item is either announced-and-queued or
neither. Delivery then sends whatever is queued, from any run, byte for byte.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from typing import Protocol

import duckdb

from alerts.notify.due_items import Item
from metrics.errors import UserError


class DeliveryOutcome(Protocol):
    """What a delivery did with each message (`alerts.notify.smtp_delivery.DeliveryResult`)."""

    sent: list[str]
    failed: dict[str, str]
    refused: dict[str, str]


@dataclass(frozen=True)
class Queued:
    message_id: str
    recipient: str
    run_date: date
    raw: bytes


def message_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=policy.SMTP)


def queue_digest(
    con: duckdb.DuckDBPyConnection,
    msg: EmailMessage,
    items: list[Item],
    run_date: date,
    content_key: str,
    now: datetime,
) -> bool:
    """Queues one digest and logs its items; False when that exact message is already known."""
    message_id = str(msg["Message-ID"])
    known = con.execute("SELECT count(*) FROM outbox WHERE message_id = ?", [message_id]).fetchone()
    if known and known[0]:
        return False
    con.execute(
        "INSERT INTO outbox VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, NULL, ?, NULL)",
        [
            message_id,
            str(msg["To"]),
            run_date,
            content_key,
            str(msg["Subject"]),
            message_bytes(msg),
            now,
        ],
    )
    for item in items:
        _log(con, item, message_id, run_date, "queued", now)
    return True


def mailed_on(con: duckdb.DuckDBPyConnection, recipient: str, run_date: date) -> bool:
    """Whether a digest for this day is already queued or sent to this recipient."""
    found = con.execute(
        "SELECT count(*) FROM outbox WHERE lower(recipient) = lower(?) AND run_date = ?",
        [recipient, run_date],
    ).fetchone()
    return bool(found and found[0])


def log_silenced(
    con: duckdb.DuckDBPyConnection, items: list[Item], run_date: date, now: datetime
) -> None:
    """Muted resolutions are logged so they are not announced after the silence ends."""
    for item in items:
        if item.silence is not None and item.event == "resolved":
            _log(con, item, None, run_date, "silenced", now)


def _log(
    con: duckdb.DuckDBPyConnection,
    item: Item,
    message_id: str | None,
    run_date: date,
    status: str,
    now: datetime,
) -> None:
    metric_id, slice_key, rule_id = item.key
    con.execute(
        "INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        [
            item.item_key,
            item.recipient,
            message_id,
            run_date,
            metric_id,
            slice_key,
            rule_id,
            item.episode,
            item.event,
            item.severity,
            status,
            item.silence.silence_id if item.silence else None,
            now,
        ],
    )


def queued(con: duckdb.DuckDBPyConnection) -> list[Queued]:
    rows = con.execute(
        "SELECT message_id, recipient, run_date, message FROM outbox "
        "WHERE status = 'queued' ORDER BY created_at, message_id"
    ).fetchall()
    return [Queued(m, r, d, bytes(raw)) for m, r, d, raw in rows]


def record_delivery(
    con: duckdb.DuckDBPyConnection,
    result: DeliveryOutcome,
    now: datetime,
    max_attempts: int,
) -> list[str]:
    """Records a delivery: sent; failed transiently (still queued, unless that was the
    `max_attempts`-th attempt); refused for good (5xx). Returns the ids given up this time."""
    for message_id in result.sent:
        con.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, "
            "last_error = NULL WHERE message_id = ?",
            [now, message_id],
        )
        con.execute(
            "UPDATE notifications SET status = 'sent', sent_at = ? WHERE message_id = ?",
            [now, message_id],
        )
    given_up = []
    for message_id, error in [*result.failed.items(), *result.refused.items()]:
        row = con.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
            "status = CASE WHEN ? OR attempts + 1 >= ? THEN 'failed' ELSE status END "
            "WHERE message_id = ? RETURNING status",
            [error[:500], message_id in result.refused, max_attempts, message_id],
        ).fetchall()
        if row and row[0][0] == "failed":
            given_up.append(message_id)
            con.execute(
                "UPDATE notifications SET status = 'failed' WHERE message_id = ?", [message_id]
            )
    return given_up


def failed_messages(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, int, str]]:
    """Messages given up: (message id, recipient, subject, attempts, last error)."""
    rows = con.execute(
        "SELECT message_id, recipient, coalesce(subject, ''), attempts, coalesce(last_error, '') "
        "FROM outbox WHERE status = 'failed' ORDER BY created_at, message_id"
    ).fetchall()
    return [(str(m), str(r), str(s), int(a), str(e)) for m, r, s, a, e in rows]


def mailed_with(con: duckdb.DuckDBPyConnection, recipient: str, key_part: str) -> bool:
    """Whether a digest whose content key contains `key_part` is queued or sent to this
    recipient (the no-data notice marks its key with the day it was told on)."""
    found = con.execute(
        "SELECT count(*) FROM outbox WHERE lower(recipient) = lower(?) "
        "AND contains(content_key, ?)",
        [recipient, key_part],
    ).fetchone()
    return bool(found and found[0])


def outbox_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, list[str]]:
    """Messages queued, messages given up, and the recipients of those given up."""
    counts = dict(
        con.execute(
            "SELECT status, count(*) FROM outbox WHERE status IN ('queued', 'failed') GROUP BY 1"
        ).fetchall()
    )
    failed_to = con.execute(
        "SELECT DISTINCT recipient FROM outbox WHERE status = 'failed' ORDER BY 1"
    ).fetchall()
    return int(counts.get("queued", 0)), int(counts.get("failed", 0)), [r[0] for r in failed_to]


def write_eml(folder: str, messages: list[EmailMessage]) -> list[str]:
    """Writes each message as <run date>_<recipient>_<id>.eml; returns the paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for msg in messages:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(msg["To"]))
        short = re.sub(r"[^a-f0-9]", "", str(msg["Message-ID"]).split("@")[0])[-8:]
        name = f"{msg['X-Govkpi-Run-Date']}_{safe}_{short}.eml"
        path = os.path.join(folder, name)
        with open(path, "wb") as fh:
            fh.write(message_bytes(msg))
        paths.append(path)
    return paths


def outbox_listing(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """Queued and failed messages, oldest first, for `govkpi alerts outbox`."""
    frame = con.execute(
        "SELECT message_id, status, recipient, run_date, attempts, coalesce(subject, '') AS "
        "subject, coalesce(last_error, '') AS last_error FROM outbox "
        "WHERE status IN ('queued', 'failed') ORDER BY created_at, message_id"
    ).df()
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def find_message(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """The one outbox message whose id is or contains `text` (ids are long); else UserError."""
    rows = con.execute(
        "SELECT message_id FROM outbox WHERE message_id = ? OR contains(message_id, ?)",
        [text, text],
    ).fetchall()
    exact = [r[0] for r in rows if r[0] == text]
    if exact:
        return str(exact[0])
    if len(rows) != 1:
        found = "no message" if not rows else f"{len(rows)} messages"
        raise UserError(f"{found} in the outbox match {text!r}; `govkpi alerts outbox` lists them")
    return str(rows[0][0])


def requeue(con: duckdb.DuckDBPyConnection, message_id: str, author: str, now: datetime) -> None:
    """A failed (or queued) message goes back to the queue with its attempts reset."""
    changed = con.execute(
        "UPDATE outbox SET status = 'queued', attempts = 0, last_error = ? "
        "WHERE message_id = ? AND status IN ('queued', 'failed') RETURNING message_id",
        [f"queued again by {author} at {now.isoformat(timespec='seconds')}", message_id],
    ).fetchall()
    if not changed:
        raise UserError(f"message {message_id} was sent or dropped; only queued or failed ones")
    con.execute(
        "UPDATE notifications SET status = 'queued' WHERE message_id = ? AND status = 'failed'",
        [message_id],
    )


def drop(con: duckdb.DuckDBPyConnection, message_id: str, author: str, now: datetime) -> None:
    """A queued or failed message is never sent; the row stays, marked, for the record."""
    changed = con.execute(
        "UPDATE outbox SET status = 'dropped', last_error = ? "
        "WHERE message_id = ? AND status IN ('queued', 'failed') RETURNING message_id",
        [f"dropped by {author} at {now.isoformat(timespec='seconds')}", message_id],
    ).fetchall()
    if not changed:
        raise UserError(f"message {message_id} was sent or dropped; only queued or failed ones")
    con.execute("UPDATE notifications SET status = 'dropped' WHERE message_id = ?", [message_id])
