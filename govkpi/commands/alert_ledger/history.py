"""`govkpi alerts history --from DATE --to DATE --output FILE`: every alert episode overlapping
a period, with its closure and the team's clocks, as CSV."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from govkpi.commands.alert_ledger.output import add_period_args, period
from govkpi.commands.common import command_settings, require
from govkpi.commands.output_file import output_path, write_whole
from metrics.metric_store import MetricStore
from metrics.presentation import format_period, plural

DESCRIPTION = (
    "Write one CSV row per alert episode (a rule firing on an indicator's slice, from the day "
    "it started firing until it resolved) that overlaps the period: rule_id, metric_id, slice, "
    "severity (the highest reached), pending_since (first breached day), firing_since, "
    "resolved_on, acknowledged_by, acknowledged_at, note, action_url, feedback, resolution "
    "(recovered, or the reason given by hand: action_taken, false_alarm, expected), the clocks "
    "days_to_detect (first breached day to firing), days_to_acknowledge (firing to the first "
    "acknowledgement) and days_to_resolve (firing to resolution), then state, alert_days, "
    "resolved_by, resolved_at, resolution_note, feedback_by, feedback_at and timezone. Days "
    "are calendar days in the reporting time zone; times are ISO 8601 in that zone, which the "
    "last column names. Every episode the job ever recorded is kept."
)


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    parser = sub.add_parser(
        "history", help="every alert episode of a period as CSV", description=DESCRIPTION
    )
    common(parser)
    add_period_args(parser, "episodes still firing on it or that started later are written")
    parser.add_argument(
        "--output", required=True, metavar="FILE", help="the CSV file to write (replaced whole)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from alerts.state.history import episode_history, history_csv

    start, end = period(args)
    target = output_path(args.output)
    config = command_settings(args, {"store": args.store})
    store = MetricStore(require(config.store, "--store", "store", "GOVKPI_STORE"))
    with store.read() as con:
        history = episode_history(con, start, end, config.zone)
    write_whole(target, history_csv(history, config.zone))
    if not args.quiet:
        firing = int((history["state"] == "firing").sum())
        print(
            f"wrote {plural(len(history), 'episode')} overlapping {format_period(start, end)} "
            f"({firing} still firing, {len(history) - firing} resolved) to {target}; "
            f"days and times in {config.zone.key}"
        )
    return 0
