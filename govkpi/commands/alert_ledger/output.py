"""What the ledger commands share: a period from --from/--to."""

from __future__ import annotations

import argparse
from datetime import date

from govkpi.commands.common import parse_day
from metrics.errors import UserError


def add_period_args(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="DATE",
        help=f"first day of the period (YYYY-MM-DD, a day in the reporting time zone): {what}",
    )
    parser.add_argument(
        "--to", dest="end", required=True, metavar="DATE", help="last day of the period, included"
    )


def period(args: argparse.Namespace) -> tuple[date, date]:
    start, end = parse_day(args.start, "--from"), parse_day(args.end, "--to")
    assert start is not None and end is not None  # both are required arguments
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    return start, end
