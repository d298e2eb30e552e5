"""`govkpi alerts ...`: the daily job, the scheduler, and silences/acknowledgements by hand.

    govkpi alerts run [--config FILE] [--date DATE] [--dry-run] [--data DIR] [--store PATH]
                      [--outbox-dir DIR] [--no-compute] [--no-detect] [--log-format text|json]
    govkpi alerts schedule [--config FILE] [--store PATH] [--log-format text|json]
    govkpi alerts silence [--metric GLOB] [--slice GLOB] --until TIME --reason TEXT --author NAME
                          (at least one of --metric/--slice; `*` typed on purpose matches all)
    govkpi alerts unsilence ID --author NAME
    govkpi alerts ack METRIC SLICE RULE --author NAME [--note TEXT] [--url URL]
    govkpi alerts status          (alerts, silences, last run, mail, export freshness)
    govkpi alerts history | backtest | resolve | feedback    (govkpi/commands/alert_ledger/)

Exit codes: 0 done; 2 bad configuration or arguments; 3 delivery failed and is queued.
"""

from __future__ import annotations

import argparse
import logging
import shlex
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd

from govkpi.commands import alert_ledger, outbox
from govkpi.commands.common import add_config_arg, add_store_arg, command_settings
from govkpi.log_format import LOG_FORMATS, use_log_format
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from metrics.presentation import (
    SLICE_SEPARATOR,
    describe_slice,
    describe_slice_pattern,
    format_time,
    plural,
)
from metrics.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="alert lifecycle, digest emails and the scheduler",
        description="Evaluate alerts and mail the daily digests (see docs/alerts.md).",
    )
    sub = parser.add_subparsers(
        dest="alerts_command", metavar="ACTION", required=True, help="what to do"
    )

    run = sub.add_parser("run", help="the daily job: compute, detect, evaluate, notify")
    _common(run)
    run.add_argument("--date", metavar="DATE", help="evaluate as of this day (default: yesterday)")
    run.add_argument("--dry-run", action="store_true", help="write .eml files, send nothing")
    run.add_argument(
        "--data", metavar="DIR", help="export folder (default: `data` of the settings)"
    )
    run.add_argument(
        "--outbox-dir", metavar="DIR", help="where --dry-run writes .eml files (`outbox_dir`)"
    )
    run.add_argument("--no-compute", action="store_true", help="skip computing the metrics")
    run.add_argument("--no-detect", action="store_true", help="skip the anomaly detector")
    _log_format_arg(run)
    run.set_defaults(handler=run_command)

    schedule = sub.add_parser(
        "schedule",
        help="run the daily job on the configured cron",
        description="Run the daily job on the configured cron ([schedule] cron and timezone), "
        "one scheduler per store. SIGTERM or SIGINT (Ctrl-C) stops it within seconds with exit "
        "code 0: idle, at once; during a run, compute and detection are abandoned (the store "
        "stays as it was and the next start catches the run up), while mail being sent is "
        "sent and recorded first. The lock is released, so a new scheduler can start at once.",
    )
    _common(schedule)
    _log_format_arg(schedule)
    schedule.set_defaults(handler=schedule_command)

    silence = sub.add_parser(
        "silence",
        help="mute notifications for matching alerts",
        description="Mute notifications (not evaluation) for alerts whose metric id and slice "
        "match. Give --metric, --slice or both; with neither it refuses (exit 2): type "
        "--metric '*' to mute every alert on purpose.",
    )
    _common(silence)
    silence.add_argument(
        "--metric",
        help="metric id glob, e.g. complaint_rate or '*_rate' (give --metric, --slice or both; "
        "the one left out matches everything)",
    )
    silence.add_argument(
        "--slice",
        help="slice glob, e.g. 'market=ES*' or all (give --metric, --slice or both; "
        "'*' matches every slice on purpose)",
    )
    silence.add_argument(
        "--until",
        required=True,
        help="ISO time (naive = reporting zone) or a date: the end of that day in the "
        "reporting zone",
    )
    silence.add_argument("--reason", required=True, help="why (shown on the Alerts page)")
    silence.add_argument("--author", required=True, help="who silences")
    silence.set_defaults(handler=silence_command)

    unsilence = sub.add_parser("unsilence", help="end a silence now")
    _common(unsilence)
    unsilence.add_argument("silence_id", help="the id `silence` printed")
    unsilence.add_argument("--author", required=True, help="who ends it")
    unsilence.set_defaults(handler=unsilence_command)

    ack = sub.add_parser("ack", help="acknowledge a firing alert (stops reminders)")
    _common(ack)
    ack.add_argument("metric_id", help="metric id, e.g. complaint_rate")
    ack.add_argument("slice", help="slice, e.g. market=ES")
    ack.add_argument("rule_id", help="rule id: anomaly or a threshold rule id")
    ack.add_argument("--author", required=True, help="who acknowledges")
    ack.add_argument("--note", default="", help="what is being done about it")
    ack.add_argument(
        "--url", help="action link: the ticket or page of what is being done (http or https)"
    )
    ack.set_defaults(handler=ack_command)

    status = sub.add_parser(
        "status",
        help="firing alerts, silences, the job's last run, mail and export freshness",
        description="List the firing alerts, the silences in force, then the job's health: its "
        "last run (start in the reporting zone, outcome and exit code, or the failure), the "
        "messages queued and given up (with their recipients), and each export's newest day "
        "and age in days against today in the reporting zone, flagged STALE past "
        "lifecycle.stale_after_days (GOVKPI_STALE_AFTER_DAYS, default 2 days). Exit code 0.",
    )
    _common(status)
    status.set_defaults(handler=status_command)

    outbox.register_under(sub)
    alert_ledger.register(sub, _common)


def _common(parser: argparse.ArgumentParser) -> None:
    add_config_arg(parser)
    add_store_arg(parser)


def _log_format_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=LOG_FORMATS,
        default="text",
        help="text (default), or json: one object a line on stderr with time (UTC), level, "
        "logger, message and the run's id, for log collectors",
    )


def _config(args: argparse.Namespace) -> Settings:
    flags = {
        "store": args.store,
        "data": getattr(args, "data", None),
        "outbox_dir": getattr(args, "outbox_dir", None),
    }
    return command_settings(args, flags)


def _store(config: Settings) -> MetricStore:
    if not config.store:
        raise UserError(
            "no metric store: pass --store PATH (or set GOVKPI_STORE, or `store` in the config "
            "file)"
        )
    return MetricStore(config.store)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


def run_command(args: argparse.Namespace) -> int:
    use_log_format(args.log_format)
    config = _config(args)
    # heavy (charts); only when the job runs
    from alerts.daily_job import NOTHING_TO_SEND, run_daily

    report = run_daily(
        config,
        run_date=parse_day(args.date) if args.date else None,
        dry_run=args.dry_run,
        compute=not args.no_compute,
        detect=not args.no_detect,
    )
    if not args.quiet:
        at_risk = (
            f", {plural(report.at_risk, 'complaint')} due within 24 h" if report.at_risk else ""
        )
        print(
            f"alerts as of {report.run_date}: {report.firing} firing, "
            f"{plural(report.items, 'notification')} due ({report.silenced} silenced)"
            f"{at_risk}, {plural(report.digests, 'digest')}"
        )
        if report.stale_exports:
            limit = plural(config.lifecycle.stale_after_days, "day")
            stale = ", ".join(report.stale_exports)
            print(f"no new data: {stale} (newest day more than {limit} old)")
        if not report.digests:
            print(f"{report.run_date}: {NOTHING_TO_SEND}")
        if report.dry_run:
            written = plural(len(report.eml_paths), "message")
            print(f"dry run: {written} written to {report.outbox_dir}")
        else:
            print(f"sent {plural(report.sent, 'message')}")
    return 0


def schedule_command(args: argparse.Namespace) -> int:
    from alerts.scheduler import run_scheduler

    use_log_format(args.log_format)
    config = _config(args)
    log.info(
        "scheduling `%s` in %s; SIGTERM or Ctrl-C stops it",
        config.schedule.cron,
        config.schedule_zone.key,
    )
    run_scheduler(config)
    return 0


def parse_until(text: str, config: Settings) -> datetime:
    """An ISO time (naive = reporting zone) or a date (= the end of that day in the reporting
    zone, as the dashboard's silence form)."""
    from alerts.state.silences import silence_end

    try:
        if len(text) == 10:
            return silence_end(date.fromisoformat(text), config.zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--until {text!r} is not an ISO date or time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=config.zone)


def silence_command(args: argparse.Namespace) -> int:
    from alerts.state.alert_store import add_silence

    if args.metric is None and args.slice is None:
        raise UserError(
            "choose what to silence: give --metric, --slice or both "
            "(--metric '*' silences every alert on purpose)"
        )
    config = _config(args)
    until = parse_until(args.until, config)
    metric, slice_ = args.metric or "*", args.slice or "*"
    silence_id = add_silence(_store(config), metric, slice_, until, args.reason, args.author)
    what = silenced_text(metric, slice_, _catalogue_label())
    print(f"silence {silence_id} until {format_time(until, config.zone)}: {what}")
    return 0


def _catalogue_label() -> Callable[[str], str | None]:
    """The catalogue's label of a metric id (None when the id is not an indicator)."""
    from metrics.catalogue import load_catalogue

    metrics = load_catalogue().metrics

    def label(metric_id: str) -> str | None:
        definition = metrics.get(metric_id)
        return definition.label if definition else None

    return label


def silenced_text(
    metric_pattern: str, slice_pattern: str, label: Callable[[str], str | None]
) -> str:
    """What a silence mutes, as people read it: `Complaint rate · market ES*`,
    `every indicator · whole platform`, `indicators matching *_rate · every slice`."""
    if metric_pattern == "*":
        indicators = "every indicator"
    else:
        indicators = label(metric_pattern) or f"indicators matching {metric_pattern}"
    return f"{indicators}{SLICE_SEPARATOR}{describe_slice_pattern(slice_pattern)}"


def unsilence_command(args: argparse.Namespace) -> int:
    from alerts.state.alert_store import expire_silence

    expire_silence(_store(_config(args)), args.silence_id, args.author)
    print(f"silence {args.silence_id} expired")
    return 0


def ack_command(args: argparse.Namespace) -> int:
    from alerts.notify.card_lines import rule_label
    from alerts.state.alert_store import acknowledge

    acknowledge(
        _store(_config(args)), args.metric_id, args.slice, args.rule_id, args.author, args.note,
        args.url,
    )  # fmt: skip
    label = _catalogue_label()(args.metric_id) or args.metric_id
    rule = rule_label(args.rule_id)
    print(f"acknowledged {label}{SLICE_SEPARATOR}{describe_slice(args.slice)} ({rule})")
    return 0


def status_command(args: argparse.Namespace) -> int:
    """Firing alerts as the Alerts page lists them (`dashboard.builders.alert_rows`: the same
    state words, last breach and today's value), then the silences in force."""
    from alerts.rules.rulebook import load_rules
    from alerts.state.alert_store import firing_alerts, list_silences
    from alerts.state.status_data import day_facts
    from dashboard.builders.alert_rows import breach_requests, firing_rows
    from metrics.catalogue import load_catalogue

    config = _config(args)
    store = _store(config)
    catalogue = load_catalogue()
    rulebook = load_rules(config.rules_file, catalogue=catalogue)
    with store.read() as con:
        firing = firing_alerts(con)
        silences = list_silences(con)
        facts = day_facts(con, breach_requests(firing), rulebook)
    rows = firing_rows(firing, facts, catalogue.metrics.get)
    print(f"{len(firing)} firing")
    for rec, row in zip(firing.to_dict("records"), rows.to_dict("records"), strict=True):
        print(f"  {row['State']}: {row['Indicator']}{SLICE_SEPARATOR}{row['Slice']} "
              f"(rule {row['Rule']})")  # fmt: skip
        print(f"    {row['Last breach']}. Today: {row['Today']}.")
        if row["Acknowledged by"]:
            print(f"    Firing since {row['Firing since']}; acknowledged by "
                  f"{row['Acknowledged by']}.")  # fmt: skip
        else:
            ids = " ".join(shlex.quote(str(rec[k])) for k in ("metric_id", "slice", "rule_id"))
            print(f"    Firing since {row['Firing since']}. To acknowledge: "
                  f"govkpi alerts ack {ids} --author NAME")  # fmt: skip
    print(f"{plural(len(silences), 'active silence')}")
    label = _catalogue_label()
    for rec in silences.to_dict("records"):
        until = pd.Timestamp(rec["until"])
        until = until if until.tzinfo else until.tz_localize("UTC")
        what = silenced_text(rec["metric_pattern"], rec["slice_pattern"], label)
        print(
            f"  {rec['silence_id']}: {what} until {format_time(until.to_pydatetime(), config.zone)}"
            f", by {rec['author']}: {rec['reason']}"
        )
    _print_job_health(store, config)
    _print_failed_mail(store)
    return 0


def _print_job_health(store: MetricStore, config: Settings) -> None:
    """The last run, the mail counts and each export's age (`alerts.job_health`)."""
    from alerts.job_health import job_health
    from alerts.rules.export_age import today_in

    today = today_in(config.zone)
    with store.read() as con:
        health = job_health(con, today, config.timezone, config.lifecycle.stale_after_days)
    for line in health.lines(config.zone):
        print(line)


def _print_failed_mail(store: MetricStore) -> None:
    """Messages given up: the recipient and the message, so someone can act on them."""
    from alerts.notify.outbox import failed_messages
    from alerts.state.alert_store import has_table

    with store.read() as con:
        failed = failed_messages(con) if has_table(con, "outbox") else []
    if not failed:
        return
    print(f"{plural(len(failed), 'message')} given up (`govkpi alerts outbox --retry ID` sends "
          "one again)")  # fmt: skip
    for message_id, recipient, subject, attempts, error in failed:
        print(f"  to {recipient}: {subject} ({message_id}, {plural(attempts, 'attempt')})")
        print(f"    {error}")
