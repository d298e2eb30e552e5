"""Validates a data folder of exports against the export contract (DESIGN.md, v1.1).

Every problem is reported, not just the first: one `Finding` per defect class and column, each a
single line naming the table, the column and an example row. Errors make the exports invalid;
warnings (orphan references, absent optional exports) do not.

The engine that reads the exports (DuckDB by default, Spark for `engine = "spark"`) answers the
questions of `probe.ValidationEngine`; the checks and every message are decided here, once.

Cost: one aggregate pass per table counts every check at once; an example row is fetched
(LIMIT 1) only for checks that failed. Duplicate keys are counted on 64-bit hashes of the key
and confirmed exactly on the strings only when the hashes collide, which keeps a 20M-row
listings export within a few seconds.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

import duckdb

from metrics.catalogue import load_catalogue
from metrics.contract import TABLES, TABLES_BY_NAME, Table
from metrics.errors import InvalidExportError, UserError
from metrics.exports import is_remote
from metrics.validation.checks import build_checks, expected_types, present, type_ok
from metrics.validation.duckdb_probe import DuckDBValidation
from metrics.validation.probe import (
    ExportLocation,
    OpenedExport,
    UnreadableExport,
    ValidationEngine,
)
from metrics.validation.queries import rows, show

logger = logging.getLogger(__name__)

# Tables whose listing_id should exist in listings (orphans are warnings).
REFERENCING_TABLES = ("complaints", "appeals")


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    table: str
    column: str | None
    # The whole line as printed after the `error: ` / `warning: ` prefix.
    message: str

    @property
    def line(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass
class ValidationReport:
    findings: list[Finding] = field(default_factory=list)
    # Rows per table that could be read.
    row_counts: dict[str, int] = field(default_factory=dict)
    # Tables whose export exists, readable or not.
    tables_present: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_exports(data: str, con: duckdb.DuckDBPyConnection | None = None) -> ValidationReport:
    """Checks every export in `data` against the contract with DuckDB; never raises for bad
    data. On a caller's connection nothing is left behind."""
    return validate_with(DuckDBValidation(con), data)


def validate_with(engine: ValidationEngine, data: str) -> ValidationReport:
    """Checks every export with `engine` (closed at the end); never raises for bad data."""
    report = ValidationReport()
    opened: dict[str, OpenedExport] = {}
    try:
        for table in TABLES:
            location = engine.locate(data, table.name)
            if location is None:
                report.findings.append(_absent(data, table))
                continue
            report.tables_present.add(table.name)
            started = time.perf_counter()
            export = _check_table(engine, location, table, report)
            if export is not None:
                opened[table.name] = export
            logger.debug("validated %s in %.2f s", table.name, time.perf_counter() - started)
        _check_orphans(engine, opened, report)
    finally:
        engine.close()
    return report


def require_valid(data: str, con: duckdb.DuckDBPyConnection | None = None) -> ValidationReport:
    """Validates with DuckDB and logs warnings; raises InvalidExportError with every error
    line if invalid."""
    return raise_if_invalid(validate_exports(data, con))


def raise_if_invalid(report: ValidationReport) -> ValidationReport:
    """Logs the report's warnings; raises InvalidExportError with every error line if invalid."""
    for finding in report.warnings:
        logger.warning(finding.line)
    if not report.ok:
        raise InvalidExportError([f.message for f in report.errors])
    return report


def _absent(data: str, table: Table) -> Finding:
    where = f"no {table.name}.parquet or {table.name}/ in {data}"
    if not data:  # Spark reading catalogue tables only
        where = "no data folder, and no catalogue table for it in [spark.tables]"
    elif not is_remote(data) and not os.path.isdir(data):
        where += " (no such folder)"
    if table.required:
        return Finding("error", table.name, None, f"{table.name}: required export missing: {where}")
    skipped = ", ".join(indicators_requiring(table.name)) or "no indicator needs it"
    message = f"{table.name}: optional export absent: {where}; skipping {skipped}"
    return Finding("warning", table.name, None, message)


def indicators_requiring(table: str) -> list[str]:
    """Ids of the catalogue's indicators that cannot be computed without `table`."""
    try:
        catalogue = load_catalogue()
    except UserError as exc:
        # A broken catalogue must not hide the data findings; the metric commands report it.
        logger.debug("catalogue not loaded: %s", exc)
        return ["the indicators that require it"]
    return [m.id for m in catalogue if table in m.requires]


def _check_table(
    engine: ValidationEngine,
    location: ExportLocation,
    table: Table,
    report: ValidationReport,
) -> OpenedExport | None:
    """Adds the table's findings; returns the opened export when readable."""
    if not location.has_files:
        report.findings.append(
            Finding("error", table.name, None, f"{table.name}: {location.pattern} matches no files")
        )
        return None
    try:
        export = engine.open(location, table)
    except UnreadableExport as exc:
        report.findings.extend(_unreadable(table, exc))
        return None
    types = export.types
    checks = build_checks(table, types)
    key = table.key if table.key in types else None
    try:
        counts = export.counts(checks, key)
    except UnreadableExport as exc:
        report.findings.extend(_unreadable(table, exc))
        return None
    report.row_counts[table.name] = counts.total

    findings: list[Finding] = []
    for column in table.columns:
        actual = types.get(column.name)
        if actual is None and column.optional:
            continue  # a v1.1 column a v1 export may leave out
        if actual is None:
            problem = f"required column missing from {location.pattern}"
            findings.append(_error(table, column.name, problem))
        elif not type_ok(column, actual):
            problem = f"wrong type {actual}, expected {expected_types(column)}"
            example = export.example(present(column.name))
            findings.append(_error(table, column.name, problem, example))
    if counts.total == 0:
        findings.append(
            Finding("error", table.name, None, f"{table.name}: {location.pattern} has no rows")
        )
        report.findings.extend(findings)
        return export

    for check, bad in zip(checks, counts.bad, strict=True):
        if bad:
            example = export.example(check)
            findings.append(_error(table, check.column, f"{rows(bad)} {check.problem}", example))
    if key is not None and counts.maybe_duplicates:
        duplicate = export.duplicates(key)
        if duplicate is not None:
            extra, value, times = duplicate
            problem = f"{rows(extra)} with a {key} already used by another row (must be unique)"
            example = f"{key}={show(value)} appears {times} times"
            findings.append(_error(table, key, problem, example))

    # Report in contract column order; the stable sort keeps each column's checks in order.
    order = {c.name: i for i, c in enumerate(table.columns)}
    findings.sort(key=lambda f: order.get(f.column or "", len(order)))
    report.findings.extend(findings)
    return export


def _error(table: Table, column: str, problem: str, example: str = "") -> Finding:
    message = f"{table.name}.{column}: {problem}"
    if example:
        message += f"; example row: {example}"
    return Finding("error", table.name, column, message)


def _unreadable(table: Table, exc: UnreadableExport) -> list[Finding]:
    return [
        Finding("error", table.name, None, f"{table.name}: cannot read {path}: {reason}")
        for path, reason in exc.problems
    ]


def _check_orphans(
    engine: ValidationEngine, opened: dict[str, OpenedExport], report: ValidationReport
) -> None:
    """Warns about rows whose listing_id is not in listings (one join per referencing table)."""
    if "listings" not in opened or opened["listings"].types.get("listing_id") != "VARCHAR":
        return
    for name in REFERENCING_TABLES:
        if name not in opened or opened[name].types.get("listing_id") != "VARCHAR":
            continue
        table = TABLES_BY_NAME[name]
        count, example = engine.orphans(opened[name], opened["listings"], table)
        if not count:
            continue
        report.findings.append(
            Finding(
                "warning",
                name,
                "listing_id",
                f"{name}.listing_id: {rows(count)} with a listing_id not in listings; "
                f"example row: {example}",
            )
        )
