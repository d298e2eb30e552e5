"""`govkpi validate --data DIR`: checks the exports against the contract, reports every problem.

Findings go to stderr, one line each (`error: ...` / `warning: ...`); a short summary goes to
stdout unless `-q`. Exit code 0 when valid (warnings allowed), 2 when invalid.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from govkpi.commands.common import add_config_arg, add_data_arg, command_settings, require
from metrics.contract import TABLES

if TYPE_CHECKING:
    from metrics.validation.report import ValidationReport


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check the exports against the export contract",
        description=(
            "Check every export in a data folder against the export contract (v1.1: v1 plus "
            "optional columns that may be absent) and report all problems at once, one line "
            "each on stderr. Exit code 0 when valid, 2 when not."
        ),
    )
    add_config_arg(parser)
    add_data_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so that `govkpi --help` does not load DuckDB.
    from metrics.validation.report import validate_exports

    settings = command_settings(args, {"data": args.data})
    data = require(settings.data, "--data", "data", "GOVKPI_DATA")
    report = validate_exports(data)
    for finding in report.findings:
        print(finding.line, file=sys.stderr)
    if not getattr(args, "quiet", False):
        print(summary(data, report))
    return 0 if report.ok else 2


def summary(data: str, report: ValidationReport) -> str:
    """Tables with row counts, then the verdict."""
    lines = [f"exports in {data}:"]
    width = max(len(t.name) for t in TABLES)
    digits = max((len(f"{n:,}") for n in report.row_counts.values()), default=1)
    for table in TABLES:
        if table.name in report.row_counts:
            state = f"{report.row_counts[table.name]:>{digits},} rows"
        elif table.name in report.tables_present:
            state = "unreadable"
        else:
            state = "missing" if table.required else "absent (optional)"
        lines.append(f"  {table.name:<{width}}  {state}")
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "valid" if report.ok else f"invalid: {errors} problem{'s' if errors != 1 else ''}"
    if warnings:
        verdict += f" ({warnings} warning{'s' if warnings != 1 else ''})"
    lines.append(verdict)
    return "\n".join(lines)
