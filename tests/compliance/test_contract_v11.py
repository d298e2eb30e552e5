"""Export contract v1.1: the optional DSA columns (`automation`, `decision_ground`).

A v1 export (without them) stays valid; when present their values are checked like any enum,
in listings and complaints alike.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govkpi.cli import main
from metrics.contract import AUTOMATION_LEVELS, DECISION_GROUNDS, TABLES_BY_NAME
from metrics.validation.report import validate_exports
from tests.export_fixtures import DEFAULT, arrow_table, write_exports

OPTIONAL = ("automation", "decision_ground")


def test_the_optional_columns_are_in_the_contract_with_their_values() -> None:
    for table in ("listings", "complaints"):
        columns = {c.name: c for c in TABLES_BY_NAME[table].columns}
        assert columns["automation"].enum == ("fully", "partially", "none")
        assert columns["decision_ground"].enum == ("illegal_content", "terms_of_service")
        assert all(columns[name].optional and columns[name].nullable for name in OPTIONAL)
    # Every v1 column stays required: nothing a v1 reader relies on became optional.
    assert [c.name for t in TABLES_BY_NAME.values() for c in t.columns if c.optional] == [
        "automation", "decision_ground", "automation", "decision_ground",
    ]  # fmt: skip


def test_a_v1_export_without_the_optional_columns_is_valid(tmp_path: Path) -> None:
    write_exports(tmp_path, appeals=DEFAULT, traffic=DEFAULT)
    assert "automation" not in pq.read_schema(tmp_path / "listings.parquet").names
    report = validate_exports(str(tmp_path))
    assert report.ok, report.findings
    assert report.findings == []


def test_a_v11_export_with_every_value_is_valid(tmp_path: Path) -> None:
    rows = [
        {"automation": level, "decision_ground": ground}
        for level, ground in zip(AUTOMATION_LEVELS, [*DECISION_GROUNDS, None], strict=True)
    ]
    write_exports(tmp_path, listings=rows, complaints=rows)
    report = validate_exports(str(tmp_path))
    assert report.ok, report.findings


@pytest.mark.parametrize("table", ["listings", "complaints"])
@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("automation", "robot", "fully, partially, none"),
        ("decision_ground", "illegal", "illegal_content, terms_of_service"),
    ],
)
def test_an_unknown_value_is_an_error_naming_table_column_and_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, column: str, value: str,
    allowed: str,
) -> None:  # fmt: skip
    write_exports(tmp_path, **{table: [{}, {column: value}]})
    code = main(["validate", "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {table}.{column}: 1 row with an unknown value (allowed: {allowed})" in err
    assert f"{column}={value}" in err
    assert "Traceback" not in err


def test_an_optional_column_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    table = arrow_table("complaints", DEFAULT)
    table = table.append_column("automation", pa.array([1, 2, 3], type=pa.int64()))
    write_exports(tmp_path)
    pq.write_table(table, tmp_path / "complaints.parquet")
    report = validate_exports(str(tmp_path))
    assert [f.message.split(";")[0] for f in report.errors] == [
        "complaints.automation: wrong type BIGINT, expected string (VARCHAR)"
    ]


def test_one_table_may_have_them_and_the_other_not(tmp_path: Path) -> None:
    write_exports(tmp_path, listings=[{"automation": "fully"}, {}], complaints=DEFAULT)
    assert "automation" in pq.read_schema(tmp_path / "listings.parquet").names
    assert "automation" not in pq.read_schema(tmp_path / "complaints.parquet").names
    assert validate_exports(str(tmp_path)).ok
