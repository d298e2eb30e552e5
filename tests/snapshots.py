"""Golden snapshot files for user-facing text (as metricflow keeps its snapshots).

`assert_matches_snapshot(name, text)` compares `text` with `tests/snapshots/<name>`; on a
mismatch the test fails with a unified diff. Run with `GOVKPI_UPDATE_SNAPSHOTS=1` to rewrite
the files, then review the diff in git like any other change: the files are what users read.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE_ENV = "GOVKPI_UPDATE_SNAPSHOTS"


def assert_matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get(UPDATE_ENV) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}: run with {UPDATE_ENV}=1 to write it, then review it")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"tests/snapshots/{name} (snapshot)",
            tofile=f"{name} (now)",
        )
        pytest.fail(
            f"{name} differs from its snapshot ({UPDATE_ENV}=1 rewrites it):\n" + "".join(diff),
            pytrace=False,
        )
