"""`govkpi risk` end to end: on a generated sample the planted counterfeit wave's cell is among
the three that rose most six days after it began; bad input is one line, exit 2, no file."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from govkpi.cli import main
from metrics.risk.matrix import COLUMNS
from sample_data.generator import generate_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("risk-sample") / "data"
    generate_sample(folder, listings=1_000_000, days=200)
    return folder


def test_the_counterfeit_wave_is_among_the_three_cells_that_rose_most(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incidents = json.loads((sample / "incidents.json").read_text())
    wave = next(i for i in incidents if i["kind"] == "counterfeit_wave")
    cell = dict(part.split("=") for part in wave["slice"].split(","))
    day = date.fromisoformat(wave["incident_start"]) + timedelta(days=6)
    out = tmp_path / "risk.csv"
    code = main(["risk", "--data", str(sample), "--date", day.isoformat(), "--output", str(out)])
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == COLUMNS
    top3 = [(r["market"], r["category_l1"]) for r in rows[:3]]
    assert (cell["market"], cell["category_l1"]) in top3
    changes = [float(r["change"]) for r in rows]
    assert changes == sorted(changes, reverse=True)
    printed = capsys.readouterr().out
    assert "rose most" in printed and f"{cell['market']} x {cell['category_l1']}" in printed
    # Before the wave its cell is not where the risk rose.
    before = tmp_path / "before.csv"
    day_before = date.fromisoformat(wave["incident_start"]) - timedelta(days=1)
    main(["-q", "risk", "--data", str(sample), "--date", str(day_before), "--output", str(before)])
    first = [(r["market"], r["category_l1"]) for r in list(csv.DictReader(before.open()))[:3]]
    assert (cell["market"], cell["category_l1"]) not in first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-13-01"], "--date: '2026-13-01' is not a date"),
        (["--date", "2030-01-01"], "choose a day in that range"),
        (["--date", "2026-08-20", "--severity", "/nonexistent.toml"], "cannot read it"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(
    sample: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    out = tmp_path / "risk.csv"
    code = main(["risk", "--data", str(sample), "--output", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists() and not Path(f"{out}.tmp").exists()
