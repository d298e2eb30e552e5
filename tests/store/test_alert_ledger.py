"""The alert ledger beside the metric store: a store of the release before it (schema 2, alert
tables inside) moves them into the ledger once; acknowledgements then write the ledger only;
a migration stopped at any point leaves every alert row readable."""

from __future__ import annotations

import gzip
import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from alerts.state.alert_store import acknowledge, add_silence, firing_alerts, list_silences
from alerts.state.closure import give_feedback
from metrics import store_files
from metrics.errors import UserError
from metrics.metric_store import MetricStore, set_meta, stored_schema_version
from metrics.store_files import LEDGER_META, LEDGER_TABLES, ledger_path_for

FIXTURES = Path(__file__).parent / "fixtures"
# Written by main at 6717860 (the tree of 005597c; schema 2): tests/ledger_support's
# episode_store, the daily job run on days 28..119 (delivery to a closed port: 12 messages given
# up, 1 queued), then an acknowledgement and a silence of the FR episode, a resolution and
# feedback on the ES ones.
SCHEMA_2 = "store-schema2-alerts.duckdb.gz"
FR = ("proactive_rate", "market=FR", "anomaly")


def _unpacked(folder: Path, name: str = SCHEMA_2) -> MetricStore:
    path = folder / "store.duckdb"
    with gzip.open(FIXTURES / name) as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out)
    return MetricStore(path)


def _file_tables(path: str) -> dict[str, pd.DataFrame]:
    """Every table of one DuckDB file, rows sorted (the file alone, nothing attached)."""
    con = duckdb.connect(path, read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            n: con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').df().reset_index(drop=True)
            for n in names
        }
    finally:
        con.close()


def _acks(store: MetricStore) -> list[str]:
    with store.read() as con:
        rows = con.execute("SELECT author FROM acknowledgements ORDER BY acknowledged_at")
        return [r[0] for r in rows.fetchall()]


def test_the_ledger_sits_beside_the_store() -> None:
    assert ledger_path_for("/srv/govkpi/store.duckdb") == "/srv/govkpi/store.alerts.duckdb"
    assert ledger_path_for("/srv/kpi") == "/srv/kpi.alerts.duckdb"
    store = MetricStore("/srv/govkpi/store.duckdb")
    assert store.ledger.path == "/srv/govkpi/store.alerts.duckdb"
    assert store.ledger.copy_prefix != store.copy_prefix  # neither removes the other's copies


def test_a_schema_2_store_moves_its_alert_tables_into_the_ledger(tmp_path: Path) -> None:
    store = _unpacked(tmp_path)
    before = _file_tables(store.path)
    with store.read() as con:
        assert stored_schema_version(con) == 2
    moved = [t for t in LEDGER_TABLES if t in before]
    assert len(moved) == len(LEDGER_TABLES)  # the fixture has every one of them
    assert all(len(before[t]) for t in ("alert_evaluations", "acknowledgements", "outbox"))

    with store.write() as con:
        set_meta(con, "touched", "yes")

    store_after = _file_tables(store.path)
    ledger_after = _file_tables(store.ledger.path)
    with store.read() as con:
        assert stored_schema_version(con) == 3
    assert set(store_after) == set(before) - set(moved)  # series, detections, meta...
    for table in set(store_after) - {"meta"}:
        pd.testing.assert_frame_equal(store_after[table], before[table])
    assert set(ledger_after) == {*moved, LEDGER_META}
    for table in moved:  # every row, as it was
        pd.testing.assert_frame_equal(ledger_after[table], before[table])
    with store.read() as con:  # readers find them by their names, as before
        firing = firing_alerts(con)
        assert list(firing["slice"]) == ["market=FR"]
        assert firing["acknowledged_by"].tolist() == ["ana@example.com"]
        assert firing["ack_url"].tolist() == ["https://tickets.example.com/T-1"]
        assert len(list_silences(con)) == 1
    meta = dict(ledger_after[LEDGER_META].itertuples(index=False))
    assert "imported_from_store" in meta and "alert_episodes_backfilled" in meta

    # Idempotent: later writes of either file copy nothing again.
    with store.write():
        pass
    give_feedback(store, *FR, "useful", "ben@example.com")
    again = _file_tables(store.ledger.path)
    for table in moved:
        expected = ledger_after[table]
        if table == "alert_feedback":
            assert len(again[table]) == len(expected) + 1
        else:
            pd.testing.assert_frame_equal(again[table], expected)


def test_an_acknowledgement_writes_the_ledger_only(tmp_path: Path) -> None:
    store = _unpacked(tmp_path)
    with store.write():
        pass  # migrated
    stat, data = os.stat(store.path), Path(store.path).read_bytes()
    ledger_before = os.stat(store.ledger.path)
    version = store.version()

    acknowledge(store, *FR, "zoe@example.com", "on it", "https://tickets.example.com/T-2")

    after = os.stat(store.path)
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        stat.st_ino, stat.st_mtime_ns, stat.st_size,
    )  # fmt: skip
    assert Path(store.path).read_bytes() == data
    assert os.stat(store.ledger.path).st_ino != ledger_before.st_ino  # a new ledger swapped in
    assert store.version() != version  # so the dashboard's caches read it again
    assert _acks(store) == ["ana@example.com", "zoe@example.com"]
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]  # no working copy left


def test_a_first_ledger_write_on_an_unmigrated_store_leaves_the_store_alone(
    tmp_path: Path,
) -> None:
    """An acknowledgement before any store write: the ledger takes the tables, the store
    keeps its copy (now shadowed) until its own next write drops them."""
    store = _unpacked(tmp_path)
    data = Path(store.path).read_bytes()
    acknowledge(store, *FR, "zoe@example.com", "on it")
    assert Path(store.path).read_bytes() == data  # still schema 2, tables and all
    assert _acks(store) == ["ana@example.com", "zoe@example.com"]
    with store.write():
        pass
    assert "acknowledgements" not in _file_tables(store.path)
    assert _acks(store) == ["ana@example.com", "zoe@example.com"]  # not copied twice


class Stop(Exception):
    pass


def test_a_migration_stopped_while_copying_leaves_the_old_store_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _unpacked(tmp_path)
    data = Path(store.path).read_bytes()
    original = store_files.AlertLedger._import_store_tables

    def copy_then_die(self, con, tables):  # type: ignore[no-untyped-def]
        original(self, con, tables)  # every row copied into the working copy...
        raise Stop("killed")  # ...and the process dies before the swap

    monkeypatch.setattr(store_files.AlertLedger, "_import_store_tables", copy_then_die)
    with pytest.raises(Stop):
        with store.write() as con:
            set_meta(con, "touched", "yes")
    assert Path(store.path).read_bytes() == data
    assert not os.path.exists(store.ledger.path)
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".")]
    with store.read() as con:  # the store's own tables, as before
        assert firing_alerts(con)["acknowledged_by"].tolist() == ["ana@example.com"]

    monkeypatch.undo()
    with store.write():
        pass
    assert _acks(store) == ["ana@example.com"]


def test_a_migration_stopped_after_the_ledger_swap_reads_the_ledger(tmp_path: Path) -> None:
    """The ledger is swapped in, the store write then fails: the store keeps schema 2 and
    its tables, readers see the ledger's (in front), the next store write finishes."""
    store = _unpacked(tmp_path)
    data = Path(store.path).read_bytes()
    with pytest.raises(Stop):
        with store.write():
            raise Stop("killed after the ledger swap, before the store's")
    assert Path(store.path).read_bytes() == data
    assert os.path.exists(store.ledger.path)
    acknowledge(store, *FR, "zoe@example.com", "on it")  # into the ledger only
    with store.read() as con:
        assert stored_schema_version(con) == 2
        assert firing_alerts(con)["acknowledged_by"].tolist() == ["zoe@example.com"]
    assert _acks(store) == ["ana@example.com", "zoe@example.com"]
    with store.write():
        pass
    assert not set(LEDGER_TABLES) & set(_file_tables(store.path))
    assert _acks(store) == ["ana@example.com", "zoe@example.com"]


def test_a_store_without_a_ledger_reads_as_empty_alert_tables(tmp_path: Path) -> None:
    store = MetricStore(tmp_path / "store.duckdb")
    with store.write():
        pass
    assert not os.path.exists(store.ledger.path)
    with store.read() as con:
        assert firing_alerts(con).empty and list_silences(con, False).empty
    add_silence(store, "*", "market=ES", datetime(2030, 1, 1, tzinfo=UTC), "test", "ana")
    with store.read() as con:
        assert len(list_silences(con)) == 1


def test_a_ledger_from_a_newer_govkpi_is_refused_and_left_alone(tmp_path: Path) -> None:
    store = _unpacked(tmp_path)
    with store.write():
        pass
    con = duckdb.connect(store.ledger.path)
    con.execute(f"UPDATE {LEDGER_META} SET value = '9' WHERE key = 'schema_version'")
    con.close()
    before = Path(store.ledger.path).read_bytes()
    with pytest.raises(UserError, match="alert ledger .* schema version 9, written by a newer"):
        with store.read():
            pass
    with pytest.raises(UserError, match="schema version 9"):
        acknowledge(store, *FR, "zoe@example.com", "on it")
    assert Path(store.ledger.path).read_bytes() == before


def test_the_fixture_is_what_the_tests_say(tmp_path: Path) -> None:
    tables = _file_tables(_unpacked(tmp_path).path)
    assert sorted(tables["alert_state"]["state"]) == ["firing", "normal"]
    assert tables["alert_episodes"]["firing_since"].dt.date.tolist() == [
        date(2026, 4, 1), date(2026, 5, 21), date(2026, 6, 5),
    ]  # fmt: skip
    assert sorted(tables["outbox"]["status"]) == ["failed"] * 12 + ["queued"]
