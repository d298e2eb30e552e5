"""Compares two metric stores computed by different engines: what parity means, in one place.

Series: the same rows (metric, slice, date and dimensions); numerators and denominators
equal; values and p90 equal within 1e-9 relative (medians and ratios are floating point).
Export stats and files, validation findings and meta equal, meta keys that name where or
when a store was written aside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.metric_store import DIMENSIONS, MetricStore

RELATIVE = 1e-9
# Meta that says when and by which release and engine a store was written, not what it holds.
VOLATILE_META = {"store_version", "written_at", "govkpi_version", "compute_engine"}
KEYS = ["metric_id", "slice", "date"]
EXACT = ["numerator", "denominator"]
CLOSE = ["value", "p90"]


@dataclass
class Parity:
    rows: int
    # Largest relative difference seen in value and p90.
    max_relative: float
    problems: list[str]


def _table(store: MetricStore, name: str) -> pd.DataFrame:
    with store.read() as con:
        frame = con.execute(f'SELECT * FROM "{name}"').df()
    if name == "meta":
        frame = frame[~frame["key"].isin(VOLATILE_META)]
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def compare_stores(expected: MetricStore, actual: MetricStore) -> Parity:
    problems: list[str] = []
    a, b = _table(expected, "series"), _table(actual, "series")
    a = a.sort_values(KEYS).reset_index(drop=True)
    b = b.sort_values(KEYS).reset_index(drop=True)
    if len(a) != len(b) or not a[KEYS + list(DIMENSIONS)].equals(b[KEYS + list(DIMENSIONS)]):
        merged = a[KEYS].merge(b[KEYS], how="outer", indicator=True)
        only = merged[merged["_merge"] != "both"].head(5).to_dict("records")
        return Parity(len(a), np.inf, [f"series rows differ ({len(a)} vs {len(b)}): {only}"])
    for column in EXACT:
        left, right = a[column].to_numpy(float), b[column].to_numpy(float)
        bad = ~((left == right) | (np.isnan(left) & np.isnan(right)))
        if bad.any():
            first, second = a[bad].head(3), b[bad].head(3)
            problems.append(
                f"{column} differs on {bad.sum()} rows: {first.to_dict('records')} "
                f"vs {second.to_dict('records')}"
            )
    worst = 0.0
    for column in CLOSE:
        left, right = a[column].to_numpy(float), b[column].to_numpy(float)
        if not np.array_equal(np.isnan(left), np.isnan(right)):
            problems.append(f"{column} is NULL on different rows")
            continue
        both = ~np.isnan(left)
        scale = np.maximum(np.abs(left[both]), np.abs(right[both]))
        diff = np.abs(left[both] - right[both])
        relative = np.where(scale > 0, diff / np.where(scale > 0, scale, 1), 0.0)
        worst = max(worst, float(relative.max(initial=0.0)))
        if (relative > RELATIVE).any():
            problems.append(f"{column}: relative difference up to {relative.max():.3g}")
    for name in ("export_stats", "export_files", "validation", "meta"):
        left, right = _table(expected, name), _table(actual, name)
        if not left.equals(right):
            problems.append(f"{name} differs:\n{left}\nvs\n{right}")
    return Parity(len(a), worst, problems)
