"""Known events: a calendar of days whose volumes move for a known reason (shopping festivals,
holidays), so that the detector does not alert on them.

On 11.11, Black Friday or 618 orders and complaints jump 2.5-3x for a day or two: rates per
order stay flat, but counts (new listings) and rates per *live* listing (complaints per 10k
live listings) genuinely jump. The detector (`detectors`) therefore treats a known-event
day differently from any other day:

- it is kept out of the baseline (level, weekly profile, spread, accumulator) like a missing
  day, so a festival neither drags the expected value nor widens the band afterwards;
- it is scored against a band widened, in the event's direction only, by the event effect
  learned for that series: `margin` x the largest effect (relative residual, log or log-odds
  units) seen on that series' past event days of the same direction, once there are
  `min_history` of them; before that, by a prior effect (`prior`, log 4: volumes up to 4x).
  A series that stays flat on festivals (a rate per order) thus learns a small allowance and
  is tested almost as on any day; the other direction is always tested normally.

The calendar is data: the packaged `known_events.toml` (recurring festivals and holidays),
or a TOML file of the same shape given by path. It is validated at load, every problem
reported at once, unknown keys rejected.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from metrics.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Recurring(_Strict):
    name: str
    date: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    rule: Literal["black_friday", "cyber_monday"] | None = None
    days_before: int = Field(default=0, ge=0, le=7)
    days_after: int = Field(default=0, ge=0, le=7)
    direction: Literal["up", "down"] = "up"

    @model_validator(mode="after")
    def _one_day(self) -> Recurring:
        if (self.date is None) == (self.rule is None):
            raise ValueError(f"{self.name}: give exactly one of date (MM-DD) or rule")
        if self.date is not None:
            month, day = (int(x) for x in self.date.split("-"))
            dt.date(2024, month, day)  # a leap year: 02-29 is allowed
        return self

    def day(self, year: int) -> dt.date | None:
        if self.rule is not None:
            friday = _black_friday(year)
            return friday if self.rule == "black_friday" else friday + dt.timedelta(days=3)
        assert self.date is not None
        month, day = (int(x) for x in self.date.split("-"))
        try:
            return dt.date(year, month, day)
        except ValueError:  # 02-29 outside a leap year
            return None


class Extra(_Strict):
    name: str
    date: dt.date
    days_after: int = Field(default=0, ge=0, le=30)
    direction: Literal["up", "down"] = "up"


class KnownEventsFile(_Strict):
    recurring: list[Recurring] = []
    extra: list[Extra] = []


@dataclass(frozen=True)
class KnownEvents:
    """A validated calendar; `directions(days)` maps days to +1 (up), -1 (down) or 0."""

    calendar: KnownEventsFile
    source: str = "packaged known_events.toml"

    def days(self, first: dt.date, last: dt.date) -> dict[dt.date, tuple[str, int]]:
        """Event days between first and last (included): day -> (name, +1 | -1)."""
        out: dict[dt.date, tuple[str, int]] = {}
        for year in range(first.year - 1, last.year + 2):
            for ev in self.calendar.recurring:
                day = ev.day(year)
                if day is None:
                    continue
                sign = 1 if ev.direction == "up" else -1
                for k in range(-ev.days_before, ev.days_after + 1):
                    out.setdefault(day + dt.timedelta(days=k), (ev.name, sign))
        for extra in self.calendar.extra:
            sign = 1 if extra.direction == "up" else -1
            for k in range(extra.days_after + 1):
                out.setdefault(extra.date + dt.timedelta(days=k), (extra.name, sign))
        return {d: v for d, v in sorted(out.items()) if first <= d <= last}

    def directions(self, days: pd.DatetimeIndex) -> np.ndarray:
        """+1 / -1 on known-event days of `days`, 0 elsewhere (int8, one per day)."""
        out = np.zeros(len(days), dtype=np.int8)
        if len(days) == 0:
            return out
        found = self.days(days.min().date(), days.max().date())
        for i, day in enumerate(days.date):
            if day in found:
                out[i] = found[day][1]
        return out


def _black_friday(year: int) -> dt.date:
    # The day after US Thanksgiving, the fourth Thursday of November.
    first = dt.date(year, 11, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + dt.timedelta(days=1)


def parse_known_events(text: str, source: str) -> KnownEvents:
    """Validates a calendar's TOML text; every problem is reported in one ConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        return KnownEvents(KnownEventsFile.model_validate(raw), source)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(x) for x in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ConfigError(f"{source}: invalid known events: " + "; ".join(problems)) from None


def load_known_events(path: str | Path | None = None) -> KnownEvents:
    """The packaged calendar, or the one at `path` (which replaces it)."""
    if path is None:
        text = resources.files("alerts.detection").joinpath("known_events.toml").read_text("utf-8")
        return parse_known_events(text, "packaged known_events.toml")
    file = Path(path)
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"known events file {file}: {exc.strerror}") from None
    return parse_known_events(text, str(file))


@lru_cache(maxsize=1)
def packaged_known_events() -> KnownEvents:
    """The packaged calendar, read once per process."""
    return load_known_events()


NO_EVENTS = KnownEvents(KnownEventsFile(), "no known events")
