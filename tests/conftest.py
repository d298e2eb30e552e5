"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts_support import Server, serve_smtp


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """A plain SMTP server on loopback collecting what it receives."""
    yield from serve_smtp()
