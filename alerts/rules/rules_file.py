"""The threshold rules file: TOML, validated at load, every problem reported at once.

Format (see `alerts/rules/default_rules.toml` for the shipped defaults)::

    [[rule]]
    id = "proactive_rate.headline"      # stable name; alert state is keyed on it
    metric = "proactive_rate"           # must be in the indicator catalogue
    slices = ["all", "market=*"]        # optional; this is the default
    side = "below"                      # optional; from the catalogue's `better`
    min_volume = 40                     # optional; default for the versions that set none

    [[rule.version]]                    # one or more; the latest effective_from <= day wins
    effective_from = 2024-01-01
    warning = 0.97                      # at least one of warning / critical
    critical = 0.95
    min_volume = 40                     # optional minimum-volume guard (see below)
    owner = "detection-lead"
    rationale = "why this number"
    # retired = true                    # from this day the rule no longer applies

Slice patterns are slice keys whose values may be `*`. A pattern matches a slice with exactly
its dimensions: `market=ES` matches the slice `market=ES`, not `market=ES,category_l1=toys`
(a market target judged on each small category of the market would fire on noise alone; name
`market=ES,category_l1=*` to reach those). When several rules of a metric match a slice, the one
with the most literal (non-`*`) values wins, so `market=DE` beats `market=*`. Two rules that
could match one slice at the same specificity are rejected as ambiguous.

Minimum-volume guard: `min_volume` is the smallest denominator of the day (cases for a
share, exposure for a rate, decided cases for a duration) at which the limits judge the value
as it is: one consumer-found removal out of two is a proactive share of 0.5, which says
nothing about detection. Below it a day only shows a breach that would stand at the minimum
volume in the best case (see `alerts/rules.py`), else it has no level ("not enough
volume"). A version's own `min_volume` wins over the rule's; without either, every day is
judged. Count metrics have no denominator, so a rule on one cannot take a guard.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from metrics.catalogue import Catalogue
from metrics.errors import ConfigError
from metrics.metric_store import parse_slice

Side = Literal["below", "above"]
DEFAULT_SLICES = ("all", "market=*")
WILDCARD = "*"


class _VersionModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_from: date
    warning: float | None = None
    critical: float | None = None
    min_volume: float | None = Field(default=None, ge=0)
    owner: str = Field(min_length=1)
    rationale: str = Field(min_length=1)
    retired: bool = False


class _RuleModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.:-]*$")
    metric: str
    slices: list[str] = Field(default=list(DEFAULT_SLICES), min_length=1)
    side: Side | None = None
    min_volume: float | None = Field(default=None, ge=0)
    version: list[_VersionModel] = Field(min_length=1)


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: list[dict[str, Any]] = Field(min_length=1)


@dataclass(frozen=True)
class Threshold:
    """One version of a rule: the static limits in force from `effective_from`.

    `version` is `<effective_from>-<hash>`: the hash covers the limits, the volume guard,
    side, slices, owner and rationale, so a version edited in place (history rewritten) gets
    a new identity. `min_volume` None: every day is judged, whatever its volume.
    """

    rule_id: str
    metric_id: str
    warning: float | None
    critical: float | None
    side: Side
    owner: str
    effective_from: date
    rationale: str
    version: str
    min_volume: float | None = None


@dataclass(frozen=True)
class Pattern:
    dims: tuple[tuple[str, str], ...]  # (dimension, value or "*") in dimension order

    @property
    def shape(self) -> tuple[str, ...]:
        return tuple(d for d, _ in self.dims)

    @property
    def specificity(self) -> int:
        return sum(1 for _, v in self.dims if v != WILDCARD)

    def matches(self, dims: dict[str, str]) -> bool:
        if len(dims) != len(self.dims):
            return False
        return all(dims.get(d) == v or (v == WILDCARD and d in dims) for d, v in self.dims)

    def overlaps(self, other: Pattern) -> bool:
        """Some slice matches both patterns."""
        if self.shape != other.shape:
            return False
        return all(
            a == b or WILDCARD in (a, b)
            for (_, a), (_, b) in zip(self.dims, other.dims, strict=True)
        )


@dataclass(frozen=True)
class Rule:
    rule_id: str
    metric_id: str
    patterns: tuple[Pattern, ...]
    side: Side
    # Sorted by effective_from; None marks a retirement.
    versions: tuple[tuple[date, Threshold | None], ...]
    # The metric's kind (share, rate, count, duration): how a low-volume day is bounded.
    kind: str = "share"

    def specificity_for(self, dims: dict[str, str]) -> int | None:
        """The specificity of the best pattern matching the slice, None if none does."""
        found = [p.specificity for p in self.patterns if p.matches(dims)]
        return max(found) if found else None


def parse_rules(text: str, source: str, catalogue: Catalogue) -> list[Rule]:
    """Validates the whole file; raises ConfigError naming `source` and every problem."""
    problems: list[str] = []
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"rules file {source} is not valid TOML: {exc}") from None
    try:
        entries = _FileModel.model_validate(raw).rule
    except ValidationError as exc:
        raise ConfigError(
            f"rules file {source} is invalid: " + "; ".join(_pydantic_lines(exc, "file"))
        ) from None

    rules: list[Rule] = []
    ids: list[str] = []
    for index, entry in enumerate(entries):
        where = f"rule[{index}]" + (f" ({entry['id']})" if isinstance(entry.get("id"), str) else "")
        try:
            model = _RuleModel.model_validate(entry)
        except ValidationError as exc:
            problems.extend(f"{where}: {line}" for line in _pydantic_lines(exc, "rule"))
            continue
        ids.append(model.id)
        rule = _compile_rule(model, where, catalogue, problems)
        if rule is not None:
            rules.append(rule)

    for rule_id in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"rule id {rule_id!r} is used more than once; add a [[rule.version]]")
    _check_overlaps(rules, problems)
    if problems:
        raise ConfigError(f"rules file {source} is invalid: " + "; ".join(problems))
    return rules


def _compile_rule(
    model: _RuleModel, where: str, catalogue: Catalogue, problems: list[str]
) -> Rule | None:
    before = len(problems)
    metric = catalogue.metrics.get(model.metric)
    if metric is None:
        problems.append(f"{where}: unknown metric {model.metric!r}")
        return None

    side = model.side
    if side is None:
        if metric.better is None:
            problems.append(f"{where}: {metric.id} has no better direction; set side")
        else:
            side = "below" if metric.better == "higher" else "above"

    patterns: list[Pattern] = []
    for text in model.slices:
        try:
            dims = parse_slice(text)
        except ValueError as exc:
            problems.append(f"{where}: slices: {exc}")
            continue
        pattern = Pattern(tuple(dims.items()))
        if pattern.shape not in metric.slice_sets:
            shapes = ", ".join(",".join(s) or "all" for s in metric.slice_sets)
            problems.append(
                f"{where}: slice pattern {text!r} never matches a slice of {metric.id} "
                f"(its breakdowns: {shapes})"
            )
            continue
        patterns.append(pattern)

    guarded = model.min_volume is not None or any(v.min_volume is not None for v in model.version)
    if guarded and metric.kind == "count":
        problems.append(
            f"{where}: {metric.id} is a count and has no denominator; min_volume cannot apply"
        )
    seen: set[date] = set()
    for vi, v in enumerate(model.version):
        at = f"{where}: version[{vi}] ({v.effective_from})"
        if v.effective_from in seen:
            problems.append(f"{at}: another version has the same effective_from")
        seen.add(v.effective_from)
        limits = [x for x in (v.warning, v.critical) if x is not None]
        if v.retired and (limits or v.min_volume is not None):
            problems.append(f"{at}: a retired version takes no warning, critical or min_volume")
        if not v.retired and not limits:
            problems.append(f"{at}: needs warning, critical or both (or retired = true)")
        if metric.kind == "share" and any(not 0 <= x <= 1 for x in limits):
            problems.append(f"{at}: {metric.id} is a share, limits are fractions in [0, 1]")
        elif any(x < 0 for x in limits):
            problems.append(f"{at}: limits cannot be negative")
        if side is not None and v.warning is not None and v.critical is not None:
            inverted = v.critical > v.warning if side == "below" else v.critical < v.warning
            if inverted:
                problems.append(
                    f"{at}: critical {v.critical} is less severe than warning {v.warning} "
                    f"for side {side!r}"
                )
    if len(problems) > before or side is None:
        return None

    versions: list[tuple[date, Threshold | None]] = []
    for v in sorted(model.version, key=lambda v: v.effective_from):
        if v.retired:
            versions.append((v.effective_from, None))
            continue
        min_volume = v.min_volume if v.min_volume is not None else model.min_volume
        fields: list[Any] = [
            model.id, metric.id, model.slices, side, v.warning, v.critical, v.owner, v.rationale
        ]  # fmt: skip
        if min_volume is not None:  # versions without a guard keep their identity
            fields.append({"min_volume": min_volume})
        identity = json.dumps(fields, sort_keys=True)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:8]
        threshold = Threshold(
            rule_id=model.id,
            metric_id=metric.id,
            warning=v.warning,
            critical=v.critical,
            side=side,
            owner=v.owner,
            effective_from=v.effective_from,
            rationale=v.rationale.strip(),
            version=f"{v.effective_from.isoformat()}-{digest}",
            min_volume=min_volume,
        )
        versions.append((v.effective_from, threshold))
    return Rule(model.id, metric.id, tuple(patterns), side, tuple(versions), metric.kind)


def _check_overlaps(rules: list[Rule], problems: list[str]) -> None:
    for a, b in combinations(rules, 2):
        if a.metric_id != b.metric_id:
            continue
        for pa in a.patterns:
            for pb in b.patterns:
                if pa.specificity == pb.specificity and pa.overlaps(pb):
                    problems.append(
                        f"rules {a.rule_id!r} and {b.rule_id!r} both match "
                        f"{_pattern_text(pa)} / {_pattern_text(pb)} of {a.metric_id} equally "
                        "specifically; make one more specific"
                    )


def _pattern_text(pattern: Pattern) -> str:
    return ",".join(f"{d}={v}" for d, v in pattern.dims) or "all"


def _pydantic_lines(exc: ValidationError, root: str) -> list[str]:
    return [f"{'.'.join(str(p) for p in err['loc']) or root}: {err['msg']}" for err in exc.errors()]


def read_rules_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read rules file {path}: {exc.strerror or exc}") from None
