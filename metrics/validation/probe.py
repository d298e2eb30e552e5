"""What validation asks of an engine: find an export, open it, count checks, show examples.

`report.py` decides what to check and words every finding; an engine (DuckDB here in
`duckdb_probe.py`, Spark in `metrics.engines.spark_validation`) only answers these questions,
so a bad export gets the same one-line message whichever engine reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from metrics.contract import Table
from metrics.validation.checks import Check


@dataclass(frozen=True)
class ExportLocation:
    table: str
    # What messages name: a file, a folder glob, a prefix or a catalogue table.
    pattern: str
    # False when a local folder holds no Parquet file (remote sources are not listed).
    has_files: bool = True


@dataclass(frozen=True)
class Counts:
    """The one aggregate pass over a table."""

    total: int
    # Bad rows per check, in the order of the checks given.
    bad: list[int]
    # Non-zero when the key may repeat (an engine may count on hashes, then confirm).
    maybe_duplicates: int


class UnreadableExport(Exception):
    """An export (or some of its files) cannot be read: (file or location, reason) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {reason}" for where, reason in problems))
        self.problems = problems


class OpenedExport(Protocol):
    """One readable export, with the DuckDB type name of each contract column present."""

    types: dict[str, str]

    def counts(self, checks: list[Check], key: str | None) -> Counts:
        """Raises UnreadableExport when reading the rows fails."""
        ...

    def example(self, check: Check) -> str:
        """`col=value, ...` of the first row the check is true on ("" when none)."""
        ...

    def duplicates(self, key: str) -> tuple[int, str, int] | None:
        """(rows repeating a key, the most repeated key, its row count), or None."""
        ...


class ValidationEngine(Protocol):
    def locate(self, data: str, table: str) -> ExportLocation | None: ...

    def open(self, location: ExportLocation, table: Table) -> OpenedExport:
        """Raises UnreadableExport when the export cannot be read."""
        ...

    def orphans(
        self, referencing: OpenedExport, listings: OpenedExport, table: Table
    ) -> tuple[int, str]:
        """Rows of `referencing` whose listing_id is not in listings, and an example row."""
        ...

    def close(self) -> None: ...
