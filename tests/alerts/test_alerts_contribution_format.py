"""Contributors in the digest read as signed contributions in the metric's unit."""

from __future__ import annotations

import pytest

from alerts.notify.digest_details import _signed_contribution


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("share", 0.0461, "+4.6 pp"),
        ("share", -0.00001, "0.0 pp"),
        ("rate", 0.281, "+0.28"),
        ("duration", -12.34, "-12.3 h"),
        ("count", 1234, "+1,234"),
        ("share", None, "n/a"),
    ],
)
def test_signed_contribution(kind: str, value: float | None, text: str) -> None:
    assert _signed_contribution(kind, value) == text
