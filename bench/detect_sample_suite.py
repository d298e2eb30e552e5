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

Explained events (the explained-aware figures, reported beside the strict ones). The labels
name one metric per incident effect, but an incident moves more than the labelled series: a
review backlog in FR also moves sla_compliance per channel and issue type within FR, FR's
overdue backlog and the platform-wide figures. Strictly, every such alert is a false event.
An event that is not a true positive is *explained* -- neither true nor false -- when it
overlaps an incident's window (+/- `SLACK_DAYS`, and after it the incident's `AFTERMATH_DAYS`:
what the proactive systems missed during a model outage is reported for weeks), its metric
is one `MOVED_BY` lists for the incident's kind, and its slice shares rows with the
incident's (`slices_overlap`: the slice itself, a parent, a child, or one cut along other
dimensions). Explained-aware precision is true / (true + false) events; recall and delays
do not change. The labels and the data are untouched: `MOVED_BY` only says which alerts are
not evidence of a false alarm.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from alerts.detection.scoring import SeriesSpec
from bench.detect_scoring import SLACK_DAYS, Window, events_of
from sample_data.listings_sql import REPORT_HOURS, REPORT_SIGMA

# The report delay's 95th percentile in days (the sample's log-normal delay, 1.645 sigma up):
# violations missed during an incident go on being reported this long after it ends.
REPORT_DELAY_P95_DAYS = math.ceil(REPORT_HOURS * math.exp(1.645 * REPORT_SIGMA) / 24)
# Days after an incident's end during which the metrics it moves are still moved by it.
AFTERMATH_DAYS: dict[str, int] = {"proactive_model_outage": REPORT_DELAY_P95_DAYS}

# Metrics each incident kind of `sample_data.incidents` is known to move, beside its label:
# the mechanism that moves each is in the comment.
MOVED_BY: dict[str, frozenset[str]] = {
    # More new listings lack certificates: most are blocked before publication by the model,
    # so the proactive and pre-sale shares and removals move with it.
    "certificate_rule_change": frozenset(
        {
            "missing_qualification_rate",
            "prepublish_block_share",
            "proactive_rate",
            "removed_before_sale_share",
            "takedown_rate",
        }
    ),
    # A batch of counterfeit listings from new sellers, missed by the model, complained about
    # and then taken down.
    "counterfeit_wave": frozenset(
        {
            "counterfeit_complaint_rate",
            "complaint_rate",
            "complaints_per_10k_orders",
            "substantiation_rate",
            "takedown_rate",
            "new_listings",
            "proactive_rate",
            "removed_before_sale_share",
        }
    ),
    # Nothing found proactively: fewer pre-publication blocks and pre-sale removals, the
    # violations surface later as complaints and complaint-driven takedowns.
    "proactive_model_outage": frozenset(
        {
            "proactive_rate",
            "prepublish_block_share",
            "removed_before_sale_share",
            "complaint_rate",
            "complaints_per_10k_orders",
            "counterfeit_complaint_rate",
            "safety_complaint_rate",
            "substantiation_rate",
            "takedown_rate",
        }
    ),
    # Complaints decided late: SLA, decision time, the overdue stock, loops closed late.
    "review_backlog": frozenset(
        {"sla_compliance", "time_to_decision", "overdue_backlog", "closed_loop_rate"}
    ),
    # A ring re-lists banned items every day and is removed every day.
    "repeat_offender_ring": frozenset(
        {
            "repeat_offender_rate",
            "takedown_rate",
            "new_listings",
            "removed_before_sale_share",
            "proactive_rate",
        }
    ),
    # Compliant listings removed by a bad rule: removals up, then appeals and overturns.
    "over_aggressive_rule": frozenset(
        {
            "appeal_overturn_rate",
            "appeal_rate",
            "takedown_rate",
            "proactive_rate",
            "prepublish_block_share",
            "removed_before_sale_share",
        }
    ),
    # A market's complaints export lacks a day: every complaint-derived figure of that day.
    "missing_data": frozenset(
        {
            "complaint_rate",
            "complaints_per_10k_orders",
            "counterfeit_complaint_rate",
            "safety_complaint_rate",
            "substantiation_rate",
            "closed_loop_rate",
            "sla_compliance",
            "time_to_decision",
        }
    ),
}


@dataclass(frozen=True)
class Cause:
    """A labelled incident as a cause: its kind, slice and widest window over its effects."""

    kind: str
    slice: str
    start: pd.Timestamp
    end: pd.Timestamp


@dataclass
class SampleSuite:
    frame: pd.DataFrame  # series_id, date, value, numerator, denominator, p90
    specs: dict[str, SeriesSpec]
    windows: list[Window]
    good_direction: dict[int, str]  # window index -> labelled direction that is not "bad"
    since: pd.Timestamp
    festival_days: set[pd.Timestamp]
    causes: list[Cause] = field(default_factory=list)


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
    windows, good = [], {}
    spans: dict[tuple[str, str], tuple[pd.Timestamp, pd.Timestamp]] = {}
    for label in json.loads(Path(incidents_path).read_text()):
        key = (label["kind"], label["slice"])
        start, end = pd.Timestamp(label["start"]), pd.Timestamp(label["end"])
        prev = spans.get(key, (start, end))
        spans[key] = (min(prev[0], start), max(prev[1], end))
        sid = f"{label['metric']}/{label['slice']}"
        bad = {"higher": "down", "lower": "up"}.get(catalogue.metrics[label["metric"]].better)
        if bad is not None and label["direction"] != bad:
            good[len(windows)] = label["direction"]
        windows.append(Window(sid, pd.Timestamp(label["start"]), pd.Timestamp(label["end"])))
    dates = pd.to_datetime(frame["date"])
    fest = {pd.Timestamp(f.day) for f in festivals(dates.min().date(), dates.max().date())}
    since = pd.Timestamp(since) if since is not None else dates.min()
    frame = frame[dates >= since].drop(columns="metric_id").reset_index(drop=True)
    return SampleSuite(
        frame,
        specs,
        windows,
        good,
        since,
        fest,
        [Cause(kind, slice_, a, b) for (kind, slice_), (a, b) in spans.items()],
    )


def flags_for_scoring(out: pd.DataFrame, suite: SampleSuite) -> pd.DataFrame:
    """Alert days in the export window, plus labelled-direction anomalies of good-direction
    incidents inside their windows."""
    days = pd.to_datetime(out["date"])
    keep = out["is_alert"] & (days >= suite.since)
    pad = pd.Timedelta(days=SLACK_DAYS)
    for i, direction in suite.good_direction.items():
        w = suite.windows[i]
        keep |= (
            (out["series_id"] == w.series_id)
            & out["is_anomaly"]
            & (out["direction"] == direction)
            & (days >= w.start - pad)
            & (days <= w.end + pad)
        )
    return out.loc[keep, ["series_id", "date"]]


def festival_false_events(flags: pd.DataFrame, suite: SampleSuite) -> int:
    """False events (explained by no label) that start on a sample festival day."""
    events = events_of(flags)
    pad = pd.Timedelta(days=SLACK_DAYS)
    count = 0
    for ev in events.itertuples():
        explained = any(
            related(ev.series_id, w.series_id)
            and ev.start <= w.end + pad
            and ev.end >= w.start - pad
            for w in suite.windows
        )
        count += (not explained) and ev.start in suite.festival_days
    return count


def explained_mask(flags: pd.DataFrame, suite: SampleSuite) -> pd.Series:
    """Flag rows belonging to explained events (see the module docstring): not true
    positives, but on a metric and slice an incident is known to move, during it."""
    flags = flags[["series_id", "date"]]
    explained = pd.Series(False, index=flags.index)
    if flags.empty:
        return explained
    pad = pd.Timedelta(days=SLACK_DAYS)
    days = pd.to_datetime(flags["date"])
    for ev in events_of(flags).itertuples():
        if any(
            related(ev.series_id, w.series_id)
            and ev.start <= w.end + pad
            and ev.end >= w.start - pad
            for w in suite.windows
        ):
            continue  # a true positive
        metric, _, slice_ = ev.series_id.partition("/")
        if any(
            metric in MOVED_BY.get(c.kind, frozenset())
            and slices_overlap(slice_, c.slice)
            and ev.start <= c.end + pad + pd.Timedelta(days=AFTERMATH_DAYS.get(c.kind, 0))
            and ev.end >= c.start - pad
            for c in suite.causes
        ):
            explained |= (
                (flags["series_id"] == ev.series_id) & (days >= ev.start) & (days <= ev.end)
            )
    return explained
