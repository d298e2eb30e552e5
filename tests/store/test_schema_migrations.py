"""Schema migrations, versioned and applied on the first write: from store files written by
earlier releases, committed as fixtures (gzip: DuckDB files are mostly empty blocks)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from alerts.detection.store_scoring import detect_store
from metrics.errors import UserError
from metrics.metric_store import SCHEMA_VERSION, MetricStore, set_meta, stored_schema_version
from metrics.store_files import LEDGER_META, LEDGER_TABLES

FIXTURES = Path(__file__).parent / "fixtures"
# Written by the release at 61fae39 (schema 1, before detections named their test) and at
# 383c775 (schema 1, with the test column): the tiny hand-checked exports, computed, detected,
# with the alert tables.
BEFORE_TESTS = "store-before-detection-tests.duckdb.gz"
SCHEMA_1 = "store-schema1.duckdb.gz"


def _unpacked(name: str, folder: Path) -> MetricStore:
    path = folder / "store.duckdb"
    with gzip.open(FIXTURES / name) as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out)
    return MetricStore(path)


def _tables(path: str) -> dict[str, int]:
    """Row counts of one DuckDB file's tables (the store alone, or the ledger alone)."""
    con = duckdb.connect(path, read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


@pytest.mark.parametrize("fixture", [BEFORE_TESTS, SCHEMA_1])
def test_an_old_store_is_migrated_on_its_first_write_and_keeps_its_rows(
    fixture: str, tmp_path: Path
) -> None:
    store = _unpacked(fixture, tmp_path)
    with store.read() as con:
        assert stored_schema_version(con) == 1
    before = _tables(store.path)
    assert before["series"] > 0 and before["detections"] > 0
    with store.write() as con:
        set_meta(con, "touched", "yes")
    with store.read() as con:
        assert stored_schema_version(con) == SCHEMA_VERSION
        columns = [r[0] for r in con.execute("DESCRIBE detections").fetchall()]
    assert "test" in columns
    # The alert tables moved to the ledger beside the store (tests/store/test_alert_ledger.py).
    alerts = {t: n for t, n in before.items() if t in LEDGER_TABLES}
    after = _tables(store.path)
    assert alerts and after == {
        **{t: n for t, n in before.items() if t not in alerts},
        "meta": after["meta"],  # + touched, - the episodes' backfill mark (now the ledger's)
    }
    ledger = _tables(store.ledger.path)
    assert ledger == {**alerts, LEDGER_META: ledger[LEDGER_META]}
    detect_store(store)  # and the current detector writes into it, test column included
    with store.read() as con:
        rows = con.execute("SELECT count(*), count(test) FILTER (WHERE NOT is_anomaly) "
                           "FROM detections").fetchall()  # fmt: skip
    assert rows == [(before["series"], 0)]


def test_a_store_from_a_newer_govkpi_is_refused_and_left_alone(tmp_path: Path) -> None:
    store = _unpacked(SCHEMA_1, tmp_path)
    with store.write() as con:
        set_meta(con, "touched", "yes")
    con = duckdb.connect(store.path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    before = Path(store.path).read_bytes()
    for open_store in (store.read, store.write):
        with pytest.raises(UserError, match="schema version 99, written by a newer govkpi"):
            with open_store():
                pass
    assert Path(store.path).read_bytes() == before


def test_a_new_store_starts_at_the_latest_version(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "new.duckdb")
    with store.write():
        pass
    with store.read() as con:
        assert stored_schema_version(con) == SCHEMA_VERSION
