"""What the overview shows, computed from already-loaded frames (pure, testable).

Headline cards: latest complete day's value, status against the threshold in force, change
against the same weekday a week earlier, the last 28 days for a sparkline. Firing lists:
from the alert ledger when there is one, else from the detector's flagged days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from alerts.state.alert_status import detector_verdict, threshold_status
from alerts.state.status_series import facts_frame
from dashboard.builders.periods import value_on
from dashboard.builders.status import Status, tile_status

SPARK_DAYS = 28


@dataclass(frozen=True)
class Card:
    metric_id: str
    value: float | None
    week_ago: float | None
    status: Status
    spark: list[float]

    @property
    def delta(self) -> float | None:
        if self.value is None or self.week_ago is None:
            return None
        return self.value - self.week_ago


def headline_card(
    metric_id: str,
    kind: str,
    case_noun: str,
    platform: pd.DataFrame,
    rated: pd.DataFrame,
    day: date,
    data_gap: str | None = None,
) -> Card:
    """`platform`: the whole-platform series with its detections (queries.platform_series);
    `rated`: its threshold evaluation (rules.rated); `data_gap`: why the alert job has no
    usable data that day (`PageContext.data_gap`), if so. The status is `alert_status`'s."""
    rows = platform[platform["metric_id"] == metric_id]
    value = value_on(rows, day)
    week_ago = value_on(rows, day - timedelta(days=7))
    dates = pd.to_datetime(rows["date"]).dt.date
    mine = rated[rated["metric_id"] == metric_id] if "metric_id" in rated else rated
    facts = facts_frame(rows, rows, mine)
    today = facts[facts["date"] == day].to_dict("records")
    row: dict[Any, Any] = today[0] if today else {"date": day}
    if data_gap:
        row = {**row, "data_status": data_gap}
    threshold = threshold_status(row, kind, case_noun)
    status = tile_status(threshold, detector_verdict(row, kind, case_noun))
    window = rows[(dates > day - timedelta(days=SPARK_DAYS)) & (dates <= day)]
    spark = [float(v) for v in window["value"] if pd.notna(v)]
    return Card(metric_id, value, week_ago, status, spark)


def split_flagged(flagged: pd.DataFrame, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Detector fallback: (new on `day`, also flagged the day before)."""
    if flagged.empty:
        return flagged, flagged
    dates = pd.to_datetime(flagged["date"]).dt.date
    today = flagged[dates == day]
    before = flagged[dates == day - timedelta(days=1)]
    seen = set(zip(before["metric_id"], before["slice"], strict=True))
    keys = list(zip(today["metric_id"], today["slice"], strict=True))
    still = [k in seen for k in keys]
    new_mask = [not s for s in still]
    return today[new_mask], today[still]


def split_firing(firing: pd.DataFrame, day: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alert ledger: (started firing with the evaluation of `day`, firing since earlier)."""
    if firing.empty:
        return firing, firing
    started = pd.to_datetime(firing["firing_since"], errors="coerce").dt.date
    new = started.notna() & (started >= day)
    return firing[new], firing[~new]
