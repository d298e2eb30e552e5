"""Turns one indicator's aggregates into its daily series for every slice.

The SQL in sql/ returns rows at the finest grain (day + the indicator's dimensions); the
engine backend (`metrics.engines`) aggregates them over the catalogue's one list of slice sets
through GROUPING SETS, never with SQL written per slice, and medians and p90 over each slice's
own cases. What happens here is the same for every engine: every slice gets every day, rates
of channel slices take their parent's exposure, running totals accumulate.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd

from metrics.catalogue import MetricDefinition
from metrics.metric_store import DIMENSIONS, slice_key

SERIES_COLUMNS = [
    "metric_id", "slice", "date", "value", "numerator", "denominator", "p90", *DIMENSIONS,
]  # fmt: skip


def _set_of(grouping_id: int, dims: list[str]) -> tuple[str, ...]:
    # GROUPING() sets bit (n-1-i) when dims[i] is NOT grouped.
    n = len(dims)
    return tuple(d for i, d in enumerate(dims) if not (grouping_id >> (n - 1 - i)) & 1)


def build_series(
    raw: pd.DataFrame,
    metric: MetricDefinition,
    first: date,
    last: date,
    known_slices: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All slices x all days of [first, last] for one indicator, in store columns.

    `raw` is the backend's aggregate (`ComputeBackend.aggregate`). `known_slices` (dimension
    columns of slices already stored) keeps slices that have no case inside a short
    incremental window, so they get zeros as in a full compute.
    """
    dims = list(metric.dimensions)
    all_days = pd.date_range(first, last, freq="D").date
    known_by_set = _known_by_set(known_slices)
    frames = []
    if raw.empty or not (raw["grouping_id"] == (1 << len(dims)) - 1).any():
        # The platform-wide slice always exists, even on days (or exports) without cases.
        frames.append(_densify(raw.iloc[0:0], (), all_days, metric))
    for grouping_id, part in raw.groupby("grouping_id"):
        # groupby types its keys as any scalar; grouping_id is an integer column.
        slice_dims = _set_of(int(cast(int, grouping_id)), dims)
        part = part.dropna(subset=list(slice_dims)) if slice_dims else part
        extra = known_by_set.get(slice_dims)
        if metric.exposure_dimensions and set(slice_dims) & set(metric.exposure_dimensions):
            part = _with_parent_exposure(part, raw, metric, slice_dims, dims, extra)
        frames.append(_densify(part, slice_dims, all_days, metric, extra))
    seen = {_set_of(int(g), dims) for g in raw["grouping_id"].unique()} if len(raw) else set()
    for slice_dims in metric.slice_sets:
        extra = known_by_set.get(slice_dims)
        if slice_dims and slice_dims not in seen and extra is not None and len(extra):
            frames.append(_densify(raw.iloc[0:0], slice_dims, all_days, metric, extra))
    if not frames:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    series = pd.concat(frames, ignore_index=True)
    series["metric_id"] = metric.id
    for d in DIMENSIONS:
        if d not in series:
            series[d] = None
    return series[SERIES_COLUMNS]


def _known_by_set(known: pd.DataFrame | None) -> dict[tuple[str, ...], pd.DataFrame]:
    """The known slices grouped by their exact set of dimensions."""
    if known is None or known.empty:
        return {}
    present = known[list(DIMENSIONS)].notna().to_numpy()
    groups: dict[tuple[str, ...], pd.DataFrame] = {}
    signatures = [tuple(d for d, p in zip(DIMENSIONS, row, strict=True) if p) for row in present]
    for signature in set(signatures):
        if signature:
            rows = [i for i, s in enumerate(signatures) if s == signature]
            groups[signature] = known.iloc[rows][list(signature)].drop_duplicates()
    return groups


def _with_parent_exposure(
    part: pd.DataFrame,
    raw: pd.DataFrame,
    metric: MetricDefinition,
    slice_dims: tuple[str, ...],
    dims: list[str],
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A channel/issue_type slice of a rate takes its denominator from the parent slice."""
    parent_dims = tuple(d for d in slice_dims if d not in metric.exposure_dimensions)
    parent_id = sum(1 << (len(dims) - 1 - i) for i, d in enumerate(dims) if d not in parent_dims)
    parent = raw[raw["grouping_id"] == parent_id][["day", *parent_dims, "denominator"]]
    keys = list(slice_dims)
    # Every (parent day, child value) pair, so a day without complaints is a zero, not a gap.
    children = part[keys].drop_duplicates()
    if extra is not None:
        children = pd.concat([children, extra]).drop_duplicates()
    grid = (
        parent.merge(children, on=list(parent_dims), how="inner")
        if parent_dims
        else (parent.merge(children, how="cross"))
    )
    counts = part[["day", *keys, "numerator"]]
    merged = grid.merge(counts, on=["day", *keys], how="left")
    merged["numerator"] = merged["numerator"].fillna(0)
    merged["p90"] = np.nan
    return merged


def _densify(
    part: pd.DataFrame,
    slice_dims: tuple[str, ...],
    all_days: np.ndarray,
    metric: MetricDefinition,
    extra: pd.DataFrame | None = None,
) -> pd.DataFrame:
    keys = list(slice_dims)
    slices = part[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    if keys and extra is not None:
        slices = pd.concat([slices, extra]).drop_duplicates()
    # Keys are built on the few distinct slices, not on every (slice, day) row.
    slices = slices.assign(slice=[_slice_key(row, keys) for row in slices[keys].itertuples()])
    grid = slices.merge(pd.DataFrame({"day": all_days}), how="cross")
    part = part.assign(day=pd.to_datetime(part["day"]).dt.date)
    out = grid.merge(part, on=["day", *keys], how="left").sort_values([*keys, "day"])
    if metric.aggregation == "median":
        out["value"] = out["median"]
        out["numerator"] = np.nan
        out["denominator"] = out["denominator"].fillna(0)
    else:
        out["numerator"] = out["numerator"].fillna(0).astype(float)
        if metric.aggregation == "running_sum":
            group = out.groupby(keys, sort=False)["numerator"] if keys else out["numerator"]
            out["numerator"] = group.cumsum()
        if metric.kind in ("share", "rate"):
            den = out["denominator"].fillna(0).astype(float)
            out["denominator"] = den
            with np.errstate(divide="ignore", invalid="ignore"):
                # No value on a day with zero denominator: not zero, not a division error.
                out["value"] = np.where(den > 0, out["numerator"] / den * metric.scale, np.nan)
        else:
            out["denominator"] = np.nan
            out["value"] = out["numerator"]
    out["date"] = out["day"]
    return out[["date", "slice", *keys, "value", "numerator", "denominator", "p90"]]


def _slice_key(row: tuple[Any, ...], keys: list[str]) -> str:
    # row is (index, *values in `keys` order); keys are already in DIMENSIONS order.
    return slice_key(dict(zip(keys, row[1:], strict=True)))


def add_running_base(series: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Adds the stored running total of the day before the window to each slice's running
    sum; slices with a total but no events in the window keep it on every day."""
    if base.empty:
        return series
    days = sorted(series["date"].unique())
    present = set(series["slice"])
    missing = base[~base["slice"].isin(present)]
    if len(missing) and days:
        filler = missing.drop(columns=["value", "numerator"]).merge(
            pd.DataFrame({"date": days}), how="cross"
        )
        filler["numerator"] = 0.0
        series = pd.concat([series, filler], ignore_index=True)
    offsets = series["slice"].map(base.set_index("slice")["numerator"]).fillna(0.0)
    series["numerator"] = series["numerator"].astype(float) + offsets.to_numpy()
    series["value"] = series["numerator"]
    return series[SERIES_COLUMNS]
