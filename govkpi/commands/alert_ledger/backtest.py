"""`govkpi alerts backtest [--rules FILE] --from DATE --to DATE --output FILE [--incidents FILE]`:
the episodes a set of rules would have raised, as if the daily job had run every day; the
store is only read."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from govkpi.commands.alert_ledger.output import add_period_args, period
from govkpi.commands.common import command_settings, require
from govkpi.commands.output_file import output_path, write_whole
from metrics.metric_store import MetricStore
from metrics.presentation import SLICE_SEPARATOR, describe_slice, format_period, plural

EVENT_NOUNS = {"new": "new alert", "escalated": "escalation", "reminder": "reminder",
               "resolved": "resolution"}  # fmt: skip
DESCRIPTION = (
    "Step the alert lifecycle over the stored series and detections with the given threshold "
    "rules, as if the daily job had run every day of the period, and write the episodes it "
    "would have raised in the columns of `govkpi alerts history` (without the closure ones). "
    "The replay starts lifecycle.warmup_days before --from from a clean state, as the job's "
    "first run does. Nothing is written to the store. Prints the episodes, the alert-days, the "
    "notifications one recipient of every alert would have been sent (no silences, nobody "
    "acknowledging) and, with --incidents, which planted incidents were caught and when."
)


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    parser = sub.add_parser(
        "backtest", help="what a set of rules would have fired", description=DESCRIPTION
    )
    common(parser)
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="threshold rules file to try (default: the rules in force, `rules_file` of the "
        "settings, else the packaged rules)",
    )
    add_period_args(parser, "the first day whose episodes and notifications count")
    parser.add_argument(
        "--output", required=True, metavar="FILE", help="the CSV file of episodes to write"
    )
    parser.add_argument(
        "--incidents",
        metavar="FILE",
        help="a sample's incidents.json: report which planted incidents an episode on their "
        "own indicator and slice caught, and on which day",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from alerts.backtest import backtest
    from alerts.incident_catches import CATCH_DAYS, catches, read_incidents
    from alerts.rules.rulebook import load_rules
    from alerts.state.history import history_csv
    from metrics.catalogue import load_catalogue

    start, end = period(args)
    target = output_path(args.output)
    config = command_settings(args, {"store": args.store})
    store = MetricStore(require(config.store, "--store", "store", "GOVKPI_STORE"))
    entries = read_incidents(args.incidents) if args.incidents else None
    catalogue = load_catalogue()
    rulebook = load_rules(args.rules or config.rules_file, catalogue=catalogue)
    with store.read() as con:
        result = backtest(con, catalogue, rulebook, config, start, end)
    write_whole(target, history_csv(result.episodes, config.zone))
    if args.quiet:
        return 0
    episodes = result.episodes
    firing = int((episodes["state"] == "firing").sum())
    sent = result.notifications
    print(
        f"backtest of {rulebook.source} (version {rulebook.version}) over "
        f"{format_period(start, end)}, days in {config.zone.key}; replayed from "
        f"{result.replay_start} (warm-up of {plural(config.lifecycle.warmup_days, 'day')})"
    )
    print(
        f"  {plural(len(episodes), 'episode')} ({firing} still firing on {end}), "
        f"{plural(result.alert_days, 'alert-day')}"
    )
    detail = ", ".join(plural(sent[e], noun) for e, noun in EVENT_NOUNS.items())
    print(
        f"  {plural(sum(sent.values()), 'notification')} to one recipient of every alert "
        f"({detail}) in {plural(result.digest_days, 'daily digest')}"
    )
    if entries is not None:
        found = catches(entries, episodes, start, end)
        caught = [c for c in found if c.caught_on is not None]
        print(
            f"  {len(caught)} of {plural(len(found), 'planted incident')} in the period caught "
            f"(an episode on its own indicator and slice, up to {CATCH_DAYS} days after it)"
        )
        for c in found:
            where = f"{c.incident} ({c.start} .. {c.end})"
            if c.caught_on is None:
                print(f"    missed: {where}")
                continue
            series = f"{c.metric_id}{SLICE_SEPARATOR}{describe_slice(c.slice or 'all')}"
            print(f"    caught on {c.caught_on} ({_lead(c.days_after_start)}): {where} by "
                  f"{series} (rule {c.rule_id})")  # fmt: skip
    print(f"wrote {plural(len(episodes), 'episode')} to {target}")
    return 0


def _lead(days: int | None) -> str:
    """`2 days after it began`, `on its first day`, `already firing 3 days before it`."""
    if not days:
        return "on its first day"
    if days > 0:
        return f"{plural(days, 'day')} after it began"
    return f"already firing {plural(-days, 'day')} before it began"
