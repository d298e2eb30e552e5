"""Where a detector's figures on a labelled suite come from: recall per incident kind, false
events per series-year per feature of the clean series, and re-alerts on lasting incidents.

Works on any suite shaped like bench.labelled_suite.Suite or bench.holdout_suite.HoldoutSuite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from bench.detect_scoring import SLACK_DAYS, Window, events_of, true_event_mask, window_delays

LASTING = ("shift", "ramp")


class LabelledIncident(Protocol):
    series_id: str
    kind: str
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def window(self) -> Window: ...


class LabelledSeries(Protocol):
    tier: str
    features: list[str]


class LabelledSuite(Protocol):
    frame: pd.DataFrame

    @property
    def series(self) -> Mapping[str, LabelledSeries]: ...

    @property
    def incidents(self) -> Sequence[LabelledIncident]: ...


def re_alerts(incidents: Sequence[LabelledIncident], flags: pd.DataFrame) -> int:
    """False events that start while a shift or ramp lasts, after its widened label window."""
    events = events_of(flags)
    false = events[~true_event_mask(events, [i.window for i in incidents])]
    pad = pd.Timedelta(days=SLACK_DAYS)
    starts = {sid: g["start"] for sid, g in false.groupby("series_id")}
    count = 0
    for inc in incidents:
        if inc.kind in LASTING and inc.series_id in starts:
            s = starts[inc.series_id]
            count += int(((s > inc.window.end + pad) & (s <= inc.end)).sum())
    return count


def breakdown(suite: LabelledSuite, flags: pd.DataFrame) -> list[str]:
    """Recall and median delay per incident kind; false events per series-year by feature of
    the clean series (and of their small-volume tier); re-alerts on lasting incidents."""
    found: dict[str, list[int | None]] = {}
    windows = [i.window for i in suite.incidents]
    for inc, delay in zip(suite.incidents, window_delays(flags, windows), strict=True):
        found.setdefault(inc.kind, []).append(delay)
    parts = []
    for kind, delays in sorted(found.items()):
        hit = [x for x in delays if x is not None]
        med = f"{np.median(hit):.0f}d" if hit else "-"
        parts.append(f"{kind} {len(hit)}/{len(delays)} (delay {med})")
    lines = ["    recalled by kind: " + ", ".join(parts)]
    labelled = {i.series_id for i in suite.incidents}
    clean = [s for s in suite.series if s not in labelled]
    events = events_of(flags[flags["series_id"].isin(clean)])
    rows = suite.frame.groupby("series_id").size()
    groups = {
        feature: [s for s in clean if feature in suite.series[s].features]
        for feature in sorted({f for s in clean for f in suite.series[s].features})
    }
    groups["small volume tier"] = [s for s in clean if suite.series[s].tier == "small"]
    groups["all clean"] = clean
    parts = []
    for name, ids in groups.items():
        years = rows[ids].sum() / 365 if ids else 0
        n = int(events["series_id"].isin(ids).sum())
        parts.append(f"{name} {n / years:.2f} ({n} in {len(ids)})" if years else f"{name} -")
    lines.append("    clean series, false events / series-year by feature: " + ", ".join(parts))
    lasting = sum(i.kind in LASTING for i in suite.incidents)
    lines.append(
        f"    re-alerts (false events starting during one of the {lasting} shifts/ramps,"
        f" after its label window): {re_alerts(suite.incidents, flags)}"
    )
    return lines
