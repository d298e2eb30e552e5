"""`govkpi report dsa` end to end, in process: files written, settings, exit codes.

A failed run must leave no output file (nor a temporary one) and a previous report untouched.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pytest

from govkpi import cli
from tests.compliance.dsa_fixture import write_dsa_exports
from tests.export_fixtures import write_exports

PERIOD = ["--from", "2026-03-02", "--to", "2026-03-04"]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOVKPI_CONFIG", "GOVKPI_DATA", "GOVKPI_TIMEZONE", "GOVKPI_DSA_MAPPING"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_dsa_exports(tmp_path / "data")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["report", "dsa", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))


def cell(table: list[dict[str, str]], indicator: str, breakdown: str = "all") -> str:
    return next(
        r["value"] for r in table if (r["indicator"], r["breakdown"]) == (indicator, breakdown)
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_csv_is_written_with_its_columns_and_the_zone_from_the_flag(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dsa.csv"
    args = ["--data", str(data), *PERIOD, "--output", str(out), "--timezone", "Europe/Madrid"]
    code, stdout, _ = run(capsys, *args)
    assert code == 0
    assert "rows, as csv to" in stdout and str(out) in stdout
    table = rows(out)
    assert list(table[0]) == ["section", "indicator", "breakdown", "value", "unit", "cases"]
    assert out.read_text().splitlines()[0] == "section,indicator,breakdown,value,unit,cases"
    # Golden values of the fixture (test_dsa_golden): 4 orders in Madrid days, median 24 h.
    assert cell(table, "orders_received") == "4"
    assert cell(table, "median_hours_to_effect") == "24.00"
    assert cell(table, "median_hours_to_effect", "market=ES") == "48.00"
    row = next(r for r in table if r["breakdown"] == "issue_type=other"
               and r["indicator"] == "median_hours_to_action")  # fmt: skip
    assert (row["value"], row["unit"], row["cases"]) == ("not available", "hours", "0")
    assert {r["section"] for r in table} == {"orders", "notices", "own_initiative", "complaints"}
    assert leftovers(tmp_path) == []


def test_quiet_prints_nothing(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dsa.csv"
    code = cli.main(["-q", "report", "dsa", "--data", str(data), *PERIOD, "--output", str(out)])
    assert code == 0 and out.exists()
    assert capsys.readouterr().out == ""


def test_timezone_and_data_come_from_the_settings_and_the_environment(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # UTC (the default): C2 (23:30 UTC on 03-01) falls out, C5 (23:30 UTC on 03-04) in.
    utc = tmp_path / "utc.csv"
    assert run(capsys, "--data", str(data), *PERIOD, "--output", str(utc))[0] == 0
    assert cell(rows(utc), "orders_received", "market=FR") == "1"
    assert cell(rows(utc), "actions_taken") == "4"
    # The config file's zone: Madrid days, as the golden values.
    config = tmp_path / "govkpi.toml"
    config.write_text(f'timezone = "Europe/Madrid"\ndata = "{data}"\n')
    madrid = tmp_path / "madrid.csv"
    assert run(capsys, "--config", str(config), *PERIOD, "--output", str(madrid))[0] == 0
    assert cell(rows(madrid), "actions_taken") == "3"
    # The environment beats the file; the flag beats both.
    monkeypatch.setenv("GOVKPI_TIMEZONE", "UTC")
    env = tmp_path / "env.csv"
    assert run(capsys, "--config", str(config), *PERIOD, "--output", str(env))[0] == 0
    assert cell(rows(env), "actions_taken") == "4"
    flag = tmp_path / "flag.csv"
    args = ["--config", str(config), *PERIOD, "--output", str(flag), "--timezone", "Europe/Madrid"]
    assert run(capsys, *args)[0] == 0
    assert cell(rows(flag), "actions_taken") == "3"


def test_html_by_flag_or_by_extension(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_extension = tmp_path / "dsa.html"
    assert run(capsys, "--data", str(data), *PERIOD, "--output", str(by_extension))[0] == 0
    assert by_extension.read_text().startswith("<!DOCTYPE html>")
    by_flag = tmp_path / "dsa.txt"
    args = ["--data", str(data), *PERIOD, "--output", str(by_flag), "--format", "html"]
    assert run(capsys, *args)[0] == 0
    assert "DSA transparency report" in by_flag.read_text()
    forced_csv = tmp_path / "dsa-csv.html"
    args = ["--data", str(data), *PERIOD, "--output", str(forced_csv), "--format", "csv"]
    assert run(capsys, *args)[0] == 0
    assert forced_csv.read_text().startswith("section,indicator")


BAD_MAPPING = '[reasons]\ncounterfeit = "STATEMENT_CATEGORY_FAKES"\n'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-02-30", "--to", "2026-03-04"], "--from: '2026-02-30' is not a date"),
        (["--from", "2026-03-02", "--to", "tomorrow"], "--to: 'tomorrow' is not a date"),
        (["--from", "2026-03-05", "--to", "2026-03-04"], "--from 2026-03-05 is after --to"),
        ([*PERIOD, "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        ([*PERIOD, "--mapping", "{tmp}/missing.toml"], "missing.toml: no such file"),
        (
            [*PERIOD, "--mapping", "{tmp}/bad.toml"],
            "counterfeit: 'STATEMENT_CATEGORY_FAKES' is not a DSA statement category",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "bad.toml").write_text(BAD_MAPPING)
    out = tmp_path / "dsa.csv"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, stdout, err = run(capsys, "--data", str(data), *args, "--output", str(out))
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("govkpi: error: ")]
    assert len(errors) == 1 and message in errors[0], err
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_unreadable_or_invalid_exports_are_exit_2_and_leave_the_old_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "dsa.csv"
    out.write_text("the previous report\n")
    corrupt = write_dsa_exports(tmp_path / "corrupt")
    (corrupt / "complaints.parquet").write_bytes(b"PAR1 not really parquet")
    code, _, err = run(capsys, "--data", str(corrupt), *PERIOD, "--output", str(out))
    assert code == 2
    assert "complaints: cannot read" in err and "complaints.parquet" in err
    invalid = write_exports(tmp_path / "invalid", complaints=[{}, {"channel": "carrier_pigeon"}])
    code, _, err = run(capsys, "--data", str(invalid), *PERIOD, "--output", str(out))
    assert code == 2
    assert "complaints.channel: 1 row with an unknown value" in err
    missing = tmp_path / "nowhere"
    code, _, err = run(capsys, "--data", str(missing), *PERIOD, "--output", str(out))
    assert code == 2 and "listings: required export missing" in err
    assert out.read_text() == "the previous report\n"
    assert leftovers(tmp_path) == []


def test_an_output_folder_that_does_not_exist_is_named(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "such" / "dsa.csv"
    code, _, err = run(capsys, "--data", str(data), *PERIOD, "--output", str(out))
    assert code == 2 and f"--output: folder {out.parent} does not exist" in err
    code, _, err = run(capsys, "--data", str(data), *PERIOD, "--output", str(tmp_path))
    assert code == 2 and "is a folder; name a file in it" in err


def test_without_data_it_names_every_way_to_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, *PERIOD, "--output", str(tmp_path / "x.csv"))
    assert code == 2 and "--data is required (or set GOVKPI_DATA" in err


def test_the_mapping_comes_from_the_flag_the_setting_or_the_environment(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Everything to one category except `other`, which is left out: unmapped, and shown.
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        "[reasons]\n"
        + "".join(
            f'{r} = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"\n'
            for r in ("counterfeit", "ip_infringement", "prohibited_item", "product_safety",
                      "misleading", "missing_qualification")
        )
    )  # fmt: skip
    expected = {
        "dsa_category=STATEMENT_CATEGORY_SCAMS_AND_FRAUD": "5",  # C7 C8 C9 C12 C13
        "dsa_category=unmapped": "1",  # C11 (other)
    }

    def categories(path: Path) -> dict[str, str]:
        return {
            r["breakdown"]: r["value"]
            for r in rows(path)
            if r["indicator"] == "notices_received" and r["breakdown"].startswith("dsa_")
        }

    flag = tmp_path / "flag.csv"
    args = ["--data", str(data), *PERIOD, "--output", str(flag), "--mapping", str(mapping)]
    assert run(capsys, *args)[0] == 0
    assert categories(flag) == expected
    config = tmp_path / "govkpi.toml"
    config.write_text(f'dsa_mapping = "{mapping}"\n')
    setting = tmp_path / "setting.csv"
    args = ["--config", str(config), "--data", str(data), *PERIOD, "--output", str(setting)]
    assert run(capsys, *args)[0] == 0
    assert categories(setting) == expected
    monkeypatch.setenv("GOVKPI_DSA_MAPPING", str(mapping))
    env = tmp_path / "env.csv"
    assert run(capsys, "--data", str(data), *PERIOD, "--output", str(env))[0] == 0
    assert categories(env) == expected


def test_notes_about_the_period_are_logged_as_warnings(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "dsa.csv"
    args = ["--data", str(data), "--from", "2026-03-01", "--to", "2026-03-31", "--output", str(out)]
    assert run(capsys, *args)[0] == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(
        w.startswith("note: The exports' latest event is 2026-03-05 10:00 UTC") for w in warnings
    )


def test_every_option_of_report_dsa_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["report", "dsa", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for option in ("--from", "--to", "--output", "--format", "--data", "--timezone",
                   "--mapping", "--config"):  # fmt: skip
        assert option in text
    parser = cli.build_parser()
    report = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    dsa = report.choices["report"]._actions[-1].choices["dsa"]
    assert all(action.help for action in dsa._actions), "an option of report dsa has no help"


def test_a_string_typed_timestamp_is_a_contract_error_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_exports(tmp_path / "data", types={"complaints": {"received_at": pa.string()}})
    out = tmp_path / "dsa.csv"
    code, _, err = run(capsys, "--data", str(data), *PERIOD, "--output", str(out))
    assert code == 2 and "complaints.received_at: wrong type VARCHAR" in err
    assert not out.exists()
