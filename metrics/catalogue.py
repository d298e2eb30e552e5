"""The indicator catalogue: one `sql/<id>.sql` per indicator with its metadata in
`sql/<id>.toml` beside it, validated at load with every problem reported at once."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from metrics.errors import UserError
from metrics.metric_store import DIMENSIONS
from metrics.presentation import is_web_link

OPTIONAL_EXPORTS = ("appeals", "traffic")
# A runbook packaged with the catalogue: a Markdown file in runbooks/ beside the SQL files.
PACKAGED_RUNBOOK = re.compile(r"runbooks/[A-Za-z0-9_-]+\.md")

# The slices every indicator is computed for (DESIGN.md), restricted to its own dimensions.
SLICE_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("market",),
    ("category_l1",),
    ("seller_tier",),
    ("market", "category_l1"),
    ("channel",),
    ("issue_type",),
)


class MetricDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str
    kind: Literal["share", "rate", "count", "duration"]
    unit: str
    # What one case of the denominator is, singular ("appeal"), so a value can be shown with
    # the count behind it ("33.3% of 3 appeals"); wording only, not part of the fingerprint.
    case_noun: str = "case"
    scale: float = Field(gt=0)
    better: Literal["higher", "lower"] | None
    headline: bool = False
    owner_area: str
    # sum: numerator/denominator columns; distinct: entity + in_numerator; median: hours;
    # running_sum: numerator deltas whose running total per slice is the value.
    aggregation: Literal["sum", "distinct", "median", "running_sum"]
    dimensions: tuple[str, ...]
    # Dimensions the denominator does not vary by (a channel slice of a rate uses the
    # exposure of its parent slice).
    exposure_dimensions: tuple[str, ...] = ()
    requires: tuple[Literal["appeals", "traffic"], ...] = ()
    version: int = Field(ge=1)
    # Who answers for the indicator and where its runbook is: shown in every alert card and
    # on the Catalogue page; wording only, not part of the fingerprint. runbook_url is the
    # team's own page (http or https), or a packaged runbook (`runbooks/<file>.md` beside the
    # SQL files, shown on the dashboard's Catalogue page; the settings' runbook_base_url goes
    # before it). The settings' [indicators.<id>] override both (`metrics.runbooks.contact`).
    owner: str | None = Field(None, min_length=1)
    runbook_url: str | None = None
    sql: str = ""

    @field_validator("runbook_url")
    @classmethod
    def _web_link(cls, value: str | None) -> str | None:
        if value is not None and not (is_web_link(value) or PACKAGED_RUNBOOK.fullmatch(value)):
            raise ValueError(
                f"{value!r} is neither an http(s) address (https://wiki.example.org/...) nor a "
                "packaged runbook (runbooks/<name>.md)"
            )
        return value

    @field_validator("better", mode="before")
    @classmethod
    def _none_means_no_direction(cls, value: object) -> object:
        return None if value == "none" else value

    @field_validator("dimensions", "exposure_dimensions")
    @classmethod
    def _known_dimensions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [d for d in value if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"unknown dimensions {unknown}; known: {list(DIMENSIONS)}")
        return value

    @property
    def slice_sets(self) -> list[tuple[str, ...]]:
        return [s for s in SLICE_SETS if all(d in self.dimensions for d in s)]

    @property
    def fingerprint(self) -> str:
        """Changes when the definition or its SQL changes: logged with every evaluation."""
        text = self.model_dump_json(exclude={"sql", "case_noun", "owner", "runbook_url"}) + self.sql
        return f"v{self.version}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class Catalogue:
    metrics: dict[str, MetricDefinition]
    shared_sql: dict[str, str]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.metrics.values())

    def get(self, metric_id: str) -> MetricDefinition:
        try:
            return self.metrics[metric_id]
        except KeyError:
            raise UserError(
                f"unknown metric {metric_id!r}; known: {', '.join(sorted(self.metrics))}"
            ) from None


def default_sql_dir() -> Path:
    """The `sql/` folder shipped with the package (a namespace package: data only)."""
    import sql

    return Path(next(iter(sql.__path__)))


def load_catalogue(sql_dir: str | Path | None = None) -> Catalogue:
    """Loads and validates every definition; raises UserError listing all problems."""
    folder = Path(sql_dir) if sql_dir is not None else default_sql_dir()
    problems: list[str] = []
    metrics: dict[str, MetricDefinition] = {}
    tomls = {p.stem: p for p in folder.glob("*.toml")}
    sqls = {p.stem: p for p in folder.glob("*.sql")}
    for stem in sorted(set(sqls) - set(tomls)):
        problems.append(f"{sqls[stem].name}: no metadata file {stem}.toml beside it")
    for stem in sorted(set(tomls) - set(sqls)):
        problems.append(f"{tomls[stem].name}: no SQL file {stem}.sql beside it")
    for stem in sorted(set(tomls) & set(sqls)):
        try:
            data = tomllib.loads(tomls[stem].read_text())
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{tomls[stem].name}: not valid TOML: {exc}")
            continue
        try:
            definition = MetricDefinition(**data, sql=sqls[stem].read_text())
        except (ValidationError, TypeError) as exc:
            for line in _pydantic_lines(exc):
                problems.append(f"{tomls[stem].name}: {line}")
            continue
        if definition.id != stem:
            problems.append(f"{tomls[stem].name}: id {definition.id!r} differs from file name")
        for d in definition.exposure_dimensions:
            if d not in definition.dimensions:
                problems.append(f"{tomls[stem].name}: exposure dimension {d} not in dimensions")
        metrics[definition.id] = definition
    shared = {p.stem: p.read_text() for p in sorted((folder / "shared").glob("*.sql"))}
    if problems:
        raise UserError(f"metric catalogue in {folder} is invalid: " + "; ".join(problems))
    return Catalogue(metrics=metrics, shared_sql=shared)


def _pydantic_lines(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        ]
    return [str(exc)]
