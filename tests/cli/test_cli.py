"""The command line as users' scripts rely on it: commands, help, exit codes."""

from __future__ import annotations

import argparse

import pytest

from govkpi import cli
from tests.export_fixtures import DEFAULT, write_exports


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_help_explains_every_option() -> None:
    for name, sub in _subparsers().items():
        for action in sub._actions:
            assert action.help, f"govkpi {name}: {action.option_strings or action.dest} has no help"


def test_main_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    assert "exit codes" in capsys.readouterr().out


def test_compute_without_data_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GOVKPI_DATA", raising=False)
    assert cli.main(["compute", "--store", "x.duckdb"]) == 2
    err = capsys.readouterr().err
    assert "--data is required" in err and "Traceback" not in err


def test_compute_then_export_round_trip(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import duckdb

    data = tmp_path / "data"
    write_exports(data, appeals=DEFAULT, traffic=DEFAULT)
    store = tmp_path / "store.duckdb"
    assert cli.main(["compute", "--data", str(data), "--store", str(store)]) == 0
    out = tmp_path / "series.parquet"
    assert cli.main(["export", "--store", str(store), "--output", str(out)]) == 0
    cols = duckdb.sql("DESCRIBE SELECT * FROM read_parquet(?)", params=[str(out)]).fetchall()
    names = [c[0] for c in cols]
    assert names[:6] == ["series_id", "kind", "date", "value", "numerator", "denominator"]
    ids = {
        r[0]
        for r in duckdb.sql(
            "SELECT DISTINCT series_id FROM read_parquet(?)", params=[str(out)]
        ).fetchall()
    }
    assert "complaint_rate/all" in ids and "complaint_rate/market=ES" in ids


def test_export_unknown_metric_is_exit_2(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    write_exports(data)
    store = tmp_path / "store.duckdb"
    assert cli.main(["compute", "--data", str(data), "--store", str(store)]) == 0
    code = cli.main(
        [
            "export",
            "--store",
            str(store),
            "--output",
            str(tmp_path / "x.parquet"),
            "--metric",
            "nope",
        ]
    )
    assert code == 2
    assert "unknown metric 'nope'" in capsys.readouterr().err


def test_missing_store_is_exit_2(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["export", "--store", str(tmp_path / "none.duckdb"), "--output", str(tmp_path / "x.csv")]
    )
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_compute_help_states_the_engine_recompute_window() -> None:
    from govkpi.commands import compute
    from metrics import engine

    assert compute.RECOMPUTE_DAYS == engine.RECOMPUTE_DAYS


def test_detect_help_states_the_detector_threshold() -> None:
    from alerts.detection import false_alarm_control
    from govkpi.commands import detect

    assert detect.DEFAULT_THRESHOLD == false_alarm_control.DEFAULT_THRESHOLD
