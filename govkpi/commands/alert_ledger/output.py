"""What the ledger commands share: a period from --from/--to, and an output file written
whole or not at all."""

from __future__ import annotations

import argparse
import os
import tempfile
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


def output_path(text: str) -> str:
    """The absolute output path, refused before any work when its folder does not exist."""
    path = os.path.abspath(text)
    if os.path.isdir(path):
        raise UserError(f"--output {text} is a folder; name a file, e.g. {text}/episodes.csv")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise UserError(f"--output: folder {folder} does not exist")
    return path


def write_whole(path: str, text: str) -> None:
    """Writes to a temporary file beside `path` and renames it: never a partial file."""
    fd, tmp = tempfile.mkstemp(prefix=".govkpi-", suffix=".tmp", dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
