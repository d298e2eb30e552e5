"""Severity weights of the risk matrix: each issue type graded on the EU Safety Gate risk levels.

Packaged in severity.toml; a user's file with the same two tables overrides it. Every issue
type of the export contract must be graded and every level weighted, so no violation ever
drops out of the score unseen.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from metrics.contract import REMOVAL_REASONS
from metrics.errors import ConfigError

SAFETY_GATE_LEVELS = ("serious", "high", "medium", "low")


@dataclass(frozen=True)
class Severity:
    level_weights: dict[str, float]
    issue_levels: dict[str, str]
    source: str

    def weight(self, issue_type: str) -> float:
        return self.level_weights[self.issue_levels[issue_type]]

    def rows(self) -> list[tuple[str, str, float]]:
        """(issue type, level, weight), most severe first."""
        order = {level: i for i, level in enumerate(SAFETY_GATE_LEVELS)}
        return sorted(
            ((t, lvl, self.level_weights[lvl]) for t, lvl in self.issue_levels.items()),
            key=lambda r: (order[r[1]], r[0]),
        )


def load_severity(path: str | None = None) -> Severity:
    if path is None:
        text = resources.files("metrics.risk").joinpath("severity.toml").read_text()
        source = "packaged (metrics/risk/severity.toml)"
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError(f"--severity {path}: cannot read it ({exc.strerror})") from None
        source = path
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML ({exc})") from None
    return _checked(raw, source)


def _checked(raw: dict[str, object], source: str) -> Severity:
    levels, issues = raw.get("levels"), raw.get("issue_types")
    if not isinstance(levels, dict) or not isinstance(issues, dict):
        raise ConfigError(f"{source}: needs the tables [levels] and [issue_types]")
    unknown_levels = sorted(set(levels) - set(SAFETY_GATE_LEVELS))
    if unknown_levels or set(levels) != set(SAFETY_GATE_LEVELS):
        raise ConfigError(
            f"{source}: [levels] must weight exactly {', '.join(SAFETY_GATE_LEVELS)}"
            + (f" (unknown: {', '.join(unknown_levels)})" if unknown_levels else "")
        )
    weights: dict[str, float] = {}
    for level, weight in levels.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise ConfigError(f"{source}: [levels] {level} = {weight!r} is not a positive number")
        weights[level] = float(weight)
    missing = [t for t in REMOVAL_REASONS if t not in issues]
    if missing:
        raise ConfigError(f"{source}: [issue_types] must grade {', '.join(missing)}")
    for issue, level in issues.items():
        if level not in weights:
            raise ConfigError(
                f"{source}: [issue_types] {issue} = {level!r} is not one of "
                f"{', '.join(SAFETY_GATE_LEVELS)}"
            )
    return Severity(weights, {str(k): str(v) for k, v in issues.items()}, source)
