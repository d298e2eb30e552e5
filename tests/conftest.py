"""Fixtures shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts_support import Server, serve_smtp


@pytest.fixture
def smtp_server() -> Iterator[Server]:
    """A plain SMTP server on loopback collecting what it receives."""
    yield from serve_smtp()


@pytest.fixture(autouse=True)
def served_on_loopback() -> Iterator[None]:
    """AppTest runs the app as `govkpi dashboard` serves it by default, on 127.0.0.1
    (Streamlit's own default is every interface, which the app warns about when there is no
    sign-in). A test may set another address; it is restored after each test."""
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)
