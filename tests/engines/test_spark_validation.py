"""Validation on Spark refuses what DuckDB refuses, in the same words (issue 13).

Each test writes real Parquet exports with defects, validates them with both engines and
compares the findings line by line; a compute on Spark with a bad export exits 2 with
DuckDB's one-line message and leaves the store byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from govkpi.cli import main
from metrics.engine import compute_store
from metrics.metric_store import MetricStore
from metrics.validation.report import validate_exports, validate_with
from tests.engines.conftest import TEST_SPARK
from tests.export_fixtures import DEFAULT, write_exports

pytestmark = pytest.mark.spark


def spark_lines(spark: Any, data: Path) -> list[str]:
    from metrics.engines.spark_validation import SparkValidation

    return [f.line for f in validate_with(SparkValidation(spark, TEST_SPARK), str(data)).findings]


def duckdb_lines(data: Path) -> list[str]:
    return [f.line for f in validate_exports(str(data)).findings]


def test_every_defect_class_is_reported_in_the_same_words(spark: Any, tmp_path: Path) -> None:
    """One export set with a defect of every class, in every table, found in one pass."""
    data = write_exports(
        tmp_path,
        listings=[
            {"seller_id": None, "market": "es"},
            {"listing_id": "L1", "seller_tier": "gold"},
            {"category_l1": "  ", "published_at": "2026-03-01 08:00"},
            {"is_regulated_category": "yes"},
        ],
        complaints=[
            {"decided_at": "2026-03-01 08:00"},
            {"channel": "carrier_pigeon"},
            {"listing_id": "L404"},
        ],
        appeals=[{"outcome": "maybe"}, {}],
        traffic=[{"views": 1.5}, {}],
        types={
            "listings": {"is_regulated_category": pa.string()},
            "traffic": {"views": pa.float64()},
            "complaints": {"received_at": pa.timestamp("us", tz="UTC")},
        },
        drop={"appeals": ["filed_at"]},
    )
    expected = duckdb_lines(data)
    assert len([line for line in expected if line.startswith("error")]) >= 10, expected
    assert spark_lines(spark, data) == expected


def test_orphans_of_each_referencing_export_are_counted_apart(spark: Any, tmp_path: Path) -> None:
    """Spark counts the orphans of complaints and appeals in one aggregate over the listing
    ids of all three exports; each export still gets its own count and example row, as
    DuckDB's anti-join per export gives them."""
    data = write_exports(
        tmp_path,
        complaints=[
            {"listing_id": "L404"},
            {"listing_id": "L404"},
            {"listing_id": "L405"},
            {"listing_id": "L1"},
        ],
        appeals=[{"listing_id": "L406"}, {"listing_id": "L1"}],
    )
    expected = duckdb_lines(data)
    orphans = [line for line in expected if "not in listings" in line]
    assert [line.split(";")[0] for line in orphans] == [
        "warning: complaints.listing_id: 3 rows with a listing_id not in listings",
        "warning: appeals.listing_id: 1 row with a listing_id not in listings",
    ], expected
    assert spark_lines(spark, data) == expected


def test_when_the_shared_orphan_count_fails_each_export_is_counted_alone(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If Spark cannot run the one aggregate over every export's listing ids, validation
    falls back to an anti-join per export: the same counts and example rows."""
    from pyspark.errors import PySparkException

    from metrics.engines.spark_validation import SparkValidation

    calls = []

    def fails(self: SparkValidation, listings: object) -> dict[str, int]:
        calls.append(listings)
        raise PySparkException("the shared aggregate failed")

    monkeypatch.setattr(SparkValidation, "_count_orphans", fails)
    data = write_exports(
        tmp_path,
        complaints=[{"listing_id": "L404"}, {"listing_id": "L405"}, {"listing_id": "L1"}],
        appeals=[{"listing_id": "L406"}, {"listing_id": "L1"}],
    )
    expected = duckdb_lines(data)
    assert sum("not in listings" in line for line in expected) == 2, expected
    assert spark_lines(spark, data) == expected
    assert len(calls) == 1  # tried once, then every export alone


def test_folders_hive_partitions_absent_tables_and_empty_exports(
    spark: Any, tmp_path: Path
) -> None:
    valid = write_exports(
        tmp_path / "valid",
        appeals=DEFAULT,
        layout={"listings": "folder", "complaints": "hive:channel"},
    )
    assert spark_lines(spark, valid) == duckdb_lines(valid)
    assert [line for line in spark_lines(spark, valid) if line.startswith("error")] == []

    broken = write_exports(tmp_path / "broken", listings=[], complaints=None)
    expected = duckdb_lines(broken)
    assert any("has no rows" in line for line in expected)
    assert any("required export missing" in line for line in expected)
    assert spark_lines(spark, broken) == expected


def test_an_unreadable_file_of_a_folder_is_named(spark: Any, tmp_path: Path) -> None:
    data = write_exports(tmp_path, layout={"listings": "folder"})
    bad = tmp_path / "listings" / "part-1.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    (found,) = [line for line in spark_lines(spark, data) if line.startswith("error")]
    (expected,) = [line for line in duckdb_lines(data) if line.startswith("error")]
    # The reason is each engine's own; the file named is the same.
    prefix = f"error: listings: cannot read {bad}: "
    assert expected.startswith(prefix) and found.startswith(prefix), (found, expected)


def sha1(path: str) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def test_a_bad_export_exits_2_in_one_line_and_leaves_the_store_byte_identical(
    spark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_exports(tmp_path / "good")
    store = MetricStore(tmp_path / "store.duckdb")
    compute_store(str(good), store, full=True)
    before = sha1(store.path)
    bad = write_exports(
        tmp_path / "bad", complaints=[{}, {"complaint_id": "C1"}, {"decided_at": "2026-03-01"}]
    )
    lines = {}
    for engine in ("duckdb", "spark"):
        args = ["-q", "compute", "--data", str(bad), "--store", store.path, "--engine", engine]
        assert main(args) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1, err
        lines[engine] = err
    assert lines["spark"] == lines["duckdb"]
    assert lines["spark"].startswith("govkpi: error: complaints.complaint_id: 1 row with a ")
    assert "(and 1 more problem" in lines["spark"]
    assert sha1(store.path) == before
    assert sorted(os.listdir(tmp_path)) == ["bad", "good", "store.duckdb", "store.duckdb.lock"]
