"""`govkpi sla at-risk`: the open complaints whose SLA deadline is near, or already past.

    govkpi sla at-risk --date DATE [--hours H] --output FILE [--data DIR] [--timezone TZ]

Exit codes: 0 written (an empty list is a list); 2 bad arguments, settings or exports, and
then no file is written or replaced.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC
from typing import TYPE_CHECKING

from govkpi.commands.common import (
    add_config_arg,
    add_data_arg,
    command_settings,
    parse_day,
    require,
)
from govkpi.commands.output_file import output_path, write_whole
from metrics.errors import UserError
from metrics.presentation import format_day, format_time

if TYPE_CHECKING:
    pass

DEFAULT_HOURS = 24  # kept equal to metrics.deadlines.time_left.DEFAULT_HOURS (a test checks)

DESCRIPTION = """\
Lists every complaint received by the end of DATE and still undecided at the end of DATE
whose SLA deadline falls within H hours after the end of DATE. With --overdue, also every
such complaint whose deadline has already passed (status `overdue`, negative hours_left):
those need action first, and no other list names them. Days and times are in the reporting
time zone.

Deadlines are the ones the sla_compliance indicator judges: authority orders 2 working days
and product-safety notices 3 working days in the market's calendar (public holidays and
weekends), rights_holder and trusted_flagger notices 24 h, consumer complaints 72 h.

Columns: complaint_id, listing_id, market, channel, issue_type, received_at, deadline
(reporting-zone time with its UTC offset), hours_left (after the end of DATE, 0.1 h),
status (at_risk, or overdue with --overdue), clock (the SLA that set the deadline),
timezone. Rows in deadline order. The exports are validated first."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sla",
        help="SLA clocks of open complaints",
        description="SLA clocks of open complaints (see docs/sla.md).",
    )
    actions = parser.add_subparsers(
        dest="sla_command", metavar="ACTION", required=True, help="what to list"
    )
    at_risk = actions.add_parser(
        "at-risk",
        help="open complaints whose SLA deadline is within H hours (--overdue: or past)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arg(at_risk)
    add_data_arg(at_risk)
    at_risk.add_argument(
        "--date",
        required=True,
        metavar="DATE",
        help="the day whose end the clocks are read at (YYYY-MM-DD, reporting time zone); at "
        "most the last day the complaints export covers",
    )
    at_risk.add_argument(
        "--hours",
        default=str(DEFAULT_HOURS),
        metavar="H",
        help=f"how far after the end of DATE a deadline counts as at risk, in hours (a number "
        f"above 0; default {DEFAULT_HOURS})",
    )
    at_risk.add_argument(
        "--output",
        required=True,
        metavar="FILE",
        help="file to write: Parquet when it ends in .parquet, else CSV (UTF-8, header row); "
        "written whole or not at all",
    )
    at_risk.add_argument(
        "--overdue",
        action="store_true",
        help="also list the open complaints whose deadline has already passed at the end of "
        "DATE (status overdue, negative hours_left), first in the list",
    )
    at_risk.add_argument(
        "--timezone",
        metavar="TZ",
        help="reporting time zone that defines a day (IANA name); default: `timezone` of the "
        "settings ($GOVKPI_TIMEZONE), else UTC",
    )
    at_risk.set_defaults(handler=run_at_risk)


def parse_hours(text: str) -> float:
    try:
        hours = float(text)
    except ValueError:
        raise UserError(f"--hours: {text!r} is not a number of hours") from None
    if not math.isfinite(hours) or hours <= 0:
        raise UserError(f"--hours: {text!r} must be a number of hours above 0")
    return hours


def run_at_risk(args: argparse.Namespace) -> int:
    from metrics.deadlines.open_cases import read_open_cases
    from metrics.deadlines.time_left import at_risk, at_risk_csv, at_risk_table
    from metrics.validation.report import require_valid

    day = parse_day(args.date, "--date")
    assert day is not None  # --date is required
    hours = parse_hours(args.hours)
    settings = command_settings(args, {"data": args.data, "timezone": args.timezone})
    data = require(settings.data, "--data", "data", "GOVKPI_DATA")
    output = output_path(args.output)
    require_valid(data)
    found = read_open_cases(data, day, settings.timezone)
    table = at_risk_table(at_risk(found.cases, hours, overdue=args.overdue), settings.timezone)
    content = table.to_parquet(index=False) if output.endswith(".parquet") else None
    write_whole(output, content if content is not None else at_risk_csv(table))
    if not args.quiet:
        overdue = int((found.cases["hours_left"] < 0).sum())
        due = int((table["status"] != "overdue").sum())
        as_of = format_time(found.data_as_of.replace(tzinfo=UTC), settings.zone)
        past = "listed too" if args.overdue else "not listed; --overdue lists them"
        print(
            f"wrote {len(table):,} open complaints to {output}: {due:,} due within {hours:g} h "
            f"after the end of {format_day(day)}; {overdue:,} already overdue ({past}); "
            f"times in {settings.timezone}; complaints export as of {as_of}"
        )
    return 0
