"""Two textbook detectors to compare govkpi's detector with, on the value alone (causal).

- rolling 3 sigma: mean and sd of the previous 28 days; anomalous beyond 3 sd.
- STL: statsmodels STL (period 7, robust) refitted every `every` days (7 by default) on the
  last 112 days known by then (gaps interpolated); each following day is forecast as the last
  trend value plus the seasonal value of the same weekday, and is anomalous when the robust z
  of its residual (median / MAD of the fit's residuals) exceeds 3.5. Refitting weekly instead
  of daily keeps it affordable (and runs in two processes); it only ever uses the past.
  The in-sample residuals of a fit are about half as wide as its forecast errors, so the
  verdict as specified fires often; `sign_forecast` is the same forecast judged against the
  spread of its own past forecast errors (a fairer variant, reported beside it).

Both return the long frame's rows with a `sign` (+1 up, -1 down, 0 none).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from alerts.detection.baselines import MAD_TO_SD


def _daily(frame: pd.DataFrame) -> pd.DataFrame:
    """days x series matrix of values."""
    wide = frame.pivot(index="date", columns="series_id", values="value")
    wide.index = pd.to_datetime(wide.index)
    return wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"))


def _long(frame: pd.DataFrame, sign: pd.DataFrame) -> pd.DataFrame:
    """The frame's rows (series_id, date as given) with their sign."""
    stacked = sign.stack().rename("sign").reset_index()
    stacked.columns = ["day", "series_id", "sign"]
    stacked["day"] = stacked["day"].astype("datetime64[ns]")
    day = pd.to_datetime(frame["date"]).astype("datetime64[ns]").to_numpy()
    out = frame[["series_id", "date"]].assign(day=day)
    out = out.merge(stacked, on=["series_id", "day"], how="left").drop(columns="day")
    out["sign"] = out["sign"].fillna(0).astype(int)
    return out


def rolling_sigma(frame: pd.DataFrame, window: int = 28, k: float = 3.0) -> pd.DataFrame:
    wide = _daily(frame)
    mean = wide.rolling(window, min_periods=14).mean().shift(1)
    sd = wide.rolling(window, min_periods=14).std().shift(1)
    z = (wide - mean) / sd
    sign = np.sign(z).where(z.abs() > k, 0.0).fillna(0.0)
    return _long(frame, sign)


def _stl_column(y: np.ndarray, fit_window: int, every: int, k: float, first: int) -> np.ndarray:
    """Signs by the in-sample residual z (column 0) and by the forecast-error z (column 1)."""
    sign = np.zeros((len(y), 2))
    errors = np.full(len(y), np.nan)
    for cut in range(max(56, first - 56), len(y), every):
        past = pd.Series(y[max(0, cut - fit_window) : cut])
        if past.notna().sum() < 42:
            continue
        past = past.interpolate(limit_direction="both")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = STL(past.to_numpy(), period=7, robust=True).fit()
        resid = fit.resid
        centre = np.median(resid)
        spread = MAD_TO_SD * np.median(np.abs(resid - centre)) or 1e-12
        future = y[cut : cut + every]
        # Day cut + i has the weekday of day cut - 7 + (i mod 7).
        error = future - fit.trend[-1] - np.resize(fit.seasonal[-7:], len(future))
        errors[cut : cut + len(future)] = error
        recent = errors[max(0, cut - 56) : cut]
        recent = recent[~np.isnan(recent)]
        if cut < first:
            continue
        z = (error - centre) / spread
        sign[cut : cut + len(future), 0] = np.where(np.abs(z) > k, np.sign(z), 0.0)
        if len(recent) >= 14:
            mid = np.median(recent)
            z = (error - mid) / (MAD_TO_SD * np.median(np.abs(recent - mid)) or 1e-12)
            sign[cut : cut + len(future), 1] = np.where(np.abs(z) > k, np.sign(z), 0.0)
    return sign


def _stl_block(args: tuple[np.ndarray, int, int, float, int]) -> np.ndarray:
    values, fit_window, every, k, first = args
    return np.stack(
        [_stl_column(values[:, j], fit_window, every, k, first) for j in range(values.shape[1])],
        axis=1,
    )


def stl_robust(
    frame: pd.DataFrame,
    fit_window: int = 112,
    every: int = 7,
    k: float = 3.5,
    since: pd.Timestamp | None = None,
    workers: int = 2,
) -> pd.DataFrame:
    """STL verdicts from `since` on (earlier days: none), in `workers` processes: `sign` by
    the in-sample residual z, `sign_forecast` by the z of the forecast error against the
    spread of the previous 8 weeks' forecast errors."""
    wide = _daily(frame)
    first = 0 if since is None else max(0, int((since - wide.index[0]).days))
    values = wide.to_numpy(dtype=float)
    blocks = np.array_split(np.arange(values.shape[1]), max(1, workers))
    jobs = [(values[:, b], fit_window, every, k, first) for b in blocks if len(b)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_stl_block, jobs))
    else:
        parts = [_stl_block(job) for job in jobs]
    both = np.concatenate(parts, axis=1)
    out = []
    for column in range(2):
        sign = pd.DataFrame(both[:, :, column], index=wide.index, columns=wide.columns)
        out.append(_long(frame, sign.where(wide.notna(), 0.0)))
    return out[0].assign(sign_forecast=out[1]["sign"].to_numpy())
