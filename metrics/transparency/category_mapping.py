"""Which DSA statement category each removal reason and issue type belongs to.

The mapping is a TOML file: the packaged `dsa_mapping.toml`, or one the user gives (with
`--mapping FILE` or the `dsa_mapping` setting), which replaces it entirely. Every problem in a
file is reported at once in one UserError line (exit code 2): an unknown category code, a
reason the export contract does not have, a value that is not text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from metrics.contract import REMOVAL_REASONS
from metrics.errors import UserError
from metrics.transparency.dsa_categories import CATEGORIES, UNMAPPED

PACKAGED = "dsa_mapping.toml"
SECTIONS = ("reasons", "notes")


@dataclass(frozen=True)
class CategoryMapping:
    """Reason -> DSA category code, with an optional note per reason."""

    categories: dict[str, str]
    notes: dict[str, str] = field(default_factory=dict)
    # "packaged" or the file the mapping was read from: printed in the report.
    source: str = "packaged"

    def category_of(self, reason: str | None) -> str:
        return self.categories.get(reason or "", UNMAPPED)

    def used_categories(self) -> list[str]:
        """The categories the mapping assigns, in the official order."""
        used = set(self.categories.values())
        return [code for code in CATEGORIES if code in used]

    def unmapped_reasons(self) -> list[str]:
        """The contract's reasons the mapping leaves out (counted as unmapped)."""
        return [r for r in REMOVAL_REASONS if r not in self.categories]


def load_mapping(path: str | None = None) -> CategoryMapping:
    """The mapping in `path`, else the packaged one; UserError naming every problem."""
    if path is None:
        text = resources.files("metrics.transparency").joinpath(PACKAGED).read_text("utf-8")
        return parse_mapping(text, "packaged")
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except FileNotFoundError:
        raise UserError(f"DSA mapping {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"DSA mapping {path}: cannot read it: {exc}") from None
    return parse_mapping(text, str(file))


def parse_mapping(text: str, source: str) -> CategoryMapping:
    where = "packaged DSA mapping" if source == "packaged" else f"DSA mapping {source}"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where}: not valid TOML: {exc}") from None
    problems = [
        f"unknown section {key!r} (allowed: reasons, notes)" for key in data if key not in SECTIONS
    ]
    reasons = _table(data, "reasons", problems)
    notes = _table(data, "notes", problems)
    if "reasons" not in data:
        problems.append("no [reasons] table")
    for reason, code in reasons.items():
        if reason not in REMOVAL_REASONS:
            problems.append(
                f"unknown reason {reason!r} (the contract's: {', '.join(REMOVAL_REASONS)})"
            )
        elif not isinstance(code, str) or code not in CATEGORIES:
            problems.append(
                f"{reason}: {code!r} is not a DSA statement category "
                f"(one of: {', '.join(CATEGORIES)})"
            )
    for reason, note in notes.items():
        if reason not in reasons:
            problems.append(f"notes.{reason}: no such reason in [reasons]")
        elif not isinstance(note, str):
            problems.append(f"notes.{reason}: must be text")
    if problems:
        more = f" (and {len(problems) - 1} more: " + "; ".join(problems[1:]) + ")"
        raise UserError(f"{where}: {problems[0]}" + (more if len(problems) > 1 else ""))
    return CategoryMapping(
        categories={r: str(c) for r, c in reasons.items()},
        notes={r: str(n) for r, n in notes.items()},
        source=source,
    )


def _table(data: dict[str, object], name: str, problems: list[str]) -> dict[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        problems.append(f"{name} must be a table ([{name}])")
        return {}
    return value
