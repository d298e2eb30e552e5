"""The `govkpi` command: the one composition root that wires metrics, alerts and dashboard.

Each subcommand lives in `govkpi/commands/<name>.py` with `register(subparsers)`, which adds
its parser and sets `handler(args) -> int`. Errors are turned into exit codes here only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from govkpi.commands import (
    alerts,
    compute,
    config,
    dashboard,
    demo,
    detect,
    export,
    metrics_list,
    sample,
    validate,
)
from govkpi.commands.compliance import report, risk, sla
from metrics.errors import DeliveryQueuedError, UserError
from metrics.package_version import govkpi_version

# Order is the order shown in --help.
COMMANDS = [
    sample,
    validate,
    compute,
    metrics_list,
    export,
    detect,
    report,
    alerts,
    risk,
    sla,
    dashboard,
    demo,
    config,
]

EPILOG = """exit codes: 0 success; 2 bad input or configuration (one line on stderr);
3 delivery failed and is queued; 1 unexpected internal error.
Settings: flags > GOVKPI_* environment variables > the TOML file (--config or GOVKPI_CONFIG)
> defaults; `govkpi config show` prints them (see docs/alerts.md)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govkpi",
        description="Early warning for marketplace governance indicators.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="only print warnings and errors (for cron)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print debug logging")
    parser.add_argument("--version", action="version", version=f"govkpi {govkpi_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def _configure_logging(quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.quiet, args.verbose)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"govkpi: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except DeliveryQueuedError as exc:
        print(f"govkpi: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # `govkpi metrics | head`: the reader went away; not an error worth a traceback.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("govkpi: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
