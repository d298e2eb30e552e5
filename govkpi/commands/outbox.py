"""`govkpi alerts outbox`: the messages waiting to be sent or given up, and what to do with them.

govkpi alerts outbox                       # queued and failed messages
govkpi alerts outbox --retry ID --author NAME   # a failed message goes back to the queue
govkpi alerts outbox --drop ID --author NAME    # a queued or failed message is never sent
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from govkpi.commands.common import add_config_arg, add_store_arg, command_settings, require
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from metrics.presentation import plural


def register_under(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "outbox",
        help="list queued and failed messages; --retry or --drop one",
        description="List the digests still queued (a transient failure: the next run sends "
        "them) and those given up (refused for good with a 5xx reply, or out of "
        "smtp.max_attempts attempts). --retry puts a message back in the queue with its "
        "attempts reset, for the next run to send; --drop makes sure it is never sent. Both "
        "take --author and keep the row, marked with who did it and when.",
    )
    add_config_arg(parser)
    add_store_arg(parser)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--retry", metavar="ID", help="message id (or a unique part of it)")
    action.add_argument("--drop", metavar="ID", help="message id (or a unique part of it)")
    parser.add_argument("--author", help="who retries or drops (required with either)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from alerts.notify.outbox import drop, find_message, outbox_listing, requeue
    from alerts.state.alert_store import ensure_schema, has_table
    from alerts.state.audit_log import LOCAL_ROLE, record

    settings = command_settings(args, {"store": args.store})
    store = MetricStore(require(settings.store, "--store", "store", "GOVKPI_STORE"))
    if not store.exists():
        raise UserError(f"no metric store at {store.path}")
    target = args.retry or args.drop
    if target is not None:
        if not (args.author or "").strip():
            raise UserError("--author NAME is required with --retry and --drop")
        with store.write_ledger(with_store=False) as con:
            ensure_schema(con)
            message_id = find_message(con, target)
            act = requeue if args.retry else drop
            now = datetime.now(UTC)
            act(con, message_id, args.author.strip(), now)
            action = "retry_mail" if args.retry else "drop_mail"
            record(con, args.author.strip(), LOCAL_ROLE, action, message_id, None, now)
        if not args.quiet:
            verb = "queued again (the next run sends it)" if args.retry else "dropped"
            print(f"{message_id}: {verb}")
        return 0
    with store.read() as con:
        rows = outbox_listing(con) if has_table(con, "outbox") else []
    queued = [r for r in rows if r["status"] == "queued"]
    failed = [r for r in rows if r["status"] == "failed"]
    print(f"{plural(len(queued), 'queued message')}, {plural(len(failed), 'failed message')}")
    for row in rows:
        attempts = plural(int(str(row["attempts"])), "attempt")
        print(
            f"  {row['status']}: {row['message_id']} to {row['recipient']} "
            f"(digest of {row['run_date']:%Y-%m-%d}, {attempts})"
        )
        print(f"    {row['subject']}")
        if row["last_error"]:
            print(f"    last error: {row['last_error']}")
    return 0
