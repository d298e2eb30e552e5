"""`govkpi alerts resolve` and `govkpi alerts feedback`: closing an alert episode by hand, as
`govkpi alerts ack` acknowledges one (METRIC SLICE RULE, --author)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from govkpi.commands.common import command_settings, parse_day, require
from metrics.metric_store import MetricStore
from metrics.presentation import SLICE_SEPARATOR, describe_slice


def _alert_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("metric_id", help="metric id, e.g. complaint_rate")
    parser.add_argument("slice", help="slice, e.g. market=ES")
    parser.add_argument("rule_id", help="rule id: anomaly or a threshold rule id")


def _episode_arg(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--episode",
        metavar="DATE",
        help=f"the episode's firing_since day, as `govkpi alerts history` writes it "
        f"(default: {default})",
    )


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    from alerts.state.closure import FEEDBACK_VERDICTS, RESOLUTION_REASONS

    resolve = sub.add_parser(
        "resolve",
        help="resolve an alert episode by hand, with a reason",
        description="Close an alert episode by hand: it leaves the firing lists and the digest "
        "says nothing more about it. The lifecycle goes on judging the data: once the indicator "
        "recovers the episode ends, and a later breach starts a new one. An episode the "
        "lifecycle already resolved can be given a reason with --episode.",
    )
    common(resolve)
    _alert_args(resolve)
    resolve.add_argument(
        "--reason",
        required=True,
        choices=RESOLUTION_REASONS,
        help="action_taken (the cause was dealt with), false_alarm (nothing was wrong) or "
        "expected (e.g. a planned policy change)",
    )
    resolve.add_argument("--note", required=True, help="what was done or why (shown in history)")
    resolve.add_argument("--author", required=True, help="who resolves")
    _episode_arg(resolve, "the episode firing now")
    resolve.set_defaults(handler=resolve_command)

    feedback = sub.add_parser(
        "feedback",
        help="say whether an alert episode was useful",
        description="Record whether an alert episode was worth raising: the Alerts page shows "
        "the false-alarm share (not_useful among episodes with feedback) per area and month.",
    )
    common(feedback)
    _alert_args(feedback)
    feedback.add_argument("verdict", choices=FEEDBACK_VERDICTS, help="useful or not_useful")
    feedback.add_argument("--author", required=True, help="who judges")
    feedback.add_argument("--note", default="", help="why (optional)")
    _episode_arg(feedback, "the episode firing now, else the alert's latest")
    feedback.set_defaults(handler=feedback_command)


def _store(args: argparse.Namespace) -> MetricStore:
    config = command_settings(args, {"store": args.store})
    return MetricStore(require(config.store, "--store", "store", "GOVKPI_STORE"))


def _what(args: argparse.Namespace) -> str:
    from alerts.notify.card_lines import rule_label
    from metrics.catalogue import load_catalogue

    definition = load_catalogue().metrics.get(args.metric_id)
    label = definition.label if definition else args.metric_id
    return f"{label}{SLICE_SEPARATOR}{describe_slice(args.slice)} ({rule_label(args.rule_id)})"


def resolve_command(args: argparse.Namespace) -> int:
    from alerts.state.closure import REASON_TEXT, resolve

    episode = resolve(
        _store(args), args.metric_id, args.slice, args.rule_id, args.reason, args.note,
        args.author, parse_day(args.episode, "--episode"),
    )  # fmt: skip
    print(f"resolved {_what(args)}, firing since {episode}: {REASON_TEXT[args.reason]}")
    return 0


def feedback_command(args: argparse.Namespace) -> int:
    from alerts.state.closure import give_feedback

    episode = give_feedback(
        _store(args), args.metric_id, args.slice, args.rule_id, args.verdict, args.author,
        args.note, parse_day(args.episode, "--episode"),
    )  # fmt: skip
    verdict = args.verdict.replace("_", " ")
    print(f"feedback on {_what(args)}, firing since {episode}: {verdict}")
    return 0
