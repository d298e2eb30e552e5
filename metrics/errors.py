"""One error root for govkpi, split into user errors and internal errors.

User errors (bad export, bad configuration, bad argument) become one clear line on stderr
and exit code 2 at the command edge; anything else is an internal error and keeps its
traceback (exit code 1).
"""

from __future__ import annotations


class GovkpiError(Exception):
    """Root of every error govkpi raises on purpose."""


class UserError(GovkpiError):
    """Bad input or configuration: the user can fix it. Exit code 2."""

    exit_code = 2


class InvalidExportError(UserError):
    """The exports break the contract; carries every finding, not just the first."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        first = findings[0] if findings else "invalid exports"
        extra = len(findings) - 1
        more = (
            f" (and {extra} more problem{'s' if extra > 1 else ''}: `govkpi validate` lists all)"
            if extra
            else ""
        )
        super().__init__(first + more)


class ConfigError(UserError):
    """A configuration file or environment variable is wrong."""


class DeliveryQueuedError(GovkpiError):
    """Email delivery failed; the messages stay queued for the next run. Exit code 3."""

    exit_code = 3
