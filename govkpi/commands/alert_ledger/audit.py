"""`govkpi alerts audit [--limit N]`: the audit log (who changed which alert, when, in which
role), newest first, one line each; times in the reporting time zone, which is named."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pandas as pd

from govkpi.commands.common import command_settings, require
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from metrics.presentation import format_time

DESCRIPTION = (
    "Print the audit log, newest first: when (in the reporting time zone), who (the signed-in "
    "identity on the dashboard, else the name given), role (viewer, operator, admin when "
    "signed in; local without sign-in: the command line, or the dashboard in local mode), "
    "action (acknowledge, resolve, feedback, silence, end_silence, retry_mail, drop_mail), "
    "target (the alert as metric / slice / rule @ episode, the silence or the message) and "
    "details. Every such change writes its row in the same store write as the change."
)


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    parser = sub.add_parser(
        "audit", help="who changed which alert, when (newest first)", description=DESCRIPTION
    )
    common(parser)
    parser.add_argument(
        "--limit",
        type=int,
        default=100,
        metavar="N",
        help="print the latest N entries (default 100)",
    )
    parser.set_defaults(handler=run)


def audit_lines(entries: pd.DataFrame, zone: ZoneInfo) -> list[str]:
    lines = []
    for rec in entries.to_dict("records"):
        at = pd.Timestamp(rec["acted_at"]).to_pydatetime()
        details = json.loads(rec["details"]) if isinstance(rec["details"], str) else {}
        extra = "; ".join(f"{k}: {v}" for k, v in details.items())
        lines.append(
            f"{format_time(at, zone)}  {rec['who']} ({rec['role']})  {rec['action']}  "
            f"{rec['target']}" + (f"  [{extra}]" if extra else "")
        )
    return lines


def run(args: argparse.Namespace) -> int:
    from alerts.state.audit_log import audit_entries

    if args.limit < 1:
        raise UserError(f"--limit: {args.limit} is not a positive count of entries")
    config = command_settings(args, {"store": args.store})
    store = MetricStore(require(config.store, "--store", "store", "GOVKPI_STORE"))
    with store.read() as con:
        entries = audit_entries(con, args.limit)
    if entries.empty:
        print("the audit log is empty: no alert has been acknowledged, resolved or silenced")
        return 0
    for line in audit_lines(entries, config.zone):
        print(line)
    if not args.quiet:
        count = len(entries)
        print(f"({count:,} {'entry' if count == 1 else 'entries'}, newest first; "
              f"times in {config.zone.key})")  # fmt: skip
    return 0
