"""`govkpi sla at-risk` end to end, in process: real Parquet exports in, a real file out, the
exit codes, one line on stderr, and no partial or replaced file when the input is bad."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from govkpi import cli
from govkpi.commands.compliance import sla
from metrics.deadlines import time_left
from tests.export_fixtures import write_exports
from tests.sla.clock_fixtures import AT_RISK_24H, ZONE, write_clock_exports


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_clock_exports(tmp_path_factory.mktemp("cli") / "data")


@pytest.fixture(autouse=True)
def no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVKPI_CONFIG", "GOVKPI_DATA", "GOVKPI_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)


def at_risk(data: Path, output: Path, *extra: str) -> int:
    args = ["sla", "at-risk", "--data", str(data), "--output", str(output), *extra]
    return cli.main(args)


def test_writes_the_at_risk_list_as_csv(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "at-risk.csv"
    code = at_risk(data, output, "--date", "2026-10-12", "--timezone", ZONE, "--overdue")
    assert code == 0
    table = pd.read_csv(output, dtype=str)
    assert list(table["complaint_id"]) == AT_RISK_24H
    assert list(table.columns) == list(time_left.AT_RISK_COLUMNS)
    row = table.set_index("complaint_id").loc["K2"]
    assert (row["market"], row["channel"], row["clock"]) == ("FR", "authority", "2 working days")
    assert row["deadline"] == "2026-10-13 23:59:59+02:00" and row["hours_left"] == "24.0"
    assert table.set_index("complaint_id").loc["K4", "status"] == "overdue"
    out = capsys.readouterr().out
    assert "wrote 6 open complaints" in out and "5 due within 24 h" in out
    assert "1 already overdue (listed too)" in out and "Mon 12 Oct 2026" in out and ZONE in out


def test_without_overdue_only_deadlines_within_the_window_are_listed(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "strict.csv"
    assert at_risk(data, output, "--date", "2026-10-12", "--timezone", ZONE) == 0
    table = pd.read_csv(output, dtype=str)
    assert list(table["complaint_id"]) == [c for c in AT_RISK_24H if c != "K4"]
    assert set(table["status"]) == {"at_risk"}
    assert (table["hours_left"].astype(float) >= 0).all()
    out = capsys.readouterr().out
    assert "wrote 5 open complaints" in out and "1 already overdue (not listed" in out


def test_hours_widen_the_window_and_parquet_is_written_when_asked(
    data: Path, tmp_path: Path
) -> None:
    output = tmp_path / "at-risk.parquet"
    code = at_risk(data, output, "--date", "2026-10-12", "--timezone", ZONE, "--hours", "72")
    assert code == 0
    table = pd.read_parquet(output)
    assert set(table["complaint_id"]) == {*AT_RISK_24H, "K1", "K8", "K11"} - {"K4"}
    assert table["hours_left"].max() == 72.0


def test_the_timezone_comes_from_the_settings(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In UTC the day ends two hours later: K7 (22:30 UTC) is received by then, and 24 h
    # clocks have two hours less left.
    monkeypatch.setenv("GOVKPI_TIMEZONE", "UTC")
    output = tmp_path / "utc.csv"
    assert at_risk(data, output, "--date", "2026-10-12") == 0
    table = pd.read_csv(output).set_index("complaint_id")
    assert "K7" in table.index and table.loc["K5", "hours_left"] == 20.0
    assert set(table["timezone"]) == {"UTC"}


BAD = [
    (["--date", "2026-13-01"], "--date: '2026-13-01' is not a date"),
    (["--date", "2026-10-12", "--hours", "-1"], "--hours: '-1' must be a number of hours above 0"),
    (["--date", "2026-10-12", "--hours", "nan"], "must be a number of hours above 0"),
    (["--date", "2026-10-12", "--hours", "soon"], "is not a number of hours"),
    (["--date", "2026-10-12", "--timezone", "Mars/Olympus"], "unknown time zone"),
    (["--date", "2026-10-20"], "after the last day of the complaints export"),
]


@pytest.mark.parametrize(("extra", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_input_exits_2_with_one_line_and_leaves_the_file_alone(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    output = tmp_path / "at-risk.csv"
    output.write_text("yesterday's list\n")
    assert at_risk(data, output, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert output.read_text() == "yesterday's list\n"
    assert [p.name for p in tmp_path.iterdir()] == ["at-risk.csv"]  # no temporary file left


def test_invalid_exports_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_exports(
        tmp_path / "bad",
        complaints=[{"received_at": "2026-03-03 10:00", "decided_at": "2026-03-03 09:00"}],
    )
    output = tmp_path / "at-risk.csv"
    assert at_risk(bad, output, "--date", "2026-03-03") == 2
    err = capsys.readouterr().err
    assert "complaints" in err and "decided_at" in err
    assert not output.exists()


def test_missing_data_folder_and_output_folder_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "at-risk.csv"
    assert cli.main(["sla", "at-risk", "--date", "2026-10-12", "--output", str(output)]) == 2
    assert "--data is required" in capsys.readouterr().err
    assert at_risk(tmp_path / "nowhere", tmp_path / "no" / "x.csv", "--date", "2026-10-12") == 2
    assert "does not exist" in capsys.readouterr().err
    assert not output.exists()


def test_the_command_default_is_the_library_default() -> None:
    assert sla.DEFAULT_HOURS == time_left.DEFAULT_HOURS
