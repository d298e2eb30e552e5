"""Anomaly detection over long-format series: the entry points the rest of govkpi calls.

- `score_series(df, kind, better, scale)`: one series (columns date, value, numerator,
  denominator, optionally p90) -> one row per input day with expected, lower, upper, score,
  is_anomaly, direction and is_alert.
- `score_frame(frame, specs)`: many series at once (column series_id added); series of the
  same kind are scored together as one days x series matrix, in blocks, so 3,000 series of
  400 days take seconds. A series' verdicts do not depend on the other series in the frame
  (unless an FDR level is given).
- `detect_store(store)`: scores every series of the metric store with the catalogue's kind,
  direction and scale and replaces the store's `detections` table.

The statistics are described in `alerts.detection.scales`, `alerts.detection.baselines`,
`alerts.detection.detectors` and `alerts.detection.false_alarm_control`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from alerts.detection.detectors import (
    TEST_NAMES,
    TEST_VOLUME,
    DetectorParams,
    Scores,
    score_matrix,
)
from alerts.detection.false_alarm_control import fdr_screen, is_bad_direction
from alerts.detection.scales import KINDS

log = logging.getLogger(__name__)

OUTPUT_COLUMNS = [
    "series_id",
    "date",
    "value",
    "expected",
    "lower",
    "upper",
    "score",
    "is_anomaly",
    "direction",
    "is_alert",
    "test",
]
BLOCK = 1000  # series per matrix: bounds memory and paces the progress log
# The detector's numbers for each input row, from which its detection row is made.
ROW_SCORES = tuple(f.name for f in fields(Scores))


@dataclass(frozen=True)
class SeriesSpec:
    kind: str
    better: str | None = None  # "higher" | "lower" | None (both directions are bad)
    scale: float = 1.0


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def score_rows(
    rows: pd.DataFrame, ids: list[str], specs: Mapping[str, SeriesSpec], params: DetectorParams
) -> dict[str, np.ndarray]:
    """The detector's numbers (`Scores`' fields) for each of `rows`: one block of series."""
    kind = specs[ids[0]].kind
    dates = pd.to_datetime(rows["date"]).dt.normalize()
    start = dates.min()
    days = pd.date_range(start, dates.max(), freq="D")
    t = ((dates - start).dt.days).to_numpy()
    col = pd.Categorical(rows["series_id"], categories=ids).codes
    shape = (len(days), len(ids))

    def wide(name: str) -> np.ndarray:
        out = np.full(shape, np.nan)
        out[t, col] = _column(rows, name)
        return out

    scale = np.array([specs[i].scale for i in ids], dtype=float)
    p90 = wide("p90") if "p90" in rows.columns else None
    s = score_matrix(
        kind,
        days,
        wide("value"),
        wide("numerator"),
        wide("denominator"),
        scale,
        p90,
        params,
    )
    return {name: getattr(s, name)[t, col] for name in ROW_SCORES}


def detection_rows(
    rows: pd.DataFrame,
    ids: list[str],
    scores: Mapping[str, np.ndarray],
    specs: Mapping[str, SeriesSpec],
) -> pd.DataFrame:
    """One block's detections (`OUTPUT_COLUMNS`, indexed like `rows`) from `score_rows`."""
    col = pd.Categorical(rows["series_id"], categories=ids).codes
    sign, test = scores["sign"], scores["test"]
    better = np.array([specs[i].better for i in ids], dtype=object)[col]
    return pd.DataFrame(
        {
            "series_id": rows["series_id"].to_numpy(),
            "date": pd.to_datetime(rows["date"]).dt.normalize().dt.date.to_numpy(),
            "value": _column(rows, "value"),
            "expected": scores["expected"],
            "lower": scores["lower"],
            "upper": scores["upper"],
            "score": scores["score"],
            "is_anomaly": scores["is_anomaly"],
            # numpy's stubs do not take None as a value; here it makes an object array.
            "direction": np.where(
                sign > 0,
                "up",
                np.where(sign < 0, "down", None),  # type: ignore[call-overload]
            ),
            # A collapse or explosion of volume alerts whichever way the indicator is better.
            "is_alert": scores["is_anomaly"]
            & (is_bad_direction(sign, better) | (test == TEST_VOLUME)),
            "test": pd.Series(test).map(TEST_NAMES).to_numpy(dtype=object),
        },
        index=rows.index,
    )


def check_specs(frame: pd.DataFrame, specs: Mapping[str, SeriesSpec]) -> None:
    """Raises ValueError unless every series of `frame` has a spec of a known kind."""
    missing = sorted(set(frame["series_id"].unique()) - set(specs))
    if missing:
        raise ValueError(f"no kind given for series {missing[:3]}")
    for sid, spec in specs.items():
        if spec.kind not in KINDS:
            raise ValueError(f"series {sid}: unknown kind {spec.kind!r}")


def series_blocks(series_ids: pd.Series, specs: Mapping[str, SeriesSpec]) -> list[list[str]]:
    """The series scored together as one matrix: by kind, sorted, in blocks of at most BLOCK.

    A series' scores can differ in the last bits with the block it is scored in (the sample
    store's series in other blocks: scores up to 3e-14 apart, verdicts the same), so an
    engine that scores blocks elsewhere uses these same blocks and gives the same bits.
    """
    by_kind: dict[str, list[str]] = {}
    for sid in sorted(series_ids.unique()):
        by_kind.setdefault(specs[sid].kind, []).append(sid)
    return [
        list(chunk)
        for ids in by_kind.values()
        for chunk in np.array_split(np.array(ids, dtype=object), -(-len(ids) // BLOCK))
    ]


def screen_fdr(out: pd.DataFrame, fdr: float | None) -> pd.DataFrame:
    """Keeps only the anomalies that are BH discoveries among each day's tests (if fdr)."""
    if fdr is not None:
        out["is_anomaly"] = fdr_screen(out["date"], out["score"], out["is_anomaly"], fdr)
        out["is_alert"] &= out["is_anomaly"]
        out.loc[~out["is_anomaly"], "direction"] = None
    return out


def score_frame(
    frame: pd.DataFrame,
    specs: Mapping[str, SeriesSpec],
    params: DetectorParams | None = None,
    fdr: float | None = None,
) -> pd.DataFrame:
    """Scores every series of a long frame (series_id, date, value, numerator, denominator)."""
    params = params or DetectorParams()
    frame = frame.reset_index(drop=True)
    check_specs(frame, specs)
    started = time.perf_counter()
    total = frame["series_id"].nunique()
    done = 0
    parts = []
    for block in series_blocks(frame["series_id"], specs):
        rows = frame[frame["series_id"].isin(block)]
        parts.append(detection_rows(rows, block, score_rows(rows, block, specs, params), specs))
        done += len(block)
        log.info(
            "scored %d/%d series (%s) in %.1f s",
            done,
            total,
            specs[block[0]].kind,
            time.perf_counter() - started,
        )
    return assemble(frame, parts, fdr)


def assemble(frame: pd.DataFrame, parts: list[pd.DataFrame], fdr: float | None) -> pd.DataFrame:
    """`score_frame`'s result from its blocks' detections: in `frame`'s order, then screened."""
    if not parts:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    out = pd.concat(parts).loc[frame.index]
    return screen_fdr(out, fdr).reset_index(drop=True)


def score_series(
    df: pd.DataFrame,
    kind: str,
    better: str | None = None,
    scale: float = 1.0,
    params: DetectorParams | None = None,
) -> pd.DataFrame:
    """Scores one series; returns one row per input row, in input order."""
    frame = df.assign(series_id="series")
    out = score_frame(frame, {"series": SeriesSpec(kind, better, scale)}, params)
    return out.drop(columns="series_id")
