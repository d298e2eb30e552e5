"""Which planted incidents a backtest's episodes caught, and on which day.

The incidents are a sample's `incidents.json` (`sample_data/ground_truth.py`): one entry per
labelled effect, each with its incident `id`, `metric`, `slice`, `start` and `end` (days in
the reporting zone). An entry is caught by an episode of any rule on its own metric and
slice that was firing on some day from its start to CATCH_DAYS after its end; the day it was
caught is the episode's firing_since (earlier than the start when the series was already
firing). An incident is caught when one of its entries is, on the earliest such day.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from metrics.errors import UserError

# A ramp builds up for days before it crosses a limit; a week after the labelled end still
# counts as the alert for it, as bench/detect_scoring.py's slack does for detections.
CATCH_DAYS = 7
REQUIRED = ("id", "metric", "slice", "start", "end")


@dataclass(frozen=True)
class Entry:
    incident: str
    metric_id: str
    slice: str
    start: date
    end: date


@dataclass(frozen=True)
class Catch:
    incident: str
    start: date
    end: date
    caught_on: date | None  # None: missed
    metric_id: str | None = None
    slice: str | None = None
    rule_id: str | None = None

    @property
    def days_after_start(self) -> int | None:
        return None if self.caught_on is None else (self.caught_on - self.start).days


def read_incidents(path: str | Path) -> list[Entry]:
    """The entries of an incidents.json; UserError naming the file and the problem."""
    where = f"--incidents {path}"
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{where}: not JSON ({exc})") from None
    if not isinstance(raw, list):
        raise UserError(f"{where}: expected a JSON list of incidents (a sample's incidents.json)")
    entries = []
    for index, item in enumerate(raw):
        missing = [k for k in REQUIRED if not isinstance(item, dict) or k not in item]
        if missing:
            raise UserError(f"{where}: entry {index} lacks {', '.join(missing)}")
        try:
            start, end = date.fromisoformat(item["start"]), date.fromisoformat(item["end"])
        except (TypeError, ValueError):
            raise UserError(f"{where}: entry {index} has a start or end that is no date") from None
        entries.append(Entry(str(item["id"]), str(item["metric"]), str(item["slice"]), start, end))
    return entries


def catches(entries: list[Entry], episodes: pd.DataFrame, start: date, end: date) -> list[Catch]:
    """One Catch per incident that overlaps start..end, in the order of the file.
    `episodes`: the backtest's (metric_id, slice, rule_id, firing_since, last_firing)."""
    by_incident: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.start <= end and entry.end >= start:
            by_incident.setdefault(entry.incident, []).append(entry)
    records = episodes.to_dict("records")
    out = []
    for incident, own in by_incident.items():
        found: list[tuple[date, str, str, str]] = []
        for entry in own:
            until = entry.end + timedelta(days=CATCH_DAYS)
            for rec in records:
                if (rec["metric_id"], rec["slice"]) != (entry.metric_id, entry.slice):
                    continue
                since, last = rec["firing_since"], rec.get("last_firing") or end
                if since <= until and last >= entry.start:
                    found.append((since, rec["metric_id"], rec["slice"], rec["rule_id"]))
        first = min(e.start for e in own)
        last_day = max(e.end for e in own)
        if found:
            day, metric_id, slice_key, rule_id = min(found)
            out.append(Catch(incident, first, last_day, day, metric_id, slice_key, rule_id))
        else:
            out.append(Catch(incident, first, last_day, None))
    return out
