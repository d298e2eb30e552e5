"""`govkpi report dsa`: the DSA transparency report's figures from the exports.

    govkpi report dsa --from DATE --to DATE --output FILE [--format csv|html]
                      [--data DIR] [--timezone TZ] [--mapping FILE] [--config FILE]

The file is written next to its destination under a temporary name and renamed into place
only once complete, so a failed run (bad dates, invalid exports, a bad mapping) leaves no
file, or the previous one untouched. Exit codes: 0 written; 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import logging
from datetime import UTC, date, datetime

from govkpi.commands.common import (
    add_config_arg,
    add_data_arg,
    command_settings,
    parse_day,
    require,
)
from govkpi.commands.output_file import output_path, write_whole
from metrics.errors import UserError

log = logging.getLogger(__name__)

FORMATS = ("csv", "html")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="regulators' reports from the exports (DSA transparency figures)",
        description="Reports for regulators, computed from the exports (see docs/compliance.md).",
    )
    sub = parser.add_subparsers(
        dest="report_command", metavar="REPORT", required=True, help="which report"
    )
    dsa = sub.add_parser(
        "dsa",
        help="DSA transparency report figures (Art. 15 and 24)",
        description=(
            "Writes the DSA transparency report's figures for a period: authority orders, "
            "notices, own-initiative actions and internal complaints (appeals), with median "
            "times, each also by DSA statement category. Days are calendar days in the "
            "reporting time zone, both ends included. CSV is long format (section, indicator, "
            "breakdown, value, unit, cases); HTML is a readable, self-contained page. The "
            "exports are validated first. Definitions: docs/compliance.md."
        ),
    )
    add_config_arg(dsa)
    add_data_arg(dsa)
    dsa.add_argument(
        "--from", dest="first_day", required=True, metavar="DATE",
        help="first day of the period, YYYY-MM-DD (included)",
    )  # fmt: skip
    dsa.add_argument(
        "--to", dest="last_day", required=True, metavar="DATE",
        help="last day of the period, YYYY-MM-DD (included)",
    )  # fmt: skip
    dsa.add_argument(
        "--output", required=True, metavar="FILE",
        help="file to write; replaced only once the report is complete",
    )  # fmt: skip
    dsa.add_argument(
        "--format",
        choices=FORMATS,
        help="csv (long format) or html (readable page); default: html when FILE ends in "
        ".html or .htm, else csv",
    )
    dsa.add_argument(
        "--timezone",
        metavar="TZ",
        help="reporting time zone that defines a day (IANA name); default: `timezone` of the "
        "settings ($GOVKPI_TIMEZONE), else UTC",
    )
    dsa.add_argument(
        "--mapping",
        metavar="FILE",
        help="TOML file mapping removal reasons and issue types to DSA statement categories; "
        "replaces the packaged one (default: `dsa_mapping` of the settings "
        "($GOVKPI_DSA_MAPPING), else the packaged mapping)",
    )
    dsa.set_defaults(handler=run_dsa)


def output_format(output: str, given: str | None) -> str:
    if given:
        return given
    return "html" if output.lower().endswith((".html", ".htm")) else "csv"


def run_dsa(args: argparse.Namespace) -> int:
    # Imported here so that `govkpi --help` does not load DuckDB.
    from metrics.transparency.category_mapping import load_mapping
    from metrics.transparency.dsa_report import build_report
    from metrics.transparency.report_csv import report_csv
    from metrics.transparency.report_html import report_html

    first = _day(args.first_day, "--from")
    last = _day(args.last_day, "--to")
    if first > last:
        raise UserError(f"--from {first} is after --to {last}")
    settings = command_settings(
        args,
        {"data": args.data, "timezone": args.timezone, "dsa_mapping": args.mapping},
    )
    data = require(settings.data, "--data", "data", "GOVKPI_DATA")
    output = output_path(args.output)
    fmt = output_format(output, args.format)
    mapping = load_mapping(settings.dsa_mapping)
    report = build_report(data, first, last, settings.timezone, mapping)
    for note in report.notes:
        log.warning("note: %s", note)
    if fmt == "html":
        content = report_html(report, datetime.now(UTC), data).encode("utf-8")
    else:
        content = report_csv(report)
    write_whole(output, content)
    if not args.quiet:
        print(
            f"wrote the DSA report for {first} .. {last} ({settings.timezone}), "
            f"{len(report.rows)} rows, as {fmt} to {output}"
        )
    return 0


def _day(text: str, flag: str) -> date:
    day = parse_day(text, flag)
    assert day is not None  # the flag is required
    return day
