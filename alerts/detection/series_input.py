"""Bring-your-own series for `govkpi detect --input/--output`: reading, checking, writing.

Input: a long-format Parquet file (or CSV, by its .csv suffix) with columns series_id, kind,
date, value and, where known, numerator and denominator (null allowed; absent columns count
as null). Optional: better (higher | lower | null: both directions are bad), scale (the value
is numerator / denominator * scale; inferred from the rows when absent) and p90 (durations).
Every problem is a `UserError` naming the file, the column and an example row.

Output: series_id, date, value, expected, lower, upper, score, is_anomaly, direction (plus
kind, is_alert and test), written to a temporary file beside the target and renamed into
place.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alerts.detection.scales import KINDS
from alerts.detection.scoring import SeriesSpec
from metrics.errors import UserError

log = logging.getLogger(__name__)

REQUIRED = ("series_id", "kind", "date", "value")
NUMERIC = ("value", "numerator", "denominator", "p90", "scale")
BETTER = ("higher", "lower")


def _example(frame: pd.DataFrame, mask: pd.Series | np.ndarray) -> str:
    """`row N (series_id=..., date=..., column=value)` for the first offending row."""
    position = int(np.flatnonzero(np.asarray(mask))[0])
    row = frame.iloc[position]
    shown = ", ".join(f"{c}={row[c]!s}" for c in frame.columns[:7])
    return f"row {position + 1} ({shown})"


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, dtype={"series_id": str, "kind": str, "better": str})
        # pyarrow has no type information: the frame is annotated where it comes back.
        frame: pd.DataFrame = pq.read_table(path).to_pandas()
        return frame
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as exc:
        what = "CSV" if path.suffix.lower() == ".csv" else "Parquet"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"{path}: not a readable {what} file ({first})") from None


def _numeric(path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    raw = frame[column]
    if pd.api.types.is_bool_dtype(raw):
        raise UserError(f"{path}: column {column}: expected numbers, got booleans")
    numbers = pd.to_numeric(raw, errors="coerce")
    bad = numbers.isna() & raw.notna()
    if bad.any():
        raise UserError(
            f"{path}: column {column}: expected numbers, got {raw[bad].iloc[0]!r} "
            f"in {_example(frame, bad)}"
        )
    return numbers.astype(float)


def _dates(path: Path, frame: pd.DataFrame) -> pd.Series:
    raw = frame["date"]
    if pd.api.types.is_numeric_dtype(raw) or pd.api.types.is_bool_dtype(raw):
        raise UserError(
            f"{path}: column date: expected dates, got numbers in {_example(frame, raw.notna())}"
        )
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        raise UserError(f"{path}: column date: not a date in {_example(frame, bad)}")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.dt.normalize()


def _check(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise UserError(f"{path}: missing column {missing[0]} (columns: {have})")
    for column in ("series_id", "kind"):
        null = frame[column].isna()
        if null.any():
            raise UserError(f"{path}: column {column}: null in {_example(frame, null)}")
    kind = frame["kind"].astype(str).str.strip().str.lower()
    unknown = ~kind.isin(KINDS)
    if unknown.any():
        raise UserError(
            f"{path}: column kind: unknown kind {frame['kind'][unknown].iloc[0]!r} (known: "
            f"{', '.join(KINDS)}) in {_example(frame, unknown)}"
        )
    out = pd.DataFrame({"series_id": frame["series_id"].astype(str), "kind": kind})
    out["date"] = _dates(path, frame)
    for column in NUMERIC:
        out[column] = _numeric(path, frame, column) if column in frame.columns else np.nan
    for column in ("numerator", "denominator"):
        if column not in frame.columns:
            log.warning(
                "%s: no %s column; rates and shares are judged on their value alone", path, column
            )
    negative = (out["denominator"] < 0) | (out["numerator"] < 0)
    if negative.any():
        raise UserError(
            f"{path}: column denominator/numerator: negative in {_example(frame, negative)}"
        )
    over = (out["kind"] == "share") & (out["numerator"] > out["denominator"])
    if over.any():
        raise UserError(
            f"{path}: column numerator: a share's numerator exceeds its denominator in "
            f"{_example(frame, over)}"
        )
    if "better" in frame.columns:
        better = frame["better"].where(frame["better"].notna(), None)
        bad = better.notna() & ~better.isin(BETTER)
        if bad.any():
            raise UserError(
                f"{path}: column better: expected higher, lower or null in {_example(frame, bad)}"
            )
        out["better"] = better
    duplicated = out.duplicated(["series_id", "date"])
    if duplicated.any():
        raise UserError(
            f"{path}: two rows for one series and date, e.g. {_example(frame, duplicated)}"
        )
    kinds = out.groupby("series_id")["kind"].nunique()
    if (kinds > 1).any():
        sid = kinds[kinds > 1].index[0]
        raise UserError(f"{path}: column kind: series {sid} has more than one kind")
    return out


def _scale(group: pd.DataFrame) -> float:
    """The series' scale: given, or value / (numerator / denominator) on its rows."""
    given = group["scale"].dropna()
    if len(given):
        return float(given.iloc[0])
    usable = (group["numerator"] > 0) & (group["denominator"] > 0) & group["value"].notna()
    if not usable.any() or group["kind"].iloc[0] in ("count", "duration"):
        return 1.0
    g = group[usable]
    ratio = float(np.median(g["value"] / (g["numerator"] / g["denominator"])))
    return ratio if np.isfinite(ratio) and ratio > 0 else 1.0


def read_series_file(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict[str, SeriesSpec]]:
    """The checked long frame and each series' kind, direction and scale."""
    path = Path(path)
    frame = _check(path, _read(path))
    specs = {}
    for sid, group in frame.groupby("series_id", sort=False):
        better = (
            group["better"].dropna().iloc[0]
            if "better" in group and group["better"].notna().any()
            else None
        )
        specs[str(sid)] = SeriesSpec(str(group["kind"].iloc[0]), better, _scale(group))
    return frame, specs


def write_detections(out: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Writes the scores as Parquet: a temporary file beside the target, renamed into place."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"{target}: folder {directory} does not exist")
    table = pa.Table.from_pandas(out, preserve_index=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
