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
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alerts.detection import SeriesSpec
from bench.detect_scoring import SLACK_DAYS, Window, events_of


@dataclass
class SampleSuite:
    frame: pd.DataFrame  # series_id, date, value, numerator, denominator, p90
    specs: dict[str, SeriesSpec]
    windows: list[Window]
    good_direction: dict[int, str]  # window index -> labelled direction that is not "bad"
    since: pd.Timestamp
    festival_days: set[pd.Timestamp]


def related(a: str, b: str) -> bool:
    """Series a = metric/slice is explained by an incident on b: same metric, nested slice."""
    metric_a, _, slice_a = a.partition("/")
    metric_b, _, slice_b = b.partition("/")
    if metric_a != metric_b:
        return False
    parts_a = set() if slice_a == "all" else set(slice_a.split(","))
    parts_b = set() if slice_b == "all" else set(slice_b.split(","))
    return parts_a <= parts_b or parts_b <= parts_a


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
    for label in json.loads(Path(incidents_path).read_text()):
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
