"""The sample-data suite: a metric store computed from `govkpi sample` exports and the
incidents.json ground truth written beside them.

How the labels are used:
- a labelled incident on metric m and slice s explains flags of m on s, on its ancestors
  (s's market is an ancestor of s's market x category) and on its descendants;
- an incident is recalled by an alert on its own series, or -- when its labelled direction is
  not the bad one for the metric (a missing day makes complaint_rate drop; lower is better)
  -- by an anomaly in the labelled direction inside its window;
- only the export window is scored (from the first day with complaints): the store's earlier
  days hold the listing stock and zeros for every complaint metric, and a detector cannot
  tell "zero" from "not exported yet" (a data-start step, not an incident);
- false events starting on a sample festival day (11.11, 618, Black Friday...) are counted
  separately: the sample's festivals really move new_listings (a count) and complaints per
  live listing, so the detector is right to flag them, but no label says so.

Label windows follow bench/detect_scoring.py's convention, from each entry's `shape`: a shift
is labelled over its first SHIFT_LABEL_DAYS days, a ramp over its rising days (to
`ramp_end`), a spike over its days; an event is true when it overlaps a label window widened
by SLACK_DAYS after its end (never before its start).

Explained events (the explained-aware figures, reported beside the strict ones). The labels
name one metric per incident effect, but an incident moves more than the labelled series: a
review backlog in FR also moves sla_compliance per channel and issue type within FR, FR's
overdue backlog and the platform-wide figures. Strictly, every such alert is a false event.
The generator writes what each incident moves beside each entry (`effects`, see
sample_data/ground_truth.py): an event that is not a true positive is *explained* --
neither true nor false -- when its metric is one of an incident's effects, its slice shares
rows with one of that effect's slices (`slices_overlap`: the slice itself, a parent, a
child, or one cut along other dimensions), and it overlaps the incident's days (+/-
SLACK_DAYS, and after them the effect's `aftermath_days`: what the proactive systems missed
during a model outage is reported for weeks). Explained-aware precision is
true / (true + false) events; recall and delays do not change. The labels and the data are
untouched: the effects only say which alerts are not evidence of a false alarm.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alerts.detection.scoring import SeriesSpec
from bench.detect_scoring import (
    SLACK_DAYS,
    Window,
    events_of,
    true_event_mask,
)
from bench.detect_scoring import label_window as kind_window

# A level shift is labelled over its first days: an early warning is for its onset.
SHAPES = ("shift", "ramp", "spike")  # incidents.json shapes
# The acceptance check: each incident caught within its oracle bound + BOUND_SLACK_DAYS, and
# the median delay within the oracle's median + MEDIAN_SLACK_DAYS.
BOUND_SLACK_DAYS = 2
MEDIAN_SLACK_DAYS = 0.5


@dataclass(frozen=True)
class Moved:
    """A metric an incident moves, on the slices whose rows it changes (incidents.json)."""

    metric: str
    slices: tuple[str, ...]
    aftermath_days: int


@dataclass(frozen=True)
class Cause:
    """A planted incident as a cause: its own days and every metric it moves."""

    id: str
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    effects: tuple[Moved, ...]


@dataclass(frozen=True)
class Labelled:
    """One incidents.json entry: its label window, direction and incident."""

    window: Window
    metric: str
    slice: str
    direction: str
    incident: str


@dataclass
class SampleSuite:
    frame: pd.DataFrame  # series_id, date, value, numerator, denominator, p90
    specs: dict[str, SeriesSpec]
    windows: list[Window]
    good_direction: dict[int, str]  # window index -> labelled direction that is not "bad"
    since: pd.Timestamp
    festival_days: set[pd.Timestamp]
    causes: list[Cause] = field(default_factory=list)


def label_window(entry: dict[str, Any]) -> Window:
    """The label window of an incidents.json entry, from its shape (see the docstring)."""
    if entry["shape"] not in SHAPES:
        raise ValueError(f"{entry['id']}: unknown shape {entry['shape']!r}")
    return kind_window(
        f"{entry['metric']}/{entry['slice']}",
        entry["shape"],
        pd.Timestamp(entry["start"]),
        pd.Timestamp(entry["end"]),
        pd.Timestamp(entry["ramp_end"]) if entry.get("ramp_end") else None,
    )


def read_ground_truth(path: str | Path) -> tuple[list[Labelled], list[Cause]]:
    """The labelled effects of incidents.json, in its order, and its incidents as causes.

    Needs the fields the generator writes since `shape` and `effects` were added; an older
    file is refused with a message saying to regenerate it.
    """
    entries = json.loads(Path(path).read_text())
    missing = [e.get("id", "?") for e in entries if "shape" not in e or "effects" not in e]
    if missing:
        raise ValueError(
            f"{path}: entries without shape and effects ({', '.join(missing)}): written by an "
            "older `govkpi sample`; regenerate the sample"
        )
    labelled, causes = [], {}
    for e in entries:
        labelled.append(Labelled(label_window(e), e["metric"], e["slice"], e["direction"], e["id"]))
        causes.setdefault(
            e["id"],
            Cause(
                e["id"],
                e["kind"],
                pd.Timestamp(e["incident_start"]),
                pd.Timestamp(e["incident_end"]),
                tuple(
                    Moved(m["metric"], tuple(m["slices"]), int(m["aftermath_days"]))
                    for m in e["effects"]
                ),
            ),
        )
    return labelled, list(causes.values())


def related(a: str, b: str) -> bool:
    """Series a = metric/slice is explained by an incident on b: same metric, nested slice."""
    metric_a, _, slice_a = a.partition("/")
    metric_b, _, slice_b = b.partition("/")
    if metric_a != metric_b:
        return False
    parts_a = set() if slice_a == "all" else set(slice_a.split(","))
    parts_b = set() if slice_b == "all" else set(slice_b.split(","))
    return parts_a <= parts_b or parts_b <= parts_a


def _dims(slice_: str) -> dict[str, str]:
    return {} if slice_ == "all" else dict(part.split("=", 1) for part in slice_.split(","))


def slices_overlap(a: str, b: str) -> bool:
    """Slices a and b share rows: no dimension both fix has different values in them.

    So b itself, its parents (`all`, its market), its children, and slices cut along other
    dimensions (`channel=app` holds some of `market=FR`); not `market=ES,...`.
    """
    da, db = _dims(a), _dims(b)
    return all(db[k] == v for k, v in da.items() if k in db)


def load_sample_suite(store_path: str, incidents_path: str) -> SampleSuite:
    from metrics.catalogue import load_catalogue
    from metrics.metric_store import MetricStore
    from sample_data.calendar import festivals

    catalogue = load_catalogue()
    with MetricStore(store_path).read() as con:
        con.execute("SET enable_progress_bar = false")
        frame = con.execute(
            "SELECT metric_id || '/' || slice AS series_id, metric_id, date, value, numerator,"
            " denominator, p90 FROM series ORDER BY metric_id, slice, date"
        ).df()
        since = con.execute(
            "SELECT min(date) FROM series WHERE metric_id = 'complaint_rate' AND numerator > 0"
        ).fetchone()[0]
    specs = {}
    for sid, metric in frame[["series_id", "metric_id"]].drop_duplicates().itertuples(index=False):
        m = catalogue.metrics[metric]
        specs[sid] = SeriesSpec(m.kind, m.better, float(m.scale))
    labelled, causes = read_ground_truth(incidents_path)
    good = {}
    for i, label in enumerate(labelled):
        bad = {"higher": "down", "lower": "up"}.get(catalogue.metrics[label.metric].better)
        if bad is not None and label.direction != bad:
            good[i] = label.direction
    dates = pd.to_datetime(frame["date"])
    fest = {pd.Timestamp(f.day) for f in festivals(dates.min().date(), dates.max().date())}
    since = pd.Timestamp(since) if since is not None else dates.min()
    frame = frame[dates >= since].drop(columns="metric_id").reset_index(drop=True)
    return SampleSuite(frame, specs, [x.window for x in labelled], good, since, fest, causes)


def flags_for_scoring(out: pd.DataFrame, suite: SampleSuite) -> pd.DataFrame:
    """Alert days in the export window, plus labelled-direction anomalies of good-direction
    incidents inside their label windows (widened by SLACK_DAYS after them)."""
    days = pd.to_datetime(out["date"])
    keep = out["is_alert"] & (days >= suite.since)
    pad = pd.Timedelta(days=SLACK_DAYS)
    for i, direction in suite.good_direction.items():
        w = suite.windows[i]
        keep |= (
            (out["series_id"] == w.series_id)
            & out["is_anomaly"]
            & (out["direction"] == direction)
            & (days >= w.start)
            & (days <= w.end + pad)
        )
    return out.loc[keep, ["series_id", "date"]]


def festival_false_events(flags: pd.DataFrame, suite: SampleSuite) -> int:
    """False events (explained by no label) that start on a sample festival day."""
    events = events_of(flags)
    true = true_event_mask(events, suite.windows, related)
    return sum(
        not is_true and ev.start in suite.festival_days
        for ev, is_true in zip(events.itertuples(), true, strict=True)
    )


def moves(cause: Cause, series_id: str, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """An event start..end on series_id is on an effect of the cause, during it or its
    aftermath (+/- SLACK_DAYS: the wave's listings go live the day before its complaints)."""
    metric, _, slice_ = series_id.partition("/")
    pad = pd.Timedelta(days=SLACK_DAYS)
    return any(
        m.metric == metric
        and any(slices_overlap(slice_, s) for s in m.slices)
        and start <= cause.end + pad + pd.Timedelta(days=m.aftermath_days)
        and end >= cause.start - pad
        for m in cause.effects
    )


def explained_mask(flags: pd.DataFrame, suite: SampleSuite) -> pd.Series:
    """Flag rows belonging to explained events (see the module docstring): not true
    positives, but on a metric and slice an incident moves, during it or its aftermath."""
    flags = flags[["series_id", "date"]]
    explained = pd.Series(False, index=flags.index)
    if flags.empty:
        return explained
    days = pd.to_datetime(flags["date"])
    events = events_of(flags)
    true = true_event_mask(events, suite.windows, related)
    for ev, is_true in zip(events.itertuples(), true, strict=True):
        if is_true:
            continue
        if any(moves(c, ev.series_id, ev.start, ev.end) for c in suite.causes):
            explained |= (
                (flags["series_id"] == ev.series_id) & (days >= ev.start) & (days <= ev.end)
            )
    return explained


@dataclass(frozen=True)
class Acceptance:
    passed: bool
    lines: list[str]  # a verdict, one line per incident and one for the median


def acceptance(
    windows: Sequence[Window],
    delays: Sequence[int | None],
    bounds: Sequence[int | None],
    bound_slack: int = BOUND_SLACK_DAYS,
    median_slack: float = MEDIAN_SLACK_DAYS,
) -> Acceptance:
    """The acceptance check of the detector's delays against the oracle's bounds.

    Each incident passes when it is caught within its oracle bound + bound_slack days (one
    with no bound -- a duration, or a bound never reached -- when it is caught at all). The
    median passes when the median delay over the bounded incidents (a miss counting as
    never) is within the median of their bounds + median_slack days.
    """
    lines, passed = [], 0
    for w, delay, bound in zip(windows, delays, bounds, strict=True):
        caught = "missed" if delay is None else f"caught on day {delay}"
        if bound is None:
            ok = delay is not None
            rule = "no oracle bound: caught at all"
        else:
            ok = delay is not None and delay <= bound + bound_slack
            rule = f"oracle bound {bound} d + {bound_slack}"
        passed += ok
        lines.append(f"      {'PASS' if ok else 'FAIL'} {w.series_id}: {caught} ({rule})")
    pairs = [(d, b) for d, b in zip(delays, bounds, strict=True) if b is not None]
    if pairs:
        found = float(np.median([np.inf if d is None else d for d, _ in pairs]))
        oracle = float(np.median([b for _, b in pairs]))
        ok_median = found <= oracle + median_slack
        median = (
            f"      {'PASS' if ok_median else 'FAIL'} median delay {found:.1f} d over the "
            f"{len(pairs)} bounded incidents (oracle median {oracle:.1f} d + {median_slack:g})"
        )
    else:
        ok_median, median = True, "      PASS median: no bounded incident"
    ok = passed == len(lines) and ok_median
    head = (
        f"    acceptance vs the oracle: {'PASS' if ok else 'FAIL'} ({passed} of {len(lines)} "
        f"incidents in bound, median {'in' if ok_median else 'out of'} bound)"
    )
    return Acceptance(ok, [head, *lines, median])
