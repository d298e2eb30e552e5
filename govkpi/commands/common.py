"""Argument helpers shared by the subcommands: every command reads `metrics.settings`.

A command adds `--config` and its own flags, then asks `command_settings(args, {key: flag})`
for the settings: flags > GOVKPI_* environment > the TOML file > defaults, the same for all.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date
from typing import Any

from metrics.errors import UserError
from metrics.settings import Settings, load_settings


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", metavar="FILE", help="TOML settings file (default: $GOVKPI_CONFIG)"
    )


def add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        metavar="DIR",
        help="folder (or s3:// prefix; with --engine spark also s3a:// or hdfs://) holding "
        "the Parquet exports; default: `data` of the settings ($GOVKPI_DATA)",
    )


def add_engine_arg(parser: argparse.ArgumentParser) -> None:
    from metrics.engines import ENGINES

    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="duckdb (one process) or spark (the [spark] settings: master, remote, conf, "
        "tables); default: `engine` of the settings ($GOVKPI_ENGINE), else duckdb",
    )


def add_store_arg(parser: argparse.ArgumentParser, required_help: str = "") -> None:
    parser.add_argument(
        "--store",
        metavar="PATH",
        help=f"metric store file (DuckDB); default: `store` of the settings ($GOVKPI_STORE)"
        f"{required_help}",
    )


def command_settings(args: argparse.Namespace, flags: Mapping[str, Any] | None = None) -> Settings:
    """The settings with this command's flags on top (`{"store": args.store}`; None = not
    given). Every problem at once, as one ConfigError (exit code 2)."""
    return load_settings(getattr(args, "config", None), flags=flags)


def require(value: str | None, flag: str, key: str, variable: str) -> str:
    """A setting the command cannot do without, else a clear exit-2 error naming every way
    to give it."""
    if not value:
        raise UserError(f"{flag} is required (or set {variable}, or `{key}` in the config file)")
    return value


def parse_day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag}: {text!r} is not a date (YYYY-MM-DD)") from None
