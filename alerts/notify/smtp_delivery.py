"""Sends queued messages over SMTP: STARTTLS or implicit TLS, login only over TLS.

Failures are sorted the way RFC 5321 sorts replies:
- transient (the connection refused or dropped, a timeout, a 4xx reply): tried again within
  the run with exponential backoff (`smtp.retries`, `smtp.retry_wait_seconds`, tenacity),
  then left queued for the next run;
- permanent (a 5xx reply to one message or recipient): not tried again; the other messages
  go on. A 5xx reply to the login is a setting to fix, not a message to give up: it counts
  as a transient failure of every message.

The password comes from the configuration's SecretStr (GOVKPI_SMTP_PASSWORD, or the file that
GOVKPI_SMTP_PASSWORD_FILE names) and is used only in `login`; error texts are scrubbed of it
before they are logged or stored.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from alerts.notify.outbox import Queued
from metrics.settings import SmtpSettings

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    sent: list[str] = field(default_factory=list)
    # message id -> error: transient (still queued) and permanent (5xx, given up)
    failed: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


class _TryAgain(Exception):
    """Some messages failed transiently in this round."""


def _scrub(text: str, password: SecretStr | None) -> str:
    secret = password.get_secret_value() if password else ""
    return text.replace(secret, "***") if secret else text


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def _reply_code(exc: Exception, recipient: str) -> int | None:
    """The SMTP reply code of a refusal (for one recipient when the server said per recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = exc.recipients.get(recipient, (None, b""))[0]
        return int(code) if code is not None else None
    if isinstance(exc, smtplib.SMTPResponseException):
        return int(exc.smtp_code)
    return None


def _connect(settings: SmtpSettings, password: SecretStr | None) -> smtplib.SMTP:
    assert settings.host, "smtp.host is checked before delivery"
    smtp: smtplib.SMTP
    if settings.implicit_tls:
        smtp = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout_seconds,
            context=_tls_context(settings),
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    try:
        smtp.ehlo()
        if settings.starttls and not settings.implicit_tls:
            smtp.starttls(context=_tls_context(settings))
            smtp.ehlo()
        if settings.user:  # the settings refuse a user without TLS
            smtp.login(settings.user, password.get_secret_value() if password else "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_round(
    messages: list[Queued],
    settings: SmtpSettings,
    password: SecretStr | None,
    sender: str,
    result: DeliveryResult,
) -> list[Queued]:
    """One connection, each message once; returns the messages that failed transiently."""
    again: list[Queued] = []
    try:
        smtp = _connect(settings, password)
    except (OSError, smtplib.SMTPException) as exc:
        error = _scrub(f"{type(exc).__name__}: {exc}", password)
        log.warning("SMTP connection to %s:%s failed: %s", settings.host, settings.port, error)
        for message in messages:
            result.failed[message.message_id] = error
        return list(messages)
    with smtp:
        for i, message in enumerate(messages):
            try:
                smtp.sendmail(sender, [message.recipient], message.raw)
            except smtplib.SMTPServerDisconnected as exc:
                return again + _lost(messages[i:], exc, password, result)
            except smtplib.SMTPException as exc:  # a reply: 4xx defers, 5xx refuses for good
                error = _scrub(f"{type(exc).__name__}: {exc}", password)
                code = _reply_code(exc, message.recipient)
                if code is not None and 500 <= code < 600:
                    log.warning(
                        "SMTP refused %s for %s for good (%s): %s",
                        message.message_id,
                        message.recipient,
                        code,
                        error,
                    )
                    result.refused[message.message_id] = error
                    result.failed.pop(message.message_id, None)
                else:
                    log.warning(
                        "SMTP deferred %s for %s: %s", message.message_id, message.recipient, error
                    )
                    result.failed[message.message_id] = error
                    again.append(message)
                continue
            except OSError as exc:  # the socket itself (smtplib's errors are OSErrors too)
                return again + _lost(messages[i:], exc, password, result)
            result.sent.append(message.message_id)
            result.failed.pop(message.message_id, None)
            log.info("sent %s to %s", message.message_id, message.recipient)
    return again


def _lost(
    rest: list[Queued], exc: Exception, password: SecretStr | None, result: DeliveryResult
) -> list[Queued]:
    """The connection went away: this message and the rest failed transiently."""
    error = _scrub(f"{type(exc).__name__}: {exc}", password)
    log.warning("SMTP connection lost while sending %s: %s", rest[0].message_id, error)
    for message in rest:
        result.failed[message.message_id] = error
    return list(rest)


def deliver(
    messages: list[Queued],
    settings: SmtpSettings,
    password: SecretStr | None,
    sender: str,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """Sends each message to its one recipient, trying transient failures again with
    backoff; what still failed is in `failed` (queued) or `refused` (5xx, given up)."""
    result = DeliveryResult()
    pending = list(messages)
    if not pending:
        return result
    retrying = Retrying(
        stop=stop_after_attempt(settings.retries),
        wait=wait_exponential(multiplier=settings.retry_wait_seconds, max=60),
        retry=retry_if_exception_type(_TryAgain),
        sleep=sleep,
    )
    try:
        for attempt in retrying:
            with attempt:
                pending = _send_round(pending, settings, password, sender, result)
                if pending:
                    number = attempt.retry_state.attempt_number
                    if number < settings.retries:
                        log.info(
                            "%d message(s) deferred; trying again (%d of %d)",
                            len(pending),
                            number + 1,
                            settings.retries,
                        )
                    raise _TryAgain
    except RetryError:
        pass  # what is still pending stays in result.failed: queued for the next run
    return result
