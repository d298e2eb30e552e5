"""Turns a digest into a MIME message: plain text + HTML (Jinja2, autoescaped) with the charts
as inline images referenced by Content-ID.

The Message-ID is derived from (recipient, run date, content key), so the same digest always
carries the same id: if a crash between sending and logging makes the next run send it again,
mail clients see the same message, not a second one.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import cast

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alerts.notify.digest import SEVERITY_ORDER, Digest
from metrics.presentation import SLICE_SEPARATOR, format_day, plural, sentence
from metrics.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=1)
def template_env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


def message_id_for(recipient: str, run_date: object, content_key: str, sender: str | None) -> str:
    digest = hashlib.sha256(f"{recipient.lower()}|{run_date}|{content_key}".encode()).hexdigest()
    domain = (sender or "").rpartition("@")[2] or "govkpi.invalid"
    return f"<govkpi.{digest[:32]}@{domain}>"


# Badge colours of the summary, per state word (the words of the cards and the Alerts page).
SUMMARY_COLOURS = {
    "escalated": ("#fee2e2", "#b91c1c"),
    "new": ("#fef3c7", "#92400e"),
    "still firing": ("#e5e7eb", "#1f2937"),
    "pending": ("#e5e7eb", "#1f2937"),
    "recovering": ("#dbeafe", "#1e40af"),
    "no data": ("#e5e7eb", "#1f2937"),
    "resolved": ("#dcfce7", "#15803d"),
}


# The at-risk badge: amber, as a deadline that has not been missed yet.
AT_RISK_COLOURS = ("#fef3c7", "#92400e")


def at_risk_text(digest: Digest) -> str | None:
    """`5 complaints due within 24 h`, or None when nothing in the digest is at risk."""
    if digest.at_risk is None or not digest.at_risk.due:
        return None
    return f"{plural(digest.at_risk.due, 'complaint')} due within {digest.at_risk.window}"


# The no-data badge: grey-blue like the `no data` state, bold, as nothing can be judged.
NO_DATA_COLOURS = ("#e0e7ff", "#3730a3")


def summary(digest: Digest) -> list[dict[str, str]]:
    parts = []
    for word, count in digest.state_counts.items():
        bg, fg = SUMMARY_COLOURS[word]
        parts.append({"text": f"{count} {word}", "bg": bg, "fg": fg})
    critical = digest.counts.get("critical", 0)
    if critical:
        parts.append({"text": f"{critical} critical", "bg": "#b91c1c", "fg": "#ffffff"})
    at_risk = at_risk_text(digest)
    if at_risk:
        bg, fg = AT_RISK_COLOURS
        parts.append({"text": at_risk, "bg": bg, "fg": fg})
    stale = digest.no_data.headline() if digest.no_data else None
    if stale:
        bg, fg = NO_DATA_COLOURS
        parts.append({"text": stale, "bg": bg, "fg": fg})
    return parts


def subject_for(digest: Digest, prefix: str) -> str:
    """The most severe alert by name, value and slice, then the counts: a subject line that
    says what is wrong before the email is opened, e.g. `[govkpi] 2026-09-06: CRITICAL
    Proactive detection share 38.5 % (whole platform); 1 critical, 2 new`."""
    # Alert states, then the at-risk count; the critical count leads.
    words = [p["text"] for p in summary(digest) if not p["text"].endswith("critical")]
    critical = digest.counts.get("critical", 0)
    counts = (f"{critical} critical, " if critical else "") + ", ".join(words)
    lead = headline(digest)
    text = f"{lead}; {counts}" if lead else counts
    return f"{prefix} {digest.run_date.isoformat()}: {text}".strip()


def headline(digest: Digest) -> str | None:
    """`CRITICAL <indicator> <today's value> (<slice>)` of the most severe card still
    breaching (the first of them, in the digest's order); None when nothing is."""
    cards = [c for g in digest.groups for c in g.cards if c.severity is not None]
    if not cards:
        return None
    lead = min(cards, key=lambda c: SEVERITY_ORDER[c.severity])
    series = lead.series
    # Shares and durations carry their unit (`38.5%`, `18.5 h`); rates and counts say it.
    value = series.today
    if series.kind in ("rate", "count") and series.unit:
        value = f"{value} {series.unit}"
    return f"{str(lead.severity).upper()} {series.label} {value} ({series.slice_label})"


def render_bodies(digest: Digest, config: Settings, subject: str) -> tuple[str, str]:
    env = template_env()
    context = {
        "digest": digest,
        "subject": subject,
        "summary": summary(digest),
        "as_of": format_day(digest.run_date),
        "zone": config.timezone,
        "chart_days": config.digest.chart_days,
        "keep_firing_days": config.lifecycle.keep_firing_days,
        "day": format_day,
        "plural": plural,
        "sentence": sentence,
        "sep": SLICE_SEPARATOR,  # indicator · slice, as the HTML, dashboard and status
        "data_page": f"{digest.dashboard_url}/data" if digest.dashboard_url else "",
    }
    text = env.get_template("digest.txt").render(context)
    html = env.get_template("digest.html").render(context)
    return text, html


def build_message(digest: Digest, config: Settings, now: datetime) -> EmailMessage:
    subject = subject_for(digest, config.mail.subject_prefix)
    text, html = render_bodies(digest, config, subject)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = config.mail.from_ or "govkpi@localhost"
    msg["To"] = digest.recipient
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id_for(
        digest.recipient, digest.run_date, digest.content_key, config.mail.from_
    )
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Govkpi-Run-Date"] = digest.run_date.isoformat()
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    # After add_alternative the payload is the list of parts: plain text, then HTML.
    html_part = cast(list[EmailMessage], msg.get_payload())[1]
    for cid, png in sorted(digest.images.items()):
        html_part.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            disposition="inline",
            filename=f"{cid.split('@')[0]}.png",
        )
    return msg
