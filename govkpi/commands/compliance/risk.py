"""`govkpi risk --date D --output FILE`: the risk matrix of markets x categories (CSV)."""

from __future__ import annotations

import argparse

from govkpi.commands.common import (
    add_config_arg,
    add_data_arg,
    command_settings,
    parse_day,
    require,
)
from govkpi.commands.output_file import output_path, write_whole


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "risk",
        help="risk matrix: likelihood x severity x exposure per market and category",
        description=(
            "Write the risk matrix for the 28 days ending on --date (reporting time zone) as "
            "CSV: one row per market x category with its likelihood (violations -- upheld "
            "complaints plus removals -- per 10,000 live listings), severity (mean weight of "
            "those violations, graded on the EU Safety Gate risk levels), exposure (orders, "
            "else views, else live listings), score = likelihood / 10,000 x exposure x "
            "severity, and the change against the 28 days before; the cells that rose most "
            "come first. See docs/risk.md."
        ),
    )
    add_config_arg(parser)
    add_data_arg(parser)
    parser.add_argument(
        "--date", metavar="DATE", required=True, help="last day of the window (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--output", metavar="FILE", required=True, help="CSV file to write (replaced whole)"
    )
    parser.add_argument(
        "--severity",
        metavar="FILE",
        help="TOML grading each issue type serious/high/medium/low and weighting the levels "
        "(default: the packaged metrics/risk/severity.toml)",
    )
    parser.add_argument(
        "--window-days",
        type=int,
        default=28,
        metavar="N",
        help="days in the window and in the window it is compared with (default 28)",
    )
    parser.add_argument(
        "--timezone",
        metavar="TZ",
        help="reporting time zone that defines a day (IANA name); default: `timezone` of the "
        "settings ($GOVKPI_TIMEZONE), else UTC",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from metrics.risk.matrix import risk_matrix
    from metrics.risk.report import matrix_csv, summary_lines
    from metrics.risk.severity import load_severity

    settings = command_settings(args, {"data": args.data, "timezone": args.timezone})
    data = require(settings.data, "--data", "data", "GOVKPI_DATA")
    day = parse_day(args.date, "--date")
    assert day is not None  # --date is required
    output = output_path(args.output)
    severity = load_severity(args.severity)
    matrix = risk_matrix(data, day, severity, tz=settings.timezone, window_days=args.window_days)
    write_whole(output, matrix_csv(matrix))
    if not args.quiet:
        print("\n".join(summary_lines(matrix, args.output)))
    return 0
