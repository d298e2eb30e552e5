"""Sends queued messages over SMTP (STARTTLS and login when configured).

The password comes from the configuration's SecretStr (GOVKPI_SMTP_PASSWORD) and is used only
in `login`; error texts are scrubbed of it before they are logged or stored.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field

from pydantic import SecretStr

from alerts.notify.outbox import Queued
from metrics.settings import SmtpSettings

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def _scrub(text: str, password: SecretStr | None) -> str:
    secret = password.get_secret_value() if password else ""
    return text.replace(secret, "***") if secret else text


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def deliver(
    messages: list[Queued], settings: SmtpSettings, password: SecretStr | None, sender: str
) -> DeliveryResult:
    """Sends each message to its one recipient; a connection-level failure fails the rest."""
    result = DeliveryResult()
    if not messages:
        return result
    assert settings.host, "smtp.host is checked before delivery"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=_tls_context(settings))
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, password.get_secret_value() if password else "")
            for message in messages:
                try:
                    smtp.sendmail(sender, [message.recipient], message.raw)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    error = _scrub(f"{type(exc).__name__}: {exc}", password)
                    log.warning(
                        "SMTP refused %s for %s: %s", message.message_id, message.recipient, error
                    )
                    result.failed[message.message_id] = error
                    continue
                result.sent.append(message.message_id)
                log.info("sent %s to %s", message.message_id, message.recipient)
    except (OSError, smtplib.SMTPException) as exc:
        error = _scrub(f"{type(exc).__name__}: {exc}", password)
        log.warning("SMTP delivery to %s:%s failed: %s", settings.host, settings.port, error)
        for message in messages:
            if message.message_id not in result.sent:
                result.failed.setdefault(message.message_id, error)
    return result
