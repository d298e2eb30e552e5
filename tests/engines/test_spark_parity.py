"""`compute --engine spark` writes what DuckDB writes (issue 13): the same series rows,
numerators and denominators equal, values, medians and p90 within 1e-9 relative, the same
export stats, findings and meta; full and incremental.

Real Spark (local mode, the session of conftest.py), real Parquet, real metric stores. The
hand-checked scenarios of tests/metrics are computed by both engines and compared; the
hand-checked numbers are asserted on the Spark store too, so both engines are held to the
figures worked out by hand, not only to each other.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from govkpi.cli import main
from metrics.catalogue import Catalogue
from metrics.engine import compute_store
from metrics.metric_store import MetricStore, get_meta
from sample_data.generator import generate_sample
from tests.engine_support import check, point, read_series, subset
from tests.engines.conftest import TEST_SPARK
from tests.engines.parity import Parity, compare_stores
from tests.export_fixtures import DEFAULT, write_exports
from tests.metrics import test_engine_compute as compute_cases
from tests.metrics import test_engine_golden as golden

pytestmark = pytest.mark.spark


def both(
    data: Path, root: Path, tz: str = "UTC", catalogue: Catalogue | None = None, **kw: Any
) -> tuple[MetricStore, MetricStore]:
    """The same compute on DuckDB and on Spark, into two stores."""
    stores = []
    for engine in ("duckdb", "spark"):
        store = MetricStore(root / f"{engine}.duckdb")
        compute_store(
            str(data), store, tz=tz, catalogue=catalogue, engine=engine, spark=TEST_SPARK, **kw
        )
        stores.append(store)
    return stores[0], stores[1]


def assert_parity(expected: MetricStore, actual: MetricStore) -> Parity:
    parity = compare_stores(expected, actual)
    assert not parity.problems, "\n".join(parity.problems)
    assert parity.rows > 0
    return parity


def test_main_scenario_through_the_command_line(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All four exports, every indicator: `govkpi compute --engine spark` as a user types it."""
    for var in ("GOVKPI_CONFIG", "GOVKPI_ENGINE", "GOVKPI_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    data = write_exports(
        tmp_path / "data",
        listings=golden.MAIN_LISTINGS,
        complaints=golden.MAIN_COMPLAINTS,
        appeals=golden.MAIN_APPEALS,
        traffic=golden.MAIN_TRAFFIC,
    )
    duck = MetricStore(tmp_path / "duckdb.duckdb")
    compute_store(str(data), duck, full=True)
    on_spark = MetricStore(tmp_path / "spark.duckdb")
    args = ["-q", "compute", "--data", str(data), "--store", on_spark.path, "--engine", "spark"]
    assert main(args) == 0
    assert_parity(duck, on_spark)
    with duck.read() as con:
        assert get_meta(con, "compute_engine") == "duckdb"
    with on_spark.read() as con:
        assert get_meta(con, "compute_engine") == "spark"
    series = read_series(on_spark)
    for metric, slice_, day, value, num, den in golden.MAIN_CASES:
        check(point(series, metric, slice_, day), value, num, den)


SCENARIOS = {
    # Working days from each market's calendar across a weekend and a Spanish holiday.
    "sla": (golden.SLA_LISTINGS, golden.SLA_COMPLAINTS, "UTC",
            ("sla_compliance", "overdue_backlog")),
    # Repeat offenders within and beyond 90 days (a window function over seller days).
    "repeat": (golden.REPEAT_LISTINGS, golden.REPEAT_COMPLAINTS, "UTC",
               ("repeat_offender_rate",)),
    # A reporting zone: days and a working-day deadline ending at local midnight across the
    # DST change. (The sample below is computed in a zone too.)
    "dst": (compute_cases.DST_LISTINGS, compute_cases.DST_COMPLAINTS, "Europe/Madrid",
            compute_cases.DST_METRICS),
}  # fmt: skip
EXPECTED = {
    "sla": [(m, s, d, v, n, den) for m, s, d, v, n, den in golden.SLA_CASES],
    "repeat": [("repeat_offender_rate", *case) for case in golden.REPEAT_CASES],
    "dst": compute_cases.DST_CASES,
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_hand_checked_scenarios(spark: Any, tmp_path: Path, name: str) -> None:
    listings, complaints, tz, metrics = SCENARIOS[name]
    data = write_exports(tmp_path / "data", listings=listings, complaints=complaints)
    duck, on_spark = both(data, tmp_path, tz, subset(*metrics), full=True)
    assert_parity(duck, on_spark)
    with duck.read() as con:
        assert get_meta(con, "compute_engine") == "duckdb"
    with on_spark.read() as con:
        assert get_meta(con, "compute_engine") == "spark"
    series = read_series(on_spark)
    for metric, slice_, day, value, num, den in EXPECTED[name]:
        check(point(series, metric, slice_, day), value, num, den)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated marketplace: every export, planted incidents, old stock."""
    folder = tmp_path_factory.mktemp("spark_sample") / "data"
    generate_sample(folder, listings=20_000, days=75)
    return folder


def test_sample_full_and_incremental_in_a_reporting_zone(
    spark: Any, sample: Path, tmp_path: Path
) -> None:
    tz = "Europe/Madrid"
    duck, on_spark = both(sample, tmp_path, tz, full=True)
    full = assert_parity(duck, on_spark)
    assert full.rows > 50_000

    # Incremental: the last two weeks recomputed on top of each engine's own full store.
    with duck.read() as con:
        last = date.fromisoformat(str(get_meta(con, "last_day")))
    since = last - timedelta(days=13)
    incremental = tmp_path / "incremental"
    incremental.mkdir()
    for store in (duck, on_spark):
        shutil.copy(store.path, incremental / Path(store.path).name)
    duck_inc, spark_inc = both(sample, incremental, tz, since=since)
    assert_parity(duck_inc, spark_inc)
    with spark_inc.read() as con:
        assert get_meta(con, "last_day") == last.isoformat()


def test_exports_from_catalogue_tables_and_a_prefix_spark_reads(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`[spark.tables]` reads an export from the catalogue instead of files, and --data may be
    a prefix only Spark reads (`file://` here, as `s3a://` or `hdfs://` on a cluster): the
    series are the files' series. (A temporary view stands in for the lake's table: the engine
    reads both through spark.table.) With every required export a table, --data is optional."""
    for var in ("GOVKPI_CONFIG", "GOVKPI_DATA", "GOVKPI_ENGINE", "GOVKPI_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)
    data = write_exports(tmp_path / "data", appeals=DEFAULT)
    for table in ("listings", "complaints"):
        spark.read.parquet(str(data / f"{table}.parquet")).createOrReplaceTempView(f"lake_{table}")
    duck = MetricStore(tmp_path / "duckdb.duckdb")
    compute_store(str(data), duck, full=True)
    on_spark = MetricStore(tmp_path / "spark.duckdb")
    config = tmp_path / "govkpi.toml"
    config.write_text(
        f'store = "{on_spark.path}"\nengine = "spark"\n[spark.tables]\nlistings = "lake_listings"\n'
    )
    assert main(["-q", "compute", "--config", str(config), "--data", f"file://{data}"]) == 0
    parity = compare_stores(duck, on_spark)
    # Where the exports were read differs (export_files, the data folder, where the absent
    # traffic export was looked for): the series and the daily counts are equal.
    problems = [p.split(" differs")[0] for p in parity.problems]
    assert problems == ["export_files", "validation", "meta"], parity.problems
    with on_spark.read() as con:
        files = con.execute('SELECT "table", path FROM export_files ORDER BY 1').fetchall()
        assert get_meta(con, "data_dir") == f"file://{data}"
    assert files == [
        ("appeals", f"file://{data}/appeals.parquet"),
        ("complaints", f"file://{data}/complaints.parquet"),
        ("listings", "table lake_listings"),
    ]


def test_a_missing_catalogue_table_is_one_line_and_no_data_folder_is_needed(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With every required export a catalogue table, --data may be left out; a table that is
    not there is refused like an unreadable file, on one line."""
    for var in ("GOVKPI_CONFIG", "GOVKPI_DATA", "GOVKPI_ENGINE"):
        monkeypatch.delenv(var, raising=False)
    config = tmp_path / "govkpi.toml"
    config.write_text(
        f'store = "{tmp_path / "store.duckdb"}"\nengine = "spark"\n[spark.tables]\n'
        'listings = "lake.no_such_listings"\ncomplaints = "lake.no_such_complaints"\n'
    )
    assert main(["-q", "compute", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("govkpi: error: listings: cannot read table lake.no_such_listings: ")
    assert err.count("\n") == 1 and "(and 1 more problem" in err
    assert not (tmp_path / "store.duckdb").exists()
