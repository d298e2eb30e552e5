"""Validation's questions answered by DuckDB (the default engine): one temporary view per
export, one aggregate pass of every check, examples and duplicates only when something fails.
"""

from __future__ import annotations

import uuid

import duckdb

from metrics.contract import Table
from metrics.exports import ExportSource, is_remote, locate, relation
from metrics.validation.checks import Check, quote
from metrics.validation.probe import (
    Counts,
    ExportLocation,
    OpenedExport,
    UnreadableExport,
)
from metrics.validation.queries import duplicate_keys, example_row, first_row, unreadable_files


class DuckDBExport:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        view_name: str,
        table: Table,
        types: dict[str, str],
        source: ExportSource,
    ) -> None:
        self.con = con
        self.view_name = view_name
        self.table = table
        self.types = types
        self.source = source

    @property
    def view(self) -> str:
        return quote(self.view_name)

    def counts(self, checks: list[Check], key: str | None) -> Counts:
        aggregates = ["count(*)"] + [f"count_if({c.condition})" for c in checks]
        if key is not None:
            # Counting distinct 64-bit hashes is much cheaper than distinct strings. Equal keys
            # share a hash, so this never misses a duplicate; duplicate_keys() then rules out a
            # mere collision. hash(NULL) is a value too: one is subtracted when nulls exist
            # (a CASE to drop it costs a third more time).
            q = quote(key)
            aggregates.append(
                f"count({q}) - count(DISTINCT hash({q})) + (count(*) > count({q}))::INTEGER"
            )
        try:
            row = first_row(
                self.con,
                f"SELECT {', '.join(aggregates)} FROM {self.view}",
                [p for c in checks for p in c.params],
            )
        except duckdb.Error as exc:
            raise UnreadableExport(unreadable_files(self.con, self.source, exc)) from None
        assert row is not None
        # count_if over no rows is NULL, not 0.
        return Counts(
            int(row[0]),
            [int(n or 0) for n in row[1 : 1 + len(checks)]],
            int(row[-1] or 0) if key is not None else 0,
        )

    def example(self, check: Check) -> str:
        return example_row(
            self.con, self.view, self.table, self.types, check.condition, check.params, check.shown
        )

    def duplicates(self, key: str) -> tuple[int, str, int] | None:
        return duplicate_keys(self.con, self.view, key)


class DuckDBValidation:
    """Validation on a DuckDB connection: the caller's, or one of its own."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.own = con is None
        if con is None:
            con = duckdb.connect()
            # DuckDB's progress bar would interleave with the one-line findings on stderr.
            con.execute("SET enable_progress_bar = false")
        self.con = con
        self.sources: dict[str, ExportSource] = {}
        self.registered: list[str] = []  # every temporary view, dropped whatever happens

    def locate(self, data: str, table: str) -> ExportLocation | None:
        source = locate(data, table)
        if source is None:
            return None
        self.sources[table] = source
        has_files = is_remote(source.pattern) or bool(source.files)
        return ExportLocation(table, source.pattern, has_files)

    def open(self, location: ExportLocation, table: Table) -> OpenedExport:
        source = self.sources[location.table]
        try:
            rel = relation(self.con, source)
            names = {c.name for c in table.columns}
            types = {n: str(t) for n, t in zip(rel.columns, rel.dtypes, strict=True) if n in names}
        except duckdb.Error as exc:
            raise UnreadableExport(unreadable_files(self.con, source, exc)) from None
        # register() makes a temporary view: nothing lands in a caller's database file.
        view_name = f"_govkpi_validate_{table.name}_{uuid.uuid4().hex[:8]}"
        self.con.register(view_name, rel)
        self.registered.append(view_name)
        return DuckDBExport(self.con, view_name, table, types, source)

    def orphans(
        self, referencing: OpenedExport, listings: OpenedExport, table: Table
    ) -> tuple[int, str]:
        assert isinstance(referencing, DuckDBExport) and isinstance(listings, DuckDBExport)
        # An explicit anti join is about twice as fast as NOT EXISTS on 20M listings.
        orphans = (
            f'{referencing.view} AS c ANTI JOIN {listings.view} AS l ON l."listing_id" = '
            'c."listing_id"'
        )
        found = 'c."listing_id" IS NOT NULL'
        count = (first_row(self.con, f"SELECT count(*) FROM {orphans} WHERE {found}") or (0,))[0]
        if not count:
            return 0, ""
        example = example_row(
            self.con, orphans, table, referencing.types, found, (), ("listing_id",)
        )
        return int(count), example

    def close(self) -> None:
        for view_name in self.registered:
            self.con.unregister(view_name)
        if self.own:
            self.con.close()
