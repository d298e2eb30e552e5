"""`govkpi detect --input` on a fixed small input, its output rows pinned as a reviewed
snapshot file (tests/snapshots/detect_input.csv): a change to what the detector writes for
these series is a reviewed diff, not a surprise.

Floats are written with 6 significant digits so the file reads, and so last-bit differences
between numeric libraries do not count as a change.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from govkpi import cli
from tests.detection.test_detection_phenomena import build, days
from tests.snapshots import assert_matches_snapshot

DAYS = 70


def fixed_input() -> pd.DataFrame:
    """A complaint rate that spikes on day 60; a share that drops for a week from day 63
    (-1 on the log-odds: 97% to about 92%)."""
    rate = build("rate", level=20e-4, volume=60_000, days=DAYS, seed=5,
                 effect=days(DAYS, [60], 0.8))  # fmt: skip
    share = build("share", level=0.97, volume=3_000, days=DAYS, seed=6,
                  effect=days(DAYS, [63], -1.0, length=7))  # fmt: skip
    return pd.concat(
        [
            rate.assign(series_id="complaint_rate/market=ES", kind="rate"),
            share.assign(series_id="proactive_rate/all", kind="share"),
        ],
        ignore_index=True,
    )[["series_id", "kind", "date", "value", "numerator", "denominator"]]


def test_detect_input_output_matches_its_snapshot(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src, dst = tmp_path / "series.parquet", tmp_path / "flags.parquet"
    fixed_input().to_parquet(src, index=False)
    assert cli.main(["detect", "--input", str(src), "--output", str(dst)]) == 0
    out = pd.read_parquet(dst)
    flagged = out[out["is_anomaly"]]
    if flagged.empty:
        pytest.fail("the planted spike and drop were not flagged")
    text = out.to_csv(index=False, float_format="%.6g", lineterminator="\n")
    assert_matches_snapshot("detect_input.csv", text)
