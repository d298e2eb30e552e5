"""The team's response per owner area and month, from the alert history (pure).

For the episodes that started firing in a month: the median days to detect, to acknowledge
and to resolve (each over the episodes that have that clock: an open episode has no time to
resolve yet), and the false-alarm share: episodes whose latest feedback is `not_useful`,
among those with feedback. Every figure comes with the number of episodes behind it.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

RESPONSE_COLUMNS = [
    "area", "month", "episodes",
    "median_days_to_detect", "detected", "median_days_to_acknowledge", "acknowledged",
    "median_days_to_resolve", "resolved", "false_alarms", "with_feedback", "false_alarm_share",
]  # fmt: skip


def response_times(history: pd.DataFrame, area_of: Callable[[str], str]) -> pd.DataFrame:
    """`history` as `alerts.state.history.episode_history` returns it; `area_of(metric_id)`
    the owner area. One row per area and month (YYYY-MM of firing_since), newest month
    first; a median is NaN when no episode has that clock."""
    if history.empty:
        return pd.DataFrame(columns=RESPONSE_COLUMNS)
    frame = history.copy()
    frame["area"] = [area_of(m) for m in frame["metric_id"]]
    frame["month"] = pd.to_datetime(frame["firing_since"]).dt.strftime("%Y-%m")
    rows = []
    for (area, month), group in frame.groupby(["area", "month"], sort=True):
        row: dict[str, object] = {"area": area, "month": month, "episodes": len(group)}
        for clock, count in (
            ("detect", "detected"),
            ("acknowledge", "acknowledged"),
            ("resolve", "resolved"),
        ):
            days = pd.to_numeric(group[f"days_to_{clock}"], errors="coerce").dropna()
            row[f"median_days_to_{clock}"] = float(days.median()) if len(days) else float("nan")
            row[count] = len(days)
        judged = group["feedback"].isin(["useful", "not_useful"])
        false = int((group["feedback"] == "not_useful").sum())
        row["false_alarms"] = false
        row["with_feedback"] = int(judged.sum())
        row["false_alarm_share"] = false / int(judged.sum()) if judged.any() else float("nan")
        rows.append(row)
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    return out.sort_values(["month", "area"], ascending=[False, True]).reset_index(drop=True)
