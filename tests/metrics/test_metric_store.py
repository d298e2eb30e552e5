"""The metric store: writes swap in whole or not at all; readers keep reading during a write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from metrics.metric_store import MetricStore, detection_test, get_meta, parse_slice, slice_key


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_series(store: MetricStore, metric_id: str) -> None:
    with store.write() as con:
        con.execute(
            "INSERT INTO series (metric_id, slice, date, value) VALUES (?, 'all', '2026-01-01', 1)",
            [metric_id],
        )


def test_failed_write_leaves_the_store_byte_identical(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    _add_series(store, "a")
    before = _digest(Path(store.path))
    with pytest.raises(RuntimeError):
        with store.write() as con:
            con.execute("DELETE FROM series")
            raise RuntimeError("crash half way")
    assert _digest(Path(store.path)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb", "store.duckdb.lock"]


def test_reader_open_during_a_write_keeps_its_version(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    _add_series(store, "a")
    version = store.version()
    with store.read() as reader:
        _add_series(store, "b")  # swapped in while the reader is open
        rows = reader.execute("SELECT metric_id FROM series").fetchall()
        assert rows == [("a",)]
    assert store.version() != version
    with store.read() as fresh:
        assert sorted(fresh.execute("SELECT metric_id FROM series").fetchall()) == [("a",), ("b",)]
        assert get_meta(fresh, "store_version")


@pytest.mark.parametrize(
    "key", ["all", "market=ES", "market=ES,category_l1=toys", "channel=authority"]
)
def test_slice_keys_round_trip(key: str) -> None:
    assert slice_key(parse_slice(key)) == key


@pytest.mark.parametrize(
    "key", ["", "market", "market=", "nope=1", "category_l1=toys,market=ES", "market=ES,market=FR"]
)
def test_malformed_slices_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        parse_slice(key)


def test_a_store_written_before_detections_named_their_test_reads_and_upgrades(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE detections (metric_id VARCHAR, slice VARCHAR, date DATE, value DOUBLE, "
        "expected DOUBLE, lower DOUBLE, upper DOUBLE, score DOUBLE, is_anomaly BOOLEAN, "
        "direction VARCHAR, is_alert BOOLEAN)"
    )
    con.execute("INSERT INTO detections VALUES ('m', 'all', DATE '2026-01-01', 1, 1, 0, 2, 0.5, "
                "false, NULL, false)")  # fmt: skip
    con.close()
    store = MetricStore(str(path))
    with store.read() as reader:
        sql = f"SELECT {detection_test(reader)} AS test FROM detections"
        assert reader.execute(sql).fetchall() == [(None,)]
    with store.write():  # any write adds the column
        pass
    with store.read() as reader:
        assert detection_test(reader, "d.") == "d.test"
        assert reader.execute("SELECT test FROM detections").fetchall() == [(None,)]
