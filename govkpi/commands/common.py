"""Argument helpers shared by the subcommands: settings from flags or GOVKPI_* variables."""

from __future__ import annotations

import argparse
import os
from datetime import date

from metrics.errors import UserError


def add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="folder (or s3:// prefix) holding the Parquet exports; default: $GOVKPI_DATA",
    )


def add_store_arg(parser: argparse.ArgumentParser, required_help: str = "") -> None:
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=f"metric store file (DuckDB); default: $GOVKPI_STORE{required_help}",
    )


def resolve(value: str | None, env: str, flag: str) -> str:
    """The flag's value, else the environment variable's, else a clear exit-2 error."""
    resolved = value or os.environ.get(env)
    if not resolved:
        raise UserError(f"{flag} is required (or set {env})")
    return resolved


def parse_day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None


def reporting_tz(value: str | None = None) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = value or os.environ.get("GOVKPI_TIMEZONE") or "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {tz!r} (use an IANA name like Europe/Madrid)") from None
    return tz
