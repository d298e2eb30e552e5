"""AppTest runs the app as `govkpi dashboard` serves it by default: listening on 127.0.0.1
(Streamlit's own default is every interface, which the app warns about when there is no
sign-in)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config


@pytest.fixture(autouse=True)
def served_on_loopback() -> Iterator[None]:
    before = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", before)
