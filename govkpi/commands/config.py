"""`govkpi config show [--config FILE]`: the effective settings and where each came from.

One line per setting: the key as the TOML file spells it, the value as TOML writes it, and its
origin: `file`, `env (GOVKPI_X)`, `flag` or `default`. The SMTP password is shown as
******** (or "(not set)"), never in clear. Wrong settings exit 2 with every problem on one line,
as any other command would.
"""

from __future__ import annotations

import argparse

from govkpi.commands.common import add_config_arg, command_settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "config",
        help="show the effective settings (secrets masked) and where each came from",
        description=(
            "Settings come from command-line flags, GOVKPI_* environment variables, the TOML "
            "file (--config or GOVKPI_CONFIG) and defaults, in that order of precedence."
        ),
    )
    actions = parser.add_subparsers(
        dest="config_command", metavar="ACTION", required=True, help="what to do"
    )
    show = actions.add_parser(
        "show", help="print every setting, its value and its origin (file, env, flag, default)"
    )
    add_config_arg(show)
    show.set_defaults(handler=show_command)


def show_command(args: argparse.Namespace) -> int:
    from metrics.settings import effective_rows

    settings = command_settings(args)
    print(f"# config file: {settings.config_file or '(none)'}")
    rows = effective_rows(settings)
    key_width = max(len(key) for key, _, _ in rows)
    value_width = min(max(len(value) for _, value, _ in rows), 48)
    for key, value, origin in rows:
        print(f"{key:<{key_width}}  {value:<{value_width}}  # {origin}")
    return 0
