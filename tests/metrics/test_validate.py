"""`govkpi validate` and metrics.validation.report on real Parquet exports written in each test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from govkpi.cli import main
from metrics.errors import InvalidExportError
from metrics.validation.report import Finding, require_valid, validate_exports
from tests.export_fixtures import DEFAULT, arrow_table, write_exports, write_table

ALL_TABLES = {"appeals": DEFAULT, "traffic": DEFAULT}


def run_validate(capsys: pytest.CaptureFixture[str], data: Path, *extra: str):
    """(exit code, stdout, stderr lines) of `govkpi [extra] validate --data DATA`."""
    code = main([*extra, "validate", "--data", str(data)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, [line for line in err.splitlines() if line]


def errors(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("error: ")]


def warnings(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("warning: ")]


def the_error(lines: list[str]) -> str:
    found = errors(lines)
    assert len(found) == 1, lines
    return found[0]


# --- valid exports and warnings -------------------------------------------------------------


def test_valid_exports_exit_0_with_no_findings(tmp_path, capsys):
    write_exports(tmp_path, **ALL_TABLES)
    code, out, err = run_validate(capsys, tmp_path)
    assert code == 0
    assert err == []
    assert "valid" in out and "invalid" not in out
    assert "listings" in out and "3 rows" in out


def test_quiet_suppresses_the_summary_but_not_findings(tmp_path, capsys):
    write_exports(tmp_path)
    code, out, err = run_validate(capsys, tmp_path, "-q")
    assert code == 0
    assert out == ""
    assert len(warnings(err)) == 2


def test_absent_optional_exports_are_warnings_naming_skipped_indicators(tmp_path, capsys):
    write_exports(tmp_path)  # listings and complaints only
    code, out, err = run_validate(capsys, tmp_path)
    assert code == 0
    assert errors(err) == []
    appeals, traffic = warnings(err)
    assert appeals.startswith("warning: appeals: optional export absent")
    assert "appeal_overturn_rate" in appeals and "appeal_rate" in appeals
    assert traffic.startswith("warning: traffic: optional export absent")
    assert "complaints_per_10k_orders" in traffic
    assert "valid (2 warnings)" in out


def test_orphan_complaints_and_appeals_are_warnings_with_an_example(tmp_path, capsys):
    write_exports(
        tmp_path,
        complaints=[{}, {"listing_id": "L404"}, {"listing_id": "L404"}],
        appeals=[{"listing_id": "L405"}],
        traffic=DEFAULT,
    )
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 0
    assert warnings(err) == [
        "warning: complaints.listing_id: 2 rows with a listing_id not in listings; "
        "example row: complaint_id=C2, listing_id=L404",
        "warning: appeals.listing_id: 1 row with a listing_id not in listings; "
        "example row: appeal_id=A1, listing_id=L405",
    ]


def test_extra_columns_are_ignored_silently(tmp_path, capsys):
    write_exports(tmp_path, listings=[{"internal_score": 0.3}, {}, {}], **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert (code, err) == (0, [])


# --- errors: one test per defect class ------------------------------------------------------


def test_missing_required_table(tmp_path, capsys):
    write_exports(tmp_path, complaints=None)
    code, out, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith("error: complaints: required export missing")
    assert "invalid: 1 problem" in out


def test_missing_data_folder_names_it(tmp_path, capsys):
    code, _, err = run_validate(capsys, tmp_path / "nope")
    assert code == 2
    assert len(errors(err)) == 2
    assert all("no such folder" in line for line in err)


def test_missing_column(tmp_path, capsys):
    write_exports(tmp_path, drop={"listings": ["seller_tier"]}, **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith("error: listings.seller_tier: required column missing")


def test_wrong_type_names_the_types_and_an_example_value(tmp_path, capsys):
    write_exports(
        tmp_path,
        listings=[{"created_at": "2026-03-02 10:00"}, {}, {}],
        types={"listings": {"created_at": pa.string()}},
        **ALL_TABLES,
    )
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    line = the_error(err)
    assert line.startswith("error: listings.created_at: wrong type VARCHAR, expected timestamp")
    assert "example row: listing_id=L1, created_at=2026-03-02 10:00" in line


@pytest.mark.parametrize(
    ("table", "column", "arrow_type"),
    [
        ("traffic", "views", pa.int32()),
        ("traffic", "orders", pa.uint16()),
        ("listings", "created_at", pa.timestamp("ns")),
        ("listings", "created_at", pa.timestamp("ms")),
        ("complaints", "received_at", pa.timestamp("s")),
        ("complaints", "received_at", pa.timestamp("us", tz="UTC")),
        ("listings", "seller_id", pa.large_string()),
    ],
)
def test_equivalent_types_are_accepted(tmp_path, capsys, table, column, arrow_type):
    write_exports(tmp_path, types={table: {column: arrow_type}}, **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert (code, err) == (0, [])


@pytest.mark.parametrize(
    ("table", "column", "arrow_type", "duckdb_type"),
    [
        ("traffic", "date", pa.timestamp("us"), "TIMESTAMP"),
        ("traffic", "views", pa.float64(), "DOUBLE"),
        ("traffic", "orders", pa.uint64(), "UBIGINT"),
        ("listings", "is_regulated_category", pa.int64(), "BIGINT"),
    ],
)
def test_lossy_or_ambiguous_types_are_refused(
    tmp_path, capsys, table, column, arrow_type, duckdb_type
):
    write_exports(tmp_path, types={table: {column: arrow_type}}, **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith(f"error: {table}.{column}: wrong type {duckdb_type}")


def test_null_in_a_non_nullable_column(tmp_path, capsys):
    write_exports(tmp_path, complaints=[{}, {"channel": None}, {"channel": None}], **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err) == (
        "error: complaints.channel: 2 rows with null (column is not nullable); "
        "example row: complaint_id=C2, channel=NULL"
    )


def test_null_key_example_shows_other_columns(tmp_path, capsys):
    write_exports(tmp_path, listings=[{}, {}, {"listing_id": None, "seller_id": "S77"}])
    _, _, err = run_validate(capsys, tmp_path)
    assert "listing_id=NULL, seller_id=S77" in the_error(err)


@pytest.mark.parametrize(
    ("table", "rows", "key"),
    [
        ("listings", [{}, {"listing_id": "L1"}, {"listing_id": "L1"}], "listing_id"),
        ("complaints", [{}, {"complaint_id": "C1"}], "complaint_id"),
        ("appeals", [{}, {"appeal_id": "A1"}], "appeal_id"),
    ],
)
def test_duplicate_key(tmp_path, capsys, table, rows, key):
    write_exports(tmp_path, **{**ALL_TABLES, table: rows})
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    line = the_error(err)
    extra = len(rows) - 1
    assert line.startswith(f"error: {table}.{key}: {extra} row")
    assert "must be unique" in line
    assert f"example row: {key}={key[0].upper()}1 appears {len(rows)} times" in line


def test_nulls_are_not_duplicates(tmp_path, capsys):
    write_exports(tmp_path, listings=[{}, {"listing_id": None}, {"listing_id": None}])
    _, _, err = run_validate(capsys, tmp_path)
    assert "null" in the_error(err)


@pytest.mark.parametrize(
    ("table", "column", "value", "problem"),
    [
        ("listings", "seller_tier", "gold", "unknown value (allowed: new, standard, top"),
        ("listings", "removal_reason", "Counterfeit", "unknown value (allowed: counterfeit"),
        ("listings", "detection_channel", "robot", "unknown value"),
        ("complaints", "channel", "email", "unknown value"),
        ("complaints", "issue_type", "spam", "unknown value"),
        ("complaints", "outcome", "maybe", "unknown value (allowed: upheld, rejected, withdrawn)"),
        ("appeals", "outcome", "rejected", "unknown value (allowed: upheld, overturned)"),
        ("listings", "market", "es", "not a 2-letter upper-case code"),
        ("listings", "market", "ESP", "not a 2-letter upper-case code"),
        ("traffic", "market", "", "not a 2-letter upper-case code"),
        ("listings", "category_l1", "", "empty value"),
        ("traffic", "category_l1", "  ", "empty value"),
        ("complaints", "channel", "x'); DROP TABLE listings; --", "unknown value"),
    ],
)
def test_unknown_or_malformed_values(tmp_path, capsys, table, column, value, problem):
    write_exports(tmp_path, **{**ALL_TABLES, table: [{}, {column: value}]})
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    line = the_error(err)
    assert line.startswith(f"error: {table}.{column}: 1 row with ")
    assert problem in line
    assert f"{column}=" in line.split("example row: ")[1]


@pytest.mark.parametrize(
    ("table", "override", "message"),
    [
        (
            "complaints",
            {"received_at": "2026-03-02 10:00:00", "decided_at": "2026-03-01 09:00:00"},
            "complaints.decided_at: 1 row decided before received; example row: complaint_id=C2, "
            "received_at=2026-03-02 10:00:00, decided_at=2026-03-01 09:00:00",
        ),
        (
            "complaints",
            {"complainant_informed_at": "2026-03-03 10:00:00"},
            "complaints.complainant_informed_at: 1 row complainant informed before decided; "
            "example row: complaint_id=C2, decided_at=2026-03-03 16:00:00, "
            "complainant_informed_at=2026-03-03 10:00:00",
        ),
        (
            "appeals",
            {"decided_at": "2026-03-01 00:00:00"},
            "appeals.decided_at: 1 row decided before filed; example row: appeal_id=A2, "
            "filed_at=2026-03-04 11:00:00, decided_at=2026-03-01 00:00:00",
        ),
        (
            "listings",
            {"published_at": "2026-03-01 00:00:00"},
            "listings.published_at: 1 row published before created; example row: listing_id=L2, "
            "created_at=2026-03-02 11:00:00, published_at=2026-03-01 00:00:00",
        ),
        (
            "listings",
            {"removed_at": "2026-03-02 10:59:59"},
            "listings.removed_at: 1 row removed before created; example row: listing_id=L2, "
            "created_at=2026-03-02 11:00:00, removed_at=2026-03-02 10:59:59",
        ),
    ],
)
def test_timestamps_out_of_order(tmp_path, capsys, table, override, message):
    write_exports(tmp_path, **{**ALL_TABLES, table: [{}, override]})
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err) == f"error: {message}"


def test_time_zone_aware_timestamps_are_compared_in_utc(tmp_path):
    # received 10:00+02:00 = 08:00 UTC; decided 09:00 (naive, so UTC) is after it. A session
    # in Tokyo must not read the naive value as 09:00+09:00 = 00:00 UTC.
    madrid = dt.timezone(dt.timedelta(hours=2))
    rows = [
        {"received_at": dt.datetime(2026, 3, 2, 10, 0, tzinfo=madrid), "decided_at": d}
        for d in ("2026-03-02 09:00:00", "2026-03-02 07:59:00")
    ]
    for row in rows:
        row["complainant_informed_at"] = None
    types = {"complaints": {"received_at": pa.timestamp("us", tz="Europe/Madrid")}}
    write_exports(tmp_path, complaints=rows, types=types, **ALL_TABLES)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Tokyo'")
    report = validate_exports(str(tmp_path), con)
    assert [f.message for f in report.findings] == [
        "complaints.decided_at: 1 row decided before received; example row: complaint_id=C2, "
        "received_at=2026-03-02 08:00:00, decided_at=2026-03-02 07:59:00"
    ]


def test_corrupt_file_is_one_line_naming_the_file(tmp_path, capsys):
    write_exports(tmp_path, **ALL_TABLES)
    (tmp_path / "listings.parquet").write_bytes(b"this is not parquet at all" * 10)
    code, out, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith(
        f"error: listings: cannot read {tmp_path / 'listings.parquet'}: "
    )
    assert "listings    unreadable" in out


def test_zero_byte_file_is_unreadable(tmp_path, capsys):
    write_exports(tmp_path, **ALL_TABLES)
    (tmp_path / "complaints.parquet").write_bytes(b"")
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert "complaints: cannot read" in the_error(err)


def test_file_with_zero_rows(tmp_path, capsys):
    write_exports(tmp_path, complaints=[], **ALL_TABLES)
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err) == f"error: complaints: {tmp_path / 'complaints.parquet'} has no rows"


def test_folder_of_files_is_one_table(tmp_path, capsys):
    write_exports(tmp_path, layout={"listings": "folder", "complaints": "folder"}, **ALL_TABLES)
    code, out, err = run_validate(capsys, tmp_path)
    assert (code, err) == (0, [])
    assert "listings    3 rows" in out


def test_duplicate_across_files_of_a_folder(tmp_path, capsys):
    write_exports(tmp_path, listings=[{}, {}, {"listing_id": "L1"}], layout={"listings": "folder"})
    _, _, err = run_validate(capsys, tmp_path)
    assert "listing_id=L1 appears 2 times" in the_error(err)


def test_corrupt_file_in_a_folder_is_named(tmp_path, capsys):
    write_exports(tmp_path, layout={"complaints": "folder"}, **ALL_TABLES)
    bad = tmp_path / "complaints" / "part-1.parquet"
    bad.write_bytes(b"PAR1 garbage PAR1")
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith(f"error: complaints: cannot read {bad}: ")


def test_corrupt_data_pages_behind_a_valid_footer_are_found(tmp_path, capsys):
    # The footer still parses, so only the scan fails; the file must still be named.
    write_exports(tmp_path, listings=[{}] * 500, layout={"listings": "folder"}, **ALL_TABLES)
    bad = tmp_path / "listings" / "part-1.parquet"
    data = bytearray(bad.read_bytes())
    data[4 : len(data) // 2] = b"\xff" * (len(data) // 2 - 4)
    bad.write_bytes(bytes(data))
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert the_error(err).startswith(f"error: listings: cannot read {bad}: ")


def test_empty_folder(tmp_path, capsys):
    write_exports(tmp_path, **ALL_TABLES)
    (tmp_path / "listings.parquet").unlink()
    (tmp_path / "listings").mkdir()
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert "matches no files" in the_error(err)


def test_hive_partitioned_traffic_is_read_with_its_date_column(tmp_path, capsys):
    traffic = [
        {"date": "2026-03-02"},
        {"date": "2026-03-03"},
        {"date": "2026-03-03", "market": "FR"},
    ]
    write_exports(tmp_path, appeals=DEFAULT, traffic=traffic, layout={"traffic": "hive:date"})
    assert (tmp_path / "traffic" / "date=2026-03-03" / "part-0.parquet").exists()
    code, out, err = run_validate(capsys, tmp_path)
    assert (code, err) == (0, [])
    assert "traffic     3 rows" in out


def test_file_without_any_contract_column(tmp_path, capsys):
    write_exports(tmp_path, **ALL_TABLES)
    pq.write_table(pa.table({"something": [1, 2]}), tmp_path / "appeals.parquet")
    code, _, err = run_validate(capsys, tmp_path)
    assert code == 2
    assert len(errors(err)) == 5  # every appeals column
    assert all(line.startswith("error: appeals.") for line in err)


def test_every_defect_is_reported_at_once(tmp_path, capsys):
    write_exports(
        tmp_path,
        listings=[{}, {"market": "es", "seller_tier": "gold"}, {"listing_id": "L1"}],
        complaints=[{}, {"decided_at": "2026-03-01 00:00"}, {"listing_id": "L404"}],
        appeals=[{"outcome": "nope"}],
        traffic=[{}],
        drop={"traffic": ["orders"]},
    )
    code, out, err = run_validate(capsys, tmp_path)
    assert code == 2
    found = {line.split(":")[1].strip() for line in errors(err)}
    assert found == {
        "listings.listing_id",
        "listings.seller_tier",
        "listings.market",
        "complaints.decided_at",
        "appeals.outcome",
        "traffic.orders",
    }
    assert len(warnings(err)) == 1  # the orphan complaint
    assert "invalid: 6 problems (1 warning)" in out


# --- command line ---------------------------------------------------------------------------


def test_data_comes_from_govkpi_data(tmp_path, capsys, monkeypatch):
    write_exports(tmp_path, **ALL_TABLES)
    monkeypatch.setenv("GOVKPI_DATA", str(tmp_path))
    assert main(["validate"]) == 0
    assert "valid" in capsys.readouterr().out


def test_no_data_folder_at_all_is_a_clear_error(capsys, monkeypatch):
    monkeypatch.delenv("GOVKPI_DATA", raising=False)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "--data" in err and "GOVKPI_DATA" in err
    assert len(err.strip().splitlines()) == 1


def test_help_describes_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    help_text = capsys.readouterr().out
    assert "--data DIR" in help_text and "GOVKPI_DATA" in help_text


# --- the Python API -------------------------------------------------------------------------


def test_report_api(tmp_path):
    write_exports(tmp_path, listings=[{}, {"seller_tier": "gold"}], complaints=[{}])
    report = validate_exports(str(tmp_path))
    assert not report.ok
    assert report.row_counts == {"listings": 2, "complaints": 1}
    assert report.tables_present == {"listings", "complaints"}
    (error,) = report.errors
    assert isinstance(error, Finding)
    assert (error.severity, error.table, error.column) == ("error", "listings", "seller_tier")
    assert error.line == f"error: {error.message}"
    assert [w.table for w in report.warnings] == ["appeals", "traffic"]


def test_require_valid_raises_with_every_error_line(tmp_path):
    write_exports(tmp_path, listings=[{"market": "x"}, {"seller_tier": "gold"}], complaints=[{}])
    with pytest.raises(InvalidExportError) as raised:
        require_valid(str(tmp_path))
    assert [line.split(":")[0] for line in raised.value.findings] == [
        "listings.seller_tier",
        "listings.market",
    ]


def test_require_valid_on_a_callers_connection_leaves_nothing_behind(tmp_path):
    write_exports(tmp_path, **ALL_TABLES)
    con = duckdb.connect(str(tmp_path / "store.duckdb"))
    report = require_valid(str(tmp_path), con)
    assert report.ok
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [
        (0,)
    ]
    con.close()


def test_fixture_rows_follow_the_contract(tmp_path):
    table = arrow_table("listings", [{}, {"market": "FR"}])
    assert table.column("market").to_pylist() == ["ES", "FR"]
    assert table.schema.field("created_at").type == pa.timestamp("us")
    folder = write_table(tmp_path, "complaints", layout="folder")
    assert sorted(p.name for p in folder.iterdir()) == ["part-0.parquet", "part-1.parquet"]
