"""Builders for the alert tests: a metric store with hand-made series, detections and export
statistics, fake threshold rules and contributors, a real SMTP server on loopback."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pandas as pd
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.daily_job import RunReport, run_daily
from metrics.metric_store import MetricStore, parse_slice
from metrics.settings import Settings

START = date(2026, 3, 1)
PASSWORD = "s3cr3t-Pa55word!"  # must never show up anywhere but the SMTP AUTH exchange


def day(i: int) -> date:
    return START + timedelta(days=i)


def add_series(
    store: MetricStore,
    metric_id: str,
    slice_key: str,
    values: list[float | None],
    alerts: list[bool] | None = None,
    scores: list[float] | None = None,
    expected: float | None = None,
    band: float = 2.0,
    start: date = START,
    denominators: list[float] | None = None,
) -> None:
    """One series plus its detections: value i on day i; alerts[i] sets is_alert; with
    denominators, numerator = value x denominator (a share)."""
    dims = parse_slice(slice_key)
    rows, det = [], []
    for i, value in enumerate(values):
        d = start + timedelta(days=i)
        den = denominators[i] if denominators else None
        num = value * den if den is not None and value is not None else None
        rows.append(
            {"metric_id": metric_id, "slice": slice_key, "date": d, "value": value,
             "numerator": num, "denominator": den, "p90": None, **dims}
        )  # fmt: skip
        flagged = bool(alerts[i]) if alerts else False
        score = scores[i] if scores else (4.0 if flagged else 0.5)
        centre = expected if expected is not None else (value if value is not None else 0.0)
        det.append(
            {"metric_id": metric_id, "slice": slice_key, "date": d, "value": value,
             "expected": centre, "lower": centre - band, "upper": centre + band, "score": score,
             "is_anomaly": flagged, "direction": "up" if flagged else None, "is_alert": flagged}
        )  # fmt: skip
    with store.write() as con:
        con.register("s", pd.DataFrame(rows))
        con.execute("INSERT INTO series BY NAME SELECT * FROM s")
        con.register("d", pd.DataFrame(det))
        con.execute("INSERT INTO detections BY NAME SELECT * FROM d")


def add_export_stats(
    store: MetricStore,
    days: int,
    markets: dict[str, int] | None = None,
    tables: tuple[str, ...] = ("listings", "complaints"),
    overrides: dict[tuple[str, date, str], int] | None = None,
    start: date = START,
) -> None:
    """Row counts per table, day and market; overrides[(table, day, market)] replaces one
    (0 removes the row, as an export with no rows for that market would)."""
    markets = markets or {"ES": 200, "FR": 150}
    overrides = overrides or {}
    rows = []
    for table in tables:
        for i in range(days):
            d = start + timedelta(days=i)
            for market, count in markets.items():
                count = overrides.get((table, d, market), count)
                if count:
                    rows.append({"table": table, "date": d, "market": market, "rows": count})
    with store.write() as con:
        con.execute("DELETE FROM export_stats")
        con.register("e", pd.DataFrame(rows))
        con.execute("INSERT INTO export_stats BY NAME SELECT * FROM e")


class FakeRules:
    """complaint_rate: warning above 20, critical above 30 (rule complaint_rate.test)."""

    version = "fake-1"

    def evaluate(self, series: pd.DataFrame) -> pd.DataFrame:
        out = series.copy()
        mine = out["metric_id"] == "complaint_rate"
        value = pd.to_numeric(out["value"], errors="coerce")
        level = pd.Series([None] * len(out), index=out.index, dtype=object)
        level[mine & value.notna()] = "ok"
        level[mine & (value > 20)] = "warning"
        level[mine & (value > 30)] = "critical"
        out["level"] = level
        out["warning"] = mine.map({True: 20.0, False: float("nan")})
        out["critical"] = mine.map({True: 30.0, False: float("nan")})
        out["side"] = pd.Series(["above" if m else None for m in mine], index=out.index)
        out["rule_id"] = pd.Series(
            ["complaint_rate.test" if m else None for m in mine], index=out.index, dtype=object
        )
        out["rule_version"] = pd.Series(["v7" if m else None for m in mine], index=out.index)
        out["owner"] = None
        out["rationale"] = None
        return out


def fake_contributors(con, metric, slice_key, day_, *, n=5, period_days=1):  # type: ignore[no-untyped-def]
    return pd.DataFrame(
        {
            "child_slice": ["market=ES", "market=<b>FR</b>"],
            "value": [12.0, 8.0],
            "baseline_value": [6.0, 7.5],
            "contribution": [6.0, 0.5],
            "share_of_change": [0.92, 0.08],
            "rate_effect": [5.0, 0.4],
            "mix_effect": [1.0, 0.1],
        }
    ).head(n)


def make_config(store_path: str, **extra: object) -> Settings:
    raw: dict = {
        "store": store_path,
        "timezone": "Europe/Madrid",
        "dashboard_url": "https://govkpi.example.com/app",
        "mail": {"from": "govkpi@example.com", "to": ["lead@example.com"]},
        "lifecycle": {"pending_days": 1, "keep_firing_days": 1, "reminder_days": 3},
        # Retries within a run wait 10 ms, not seconds.
        "smtp": {"host": "127.0.0.1", "port": 1, "starttls": False, "retry_wait_seconds": 0.01},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return Settings.model_validate(raw)


def run(config: Settings, as_of: date, **kw: object) -> RunReport:
    """The daily job without compute and detect, with fake rules and contributors."""
    kw.setdefault("rulebook", FakeRules())
    kw.setdefault("contributors", fake_contributors)
    return run_daily(config, run_date=as_of, compute=False, detect=False, **kw)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.raw.append(envelope.original_content)
        return "250 OK"


def authenticator(user: str, password: str):  # type: ignore[no-untyped-def]
    def check(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def start_server(port: int, mailbox: Mailbox, **kwargs: object) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@dataclass
class Server:
    mailbox: Mailbox
    port: int


def serve_smtp() -> Iterator[Server]:
    """A plain SMTP server on loopback (no TLS, no auth) collecting what it receives; for a
    fixture: `yield from serve_smtp()`."""
    mailbox, port = Mailbox(), free_port()
    controller = start_server(port, mailbox)
    try:
        yield Server(mailbox, port)
    finally:
        controller.stop()


def read(store: MetricStore, sql: str, params: list | None = None) -> pd.DataFrame:
    with store.read() as con:
        return con.execute(sql, params or []).df()


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 from a fresh self-signed certificate, and the
    certificate (for the client's smtp.ca_file). Skips the test without openssl."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    return server_tls, cert
