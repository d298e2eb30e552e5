"""The store's two files and how they are written: the metric store (series, detections, what
compute and detect write) and, beside it, the alert ledger (`<store stem>.alerts.duckdb`: alert
state, the evaluation log, episodes, acknowledgements, silences, closure, feedback, the outbox).

The ledger is small and often written (every acknowledgement, silence and closure), so it has
a file of its own: writing it copies the ledger only, never the metric store. Both files follow
the same discipline (`SwappedFile.write_copy`): under an exclusive lock file, copy, change the
copy, swap it in with os.replace; a writer killed midway leaves its copy, which the next write
removes. Readers see both as one database: `attach_ledger` attaches the ledger read-only to a
store connection and puts a view over each of its tables in front of the store's own.

Stores written before the ledger (schema version 2 and older) held the alert tables
themselves. The first ledger write copies them into the ledger (`import_store_tables`) and
marks it; only then, and only once the ledger is swapped in, does the store's migration to
version 3 drop them from the store. A write killed at any point leaves one complete copy of
the alert tables that readers find: the store's while there is no ledger, the ledger's after.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import duckdb

from metrics.errors import UserError

log = logging.getLogger(__name__)

# Working copies of releases before copies carried their store's name.
LEGACY_COPY_PREFIX = ".govkpi-store-"
LEDGER_SUFFIX = ".alerts.duckdb"
LEDGER_ALIAS = "govkpi_ledger"
STORE_ALIAS = "govkpi_store"
# The tables that moved from the metric store to the ledger (store schema 3). Tables added to
# the alert schema later are created in the ledger and need no entry here.
LEDGER_TABLES = (
    "alert_state", "alert_evaluations", "silences", "acknowledgements", "outbox",
    "notifications", "alert_episodes", "alert_resolutions", "alert_feedback", "scheduler_runs",
)  # fmt: skip
LEDGER_META = "ledger_meta"
# Keys of the store's meta table that describe alert tables: copied to the ledger's with them.
LEDGER_META_KEYS = ("alert_episodes_backfilled",)
LEDGER_SCHEMA_VERSION = 1


def ledger_path_for(store_path: str) -> str:
    """`/srv/govkpi/store.duckdb` -> `/srv/govkpi/store.alerts.duckdb` (beside the store)."""
    directory, name = os.path.split(store_path)
    stem = name[: -len(".duckdb")] if name.endswith(".duckdb") else name
    return os.path.join(directory, stem + LEDGER_SUFFIX)


def copy_store_files(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Copies a metric store and its alert ledger (when it has one) to another store path:
    the two files are one store; a copy of the first alone loses every alert row."""
    shutil.copyfile(source, target)
    ledger, copied = ledger_path_for(os.fspath(source)), ledger_path_for(os.fspath(target))
    if os.path.isfile(ledger):
        shutil.copyfile(ledger, copied)
    elif os.path.isfile(copied):
        os.unlink(copied)


class SwappedFile:
    """A DuckDB file that is only ever replaced whole, never written in place."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.path.abspath(os.fspath(path))

    @property
    def lock_path(self) -> str:
        return self.path + ".lock"

    @property
    def copy_prefix(self) -> str:
        """The name every working copy of this file starts with (hidden, beside it)."""
        return f".{os.path.basename(self.path)}.copy-"

    def exists(self) -> bool:
        return os.path.isfile(self.path)

    def _remove_leftover_copies(self, directory: str) -> None:
        """Working copies left by a writer that was killed. Called under the write lock, so
        none of this file's copies can be in use; other files' copies have other names.
        Copies named by releases before the store's name was in them (`.govkpi-store-`)
        cannot be told apart, so only those a day old go."""
        stale_before = time.time() - 86_400
        for name in os.listdir(directory):
            path = os.path.join(directory, name)
            ours = name.startswith(self.copy_prefix)
            legacy = name.startswith(LEGACY_COPY_PREFIX)
            if not (ours or legacy) or not name.endswith((".duckdb", ".duckdb.wal")):
                continue
            with contextlib.suppress(FileNotFoundError):
                if legacy and os.path.getmtime(path) > stale_before:
                    continue
                size = os.path.getsize(path)
                os.unlink(path)
                log.info("removed %s (%d MB), left by a write that did not finish", path,
                         size // 1_000_000)  # fmt: skip

    @contextlib.contextmanager
    def write_copy(
        self,
        prepare: Callable[[duckdb.DuckDBPyConnection], object],
        finish: Callable[[duckdb.DuckDBPyConnection], None],
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writable connection on a copy: `prepare` (migrations), the caller's block,
        `finish` (stamps); swapped in only if all three succeed."""
        directory = os.path.dirname(self.path) or "."
        os.makedirs(directory, exist_ok=True)
        with open(self.lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._remove_leftover_copies(directory)
            fd, tmp = tempfile.mkstemp(prefix=self.copy_prefix, suffix=".duckdb", dir=directory)
            os.close(fd)
            os.unlink(tmp)
            try:
                if self.exists():
                    shutil.copyfile(self.path, tmp)
                con = duckdb.connect(tmp)
                try:
                    prepare(con)
                    yield con
                    finish(con)
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                os.replace(tmp, self.path)
            finally:
                for leftover in (tmp, tmp + ".wal"):
                    if os.path.exists(leftover):
                        os.unlink(leftover)


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "ORDER BY table_name",
        [database],
    ).fetchall()
    return [r[0] for r in rows]


def _view_over(con: duckdb.DuckDBPyConnection, database: str, table: str) -> None:
    # Names come from the catalogue, not from users; quoted all the same.
    con.execute(
        f'CREATE OR REPLACE TEMP VIEW "{table}" AS SELECT * FROM "{database}".main."{table}"'
    )


def _ledger_meta(con: duckdb.DuckDBPyConnection, database: str, key: str) -> str | None:
    if LEDGER_META not in _tables(con, database):
        return None
    row = con.execute(
        f'SELECT value FROM "{database}".main.{LEDGER_META} WHERE key = ?', [key]
    ).fetchone()
    return row[0] if row else None


def _check_ledger_version(con: duckdb.DuckDBPyConnection, database: str, path: str) -> None:
    _refuse_newer(int(_ledger_meta(con, database, "schema_version") or 0), path)


def _refuse_newer(version: int, path: str) -> None:
    if version > LEDGER_SCHEMA_VERSION:
        raise UserError(
            f"the alert ledger {path} has schema version {version}, written by a newer "
            f"govkpi; this one knows versions up to {LEDGER_SCHEMA_VERSION}: upgrade govkpi"
        )


def attach_ledger(con: duckdb.DuckDBPyConnection, store_path: str) -> bool:
    """Makes the ledger's tables readable on a read-only store connection, in front of any
    the store still holds (a store of schema 2 whose ledger was swapped in before the store
    was); False when there is no ledger yet (readers then see the store's own tables, or
    none: the alert read functions return empty frames for missing tables)."""
    path = ledger_path_for(store_path)
    if not os.path.isfile(path):
        return False
    con.execute(f"ATTACH ? AS {LEDGER_ALIAS} (READ_ONLY)", [path])
    _check_ledger_version(con, LEDGER_ALIAS, path)
    for table in _tables(con, LEDGER_ALIAS):
        _view_over(con, LEDGER_ALIAS, table)
    return True


class AlertLedger(SwappedFile):
    """The alert ledger beside a metric store."""

    def __init__(self, store_path: str | os.PathLike[str]) -> None:
        self.store_path = os.path.abspath(os.fspath(store_path))
        super().__init__(ledger_path_for(self.store_path))

    def write(
        self, with_store: bool = True
    ) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A writable connection on a copy of the ledger. `with_store`: the metric store's
        tables (series, detections, meta...) readable through views, as the alert job needs
        them; without, the write skips opening the store (acknowledgements, silences)."""
        return self.write_copy(lambda con: self._prepare(con, with_store), _stamp)

    def _prepare(self, con: duckdb.DuckDBPyConnection, with_store: bool) -> None:
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER_META} (key VARCHAR PRIMARY KEY, value VARCHAR)"
        )
        # Nothing is attached yet: the unqualified name is the ledger's table.
        meta = dict(con.execute(f"SELECT key, value FROM {LEDGER_META}").fetchall())
        _refuse_newer(int(meta.get("schema_version") or 0), self.path)
        imported = "imported_from_store" in meta
        store_tables: list[str] = []
        if (with_store or not imported) and os.path.isfile(self.store_path):
            con.execute(f"ATTACH ? AS {STORE_ALIAS} (READ_ONLY)", [self.store_path])
            store_tables = _tables(con, STORE_ALIAS)
        if not imported:
            self._import_store_tables(con, store_tables)
            set_ledger_meta(con, "schema_version", str(LEDGER_SCHEMA_VERSION))
        if with_store:
            own = set(_tables(con, _database(con)))
            for table in store_tables:
                if table not in LEDGER_TABLES and table not in own:
                    _view_over(con, STORE_ALIAS, table)

    def _import_store_tables(self, con: duckdb.DuckDBPyConnection, store_tables: list[str]) -> None:
        """Copies the alert tables a store of schema 2 or older holds, rows and constraints;
        once per ledger (marked in the ledger itself, so it is swapped in with the rows)."""
        moved = [t for t in LEDGER_TABLES if t in store_tables]
        rows = 0
        for table in moved:
            (ddl,) = con.execute(
                "SELECT sql FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
                "AND table_name = ?",
                [STORE_ALIAS, table],
            ).fetchone() or ("",)
            con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute(ddl)  # CREATE TABLE <table>(...): in the ledger, the default database
            con.execute(f'INSERT INTO "{table}" SELECT * FROM {STORE_ALIAS}.main."{table}"')
            rows += _count(con, table)
        if "meta" in store_tables:
            con.execute(
                f"INSERT OR REPLACE INTO {LEDGER_META} "
                f"SELECT key, value FROM {STORE_ALIAS}.main.meta WHERE list_contains(?, key)",
                [list(LEDGER_META_KEYS)],
            )
        set_ledger_meta(con, "imported_from_store", datetime.now(UTC).isoformat(timespec="seconds"))
        if moved:
            log.info("alert ledger %s: %d tables (%d rows) copied from the metric store %s",
                     self.path, len(moved), rows, self.store_path)  # fmt: skip


def _database(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    return str(row[0]) if row else "main"


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    return int(row[0]) if row else 0


def set_ledger_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(f"INSERT OR REPLACE INTO {LEDGER_META} VALUES (?, ?)", [key, value])


def _stamp(con: duckdb.DuckDBPyConnection) -> None:
    set_ledger_meta(con, "written_at", datetime.now(UTC).isoformat(timespec="seconds"))
