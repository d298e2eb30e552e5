"""The documentation shows only commands and options that exist (as datasette tests its docs).

Every `govkpi ...` command line in README.md and docs/*.md, in fenced code blocks, in inline
code spans and so in the tables, is walked through the real argparse parser: each subcommand
must exist where it is shown, and each `--option` must be accepted by the command it follows.
Every subcommand the parser has is also shown somewhere, so a new command is documented.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from govkpi.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~)")
INLINE_CODE = re.compile(r"`([^`]+)`")
# `govkpi` as a program: at the start, after a space or a path (`.venv/bin/govkpi`); never
# `govkpi.toml` or `/srv/govkpi/`.
PROGRAM = re.compile(r"(?:^|(?<=[\s/]))govkpi(?=\s|$)")
# Where one shell command ends and the next (or a comment) begins.
COMMAND_END = re.compile(r"\s#|&&|\|\||;|\s\|\s|\\$")


@dataclass(frozen=True)
class Shown:
    """One command line as the docs show it: where, and the text after `govkpi`."""

    where: str
    text: str


def command_lines(text: str, name: str) -> list[Shown]:
    """The `govkpi ...` command lines of one Markdown document."""
    found: list[Shown] = []
    in_fence = False
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"{name}:{number}"
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if in_fence:
            found.extend(_after_program(line, where))
            continue
        if line.lstrip().startswith("|"):
            # A table row: the command cell may hold several spans, e.g.
            # `govkpi detect --store PATH` / `--input FILE --output FILE`.
            for cell in line.strip().strip("|").split("|"):
                if "`" in cell:
                    found.extend(_after_program(cell.replace("`", ""), where))
            continue
        for span in INLINE_CODE.findall(line):
            found.extend(_after_program(span, where))
    return found


def _after_program(code: str, where: str) -> list[Shown]:
    out = []
    for match in PROGRAM.finditer(code):
        rest = code[match.end() :]
        end = COMMAND_END.search(rest)
        out.append(Shown(where, (rest[: end.start()] if end else rest).strip()))
    return out


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return set(parser._option_string_actions)


def problems_of(shown: Shown, root: argparse.ArgumentParser) -> tuple[list[str], set[str]]:
    """What in one shown command line the parser does not have, and the commands it names."""
    tokens = [t.strip("[]") for t in shown.text.split()]
    tokens = [t for t in tokens if t]
    problems: list[str] = []
    named: set[str] = set()
    parser, path = root, "govkpi"
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("-"):
            option = token.split("=", 1)[0]
            if option not in _options(parser):
                problems.append(f"{shown.where}: `{path}` has no option {option}")
        elif (children := _subcommands(parser)) and token != "/":
            if token not in children:
                problems.append(f"{shown.where}: `{path}` has no subcommand {token!r}")
                break
            # `govkpi alerts silence / unsilence / ack`: siblings of the same parent.
            siblings = [token]
            while i + 2 < len(tokens) and tokens[i + 1] == "/" and tokens[i + 2][0] != "-":
                sibling = tokens[i + 2]
                if sibling in children:
                    siblings.append(sibling)
                else:
                    problems.append(f"{shown.where}: `{path}` has no subcommand {sibling!r}")
                i += 2
            named.update(f"{path} {s}" for s in siblings)
            parser, path = children[siblings[-1]], f"{path} {siblings[-1]}"
        # Anything else is a placeholder or a value (PATH, ID, /tmp/x, 7).
        i += 1
    return problems, named


def _shown_in_docs() -> list[Shown]:
    return [
        shown
        for doc in DOCS
        for shown in command_lines(doc.read_text(encoding="utf-8"), doc.relative_to(ROOT).name)
    ]


def _all_commands(parser: argparse.ArgumentParser, path: str = "govkpi") -> set[str]:
    out: set[str] = set()
    for name, child in _subcommands(parser).items():
        out.add(f"{path} {name}")
        out |= _all_commands(child, f"{path} {name}")
    return out


def test_every_documented_command_and_option_exists() -> None:
    root = build_parser()
    shown = _shown_in_docs()
    problems = [p for s in shown for p in problems_of(s, root)[0]]
    assert not problems, "documented but not in the parser:\n" + "\n".join(problems)


def test_every_command_is_documented() -> None:
    root = build_parser()
    named = set().union(*(problems_of(s, root)[1] for s in _shown_in_docs()))
    missing = sorted(_all_commands(root) - named)
    assert not missing, "commands the docs never show: " + ", ".join(missing)


def test_the_scan_finds_the_commands_of_code_blocks_tables_and_inline_code() -> None:
    texts = {s.text for s in _shown_in_docs()}
    assert "alerts run --dry-run" in texts  # fenced block, comment cut off
    assert "-q alerts run" in texts  # the cron line, after a path
    assert "detect --store PATH / --input FILE --output FILE" in texts  # a table cell
    assert "metrics --sql ID" in texts  # inline code in prose
    assert "demo" in texts  # after `&&` on the install line


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ("```sh\ngovkpi configure show\n```", "`govkpi` has no subcommand 'configure'"),
        ("| `govkpi compute --data DIR [--nope]` | x |", "`govkpi compute` has no option --nope"),
        ("Run `govkpi alerts ack / snooze`.", "`govkpi alerts` has no subcommand 'snooze'"),
        ("`govkpi -x alerts run`", "`govkpi` has no option -x"),
        ("`govkpi alerts run -q`", "`govkpi alerts run` has no option -q"),
    ],
)
def test_an_option_or_command_that_does_not_exist_is_reported(doc: str, expected: str) -> None:
    root = build_parser()
    problems = [p for s in command_lines(doc, "doc.md") for p in problems_of(s, root)[0]]
    assert [p.split(": ", 1)[1] for p in problems] == [expected]
