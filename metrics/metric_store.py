"""The metric store: one DuckDB file holding series, detections and export stats; the alert
tables live in the alert ledger beside it (metrics/store_files.py).

Writers never touch the live file: they work on a copy and swap it in with os.replace, under
an exclusive lock file, so a crash or a bad export never leaves the store half-written and
readers (the dashboard) keep reading the previous version while a compute runs. Readers open
a read-only connection per use, which sees the ledger's tables too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

import duckdb

from metrics.errors import UserError
from metrics.store_files import (
    LEDGER_META_KEYS,
    LEDGER_TABLES,
    LEGACY_COPY_PREFIX,
    AlertLedger,
    SwappedFile,
    attach_ledger,
)

log = logging.getLogger(__name__)

__all__ = ["LEGACY_COPY_PREFIX", "MetricStore", "get_meta", "set_meta"]

# Dimension order is part of the contract: slices are written in this order.
DIMENSIONS = ("market", "category_l1", "seller_tier", "channel", "issue_type")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS series (
    metric_id VARCHAR NOT NULL,
    slice VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE,            -- NULL when the denominator is zero: no value, not zero
    numerator DOUBLE,
    denominator DOUBLE,      -- for durations: the case count
    p90 DOUBLE,              -- durations only
    market VARCHAR, category_l1 VARCHAR, seller_tier VARCHAR, channel VARCHAR, issue_type VARCHAR
);
CREATE TABLE IF NOT EXISTS detections (
    metric_id VARCHAR NOT NULL,
    slice VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE, expected DOUBLE, lower DOUBLE, upper DOUBLE, score DOUBLE,
    is_anomaly BOOLEAN,      -- outside the band, either direction
    direction VARCHAR,       -- 'up' | 'down' | NULL
    is_alert BOOLEAN,        -- anomalous in the direction that is bad for the metric
    test VARCHAR             -- which test decided: point, burst, shift, ramp, volume or NULL
);
CREATE TABLE IF NOT EXISTS export_stats (
    "table" VARCHAR, date DATE, market VARCHAR, rows BIGINT
);
CREATE TABLE IF NOT EXISTS export_files (
    "table" VARCHAR, path VARCHAR, files BIGINT, rows BIGINT,
    latest_event TIMESTAMP, modified_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS validation (
    severity VARCHAR, "table" VARCHAR, "column" VARCHAR, message VARCHAR
);
"""


LEDGER_STEP = 3

# The store's schema, step by step. Each step brings a store from the version before it to
# its own; a write applies the steps a store lacks, in order, in the copy it swaps in, and
# records the version (meta schema_version). Steps must be safe on a store that already has
# what they add (stores of version 1 written after the test column came have it).
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "series, detections, export stats and validation", SCHEMA),
    (
        2,
        "detections name the test that decided",
        "ALTER TABLE detections ADD COLUMN IF NOT EXISTS test VARCHAR",
    ),
    (
        # migrate() first has the ledger copy them (AlertLedger imports them once, in its
        # own swapped write): they are dropped only once the ledger holds them.
        LEDGER_STEP,
        "alert tables moved to the alert ledger beside the store",
        ";".join(f'DROP TABLE IF EXISTS "{t}"' for t in LEDGER_TABLES)
        + ";DELETE FROM meta WHERE key IN ("
        + ", ".join(f"'{k}'" for k in LEDGER_META_KEYS)
        + ")",
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def stored_schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version a store records (0: an empty file or one without meta)."""
    known = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
    ).fetchall()
    if not known[0][0]:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    try:
        return int(row[0][0]) if row else 0
    except ValueError:
        return 0


def check_schema_version(con: duckdb.DuckDBPyConnection, path: str) -> int:
    """The store's version; a store written by a newer govkpi is refused, never rewritten."""
    version = stored_schema_version(con)
    if version > SCHEMA_VERSION:
        raise UserError(
            f"the metric store {path} has schema version {version}, written by a newer "
            f"govkpi; this one knows versions up to {SCHEMA_VERSION}: upgrade govkpi"
        )
    return version


def migrate(con: duckdb.DuckDBPyConnection, path: str) -> list[int]:
    """Applies the steps the store lacks, in order; returns the versions applied."""
    version = check_schema_version(con, path)
    applied = []
    for step, what, sql in MIGRATIONS:
        if step > version:
            if step == LEDGER_STEP and version:
                with AlertLedger(path).write():
                    pass  # its first write copies the store's alert tables (under our lock)
            con.execute(sql)
            set_meta(con, "schema_version", str(step))  # step 1 made meta
            applied.append(step)
            if version:  # a new store is not "migrated"
                log.info("store %s: schema %d -> %d (%s)", path, step - 1, step, what)
    return applied


def slice_key(dims: Mapping[str, str | None]) -> str:
    """`all` or `dim=value` joined by `,` in the fixed dimension order."""
    parts = [f"{d}={dims[d]}" for d in DIMENSIONS if dims.get(d) is not None]
    return ",".join(parts) if parts else "all"


def parse_slice(key: str) -> dict[str, str]:
    """Inverse of slice_key; raises ValueError on anything malformed (URLs are untrusted)."""
    if key == "all":
        return {}
    dims: dict[str, str] = {}
    for part in key.split(","):
        name, sep, value = part.partition("=")
        if not sep or name not in DIMENSIONS or not value or name in dims:
            raise ValueError(f"bad slice {key!r}")
        dims[name] = value
    if slice_key(dims) != key:
        raise ValueError(f"slice {key!r} is not in the dimension order {','.join(DIMENSIONS)}")
    return dims


def file_version(path: str | None) -> str:
    """A file's identity, modification time and size: changes when a new version is swapped
    in (the store, a config file), so caches can be keyed on it."""
    if not path:
        return "none"
    try:
        stat = os.stat(path)
    except OSError:
        return "absent"
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


class MetricStore(SwappedFile):
    """The metric store; its alert ledger (`ledger`) is a second file beside it."""

    @property
    def ledger(self) -> AlertLedger:
        return AlertLedger(self.path)

    def version(self) -> str:
        """Changes whenever a write of the store or of its ledger is swapped in; cheap enough
        to key caches on."""
        return f"{file_version(self.path)}+{file_version(self.ledger.path)}"

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection to the current version of the store, with the alert
        ledger's tables readable by their names (see metrics/store_files.py)."""
        if not self.exists():
            raise UserError(f"metric store {self.path} does not exist; run `govkpi compute`")
        con = duckdb.connect(self.path, read_only=True)
        try:
            check_schema_version(con, self.path)
            attach_ledger(con, self.path)
            yield con
        finally:
            con.close()

    def write(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A writable connection on a copy of the store; swapped in only if the block
        succeeds. Alert tables are written through `write_ledger`."""
        return self.write_copy(lambda con: migrate(con, self.path), _stamp)

    def write_ledger(
        self, with_store: bool = True
    ) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A writable connection on a copy of the alert ledger only, swapped in only if the
        block succeeds; the store's tables are readable through views unless `with_store` is
        False (a quicker write for what needs the alert tables alone). A store that does not
        exist yet is created (empty) first, so that readers find the two together."""
        if not self.exists():
            with self.write():
                pass
        return self.ledger.write(with_store)


def _stamp(con: duckdb.DuckDBPyConnection) -> None:
    set_meta(con, "store_version", uuid.uuid4().hex)
    set_meta(con, "written_at", datetime.now(UTC).isoformat(timespec="seconds"))


def set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def detection_test(con: duckdb.DuckDBPyConnection, alias: str = "") -> str:
    """The SQL for detections' `test` column: NULL on a store written before detections named
    their test (read-only readers cannot add the column; any write adds it)."""
    found = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'detections' AND column_name = 'test'"
    ).fetchone()
    return f"{alias}test" if found and found[0] else "NULL"


def get_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None
