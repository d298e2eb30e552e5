"""`govkpi demo` end to end on a small sample, without serving the dashboard."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import duckdb
import pytest

from govkpi import cli


def test_demo_generates_computes_detects_and_writes_the_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workdir = tmp_path / "demo"
    # As of a day inside the planted repeat-offender ring (2026-10-08 .. 10-22), which at
    # this small size moves the whole platform's repeat-offender rate.
    args = [
        "demo",
        "--workdir",
        str(workdir),
        "--no-serve",
        "--listings",
        "30000",
        "--days",
        "120",
        "--date",
        "2026-10-16",
    ]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert re.search(r"\b(1 digest email|\d+ digest emails) in ", out) and "(s)" not in out
    assert re.search(r"\b\d+ alerts? firing on ", out) and not re.search(r"\b1 alerts\b", out)
    assert (workdir / "data" / "incidents.json").is_file()
    with duckdb.connect(str(workdir / "store.duckdb"), read_only=True) as con:
        series = con.execute("SELECT count(DISTINCT metric_id) FROM series").fetchall()[0][0]
        scored = con.execute("SELECT count(*) FROM detections").fetchall()[0][0]
    assert series == 23 and scored > 0  # 19 indicators of DESIGN.md, 4 of issue 14
    emls = sorted((workdir / "outbox").rglob("*.eml"))
    assert emls, out
    message = email.message_from_bytes(emls[0].read_bytes(), policy=policy.default)
    assert message["To"] == "governance-team@example.com"
    html = message.get_body(("html",)).get_content()
    assert "http://localhost:8501/indicator?metric=repeat_offender_rate" in html

    # A second run reuses the sample and recomputes only the recent days.
    assert cli.main(args) == 0
    assert "reusing" in capsys.readouterr().out
