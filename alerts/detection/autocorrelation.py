"""Rolling lag autocorrelation of every column of a days x series matrix at once.

pandas' `Rolling.corr` works column by column; over the detector's ~1000-series blocks that
took ~2 s of a ~19 s store-wide scoring. This computes the same Pearson correlation from window
sums taken as differences of cumulative sums, for all columns in a few array operations.
"""

from __future__ import annotations

import warnings

import numpy as np

# A window whose sum of squared deviations is below this share of the cumulative sum it is
# a difference of has lost digits to rounding (a constant stretch, or nearly, or a run at
# the clip): it is recomputed from its own rows. Above it the correlation is good to ~1e-11.
_ROUNDING_SHARE = 1e-2


def rolling_autocorrelation(x: np.ndarray, lag: int, window: int, min_pairs: int) -> np.ndarray:
    """Correlation of x_t with x_{t-lag} over rows t-window+1..t, down each column.

    Matches `pd.DataFrame(x).rolling(window, min_periods=min_pairs).corr(frame.shift(lag))`:
    only rows where both values are observed count as pairs, fewer than `min_pairs` pairs
    give NaN, and so does a window where either side of the pairs is constant (pandas
    returns NaN there rather than dividing rounding error by zero).
    """
    lagged = np.full(x.shape, np.nan)
    lagged[lag:] = x[:-lag]
    paired = ~(np.isnan(x) | np.isnan(lagged))
    # Centred on each column's mean, so that the sums of squares are not needlessly large.
    count = paired.sum(axis=0)
    centre = np.where(paired, x, 0.0).sum(axis=0) / np.maximum(count, 1)
    a = np.where(paired, x - centre, 0.0)
    b = np.where(paired, lagged - centre, 0.0)

    n = _window_sum(np.cumsum(paired, axis=0, dtype=float), window)
    sa = _window_sum(np.cumsum(a, axis=0), window)
    sb = _window_sum(np.cumsum(b, axis=0), window)
    cum_aa, cum_bb = np.cumsum(a * a, axis=0), np.cumsum(b * b, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ss_a = _window_sum(cum_aa, window) - sa * sa / n
        ss_b = _window_sum(cum_bb, window) - sb * sb / n
        cov = _window_sum(np.cumsum(a * b, axis=0), window) - sa * sb / n
        r = cov / np.sqrt(ss_a * ss_b)
    enough = n >= min_pairs
    shaky = enough & ((ss_a <= _ROUNDING_SHARE * cum_aa) | (ss_b <= _ROUNDING_SHARE * cum_bb))
    rows, cols = np.nonzero(shaky)
    r[rows, cols] = _windowed_correlation(
        np.where(paired, a, np.nan), np.where(paired, b, np.nan), rows, cols, window
    )
    return np.where(enough, r, np.nan)


def _window_sum(cumulative: np.ndarray, window: int) -> np.ndarray:
    """Sum over rows t-window+1..t (fewer at the top) from the cumulative sums."""
    out = cumulative.copy()
    out[window:] -= cumulative[:-window]
    return out


def _windowed_correlation(
    a: np.ndarray, b: np.ndarray, rows: np.ndarray, cols: np.ndarray, window: int
) -> np.ndarray:
    """The correlation of the pairs (a, b both observed) of the windows ending at (rows, cols).

    Two passes over each window itself: slow (window times the work) but exact where the
    cumulative sums are not. A window where either side is constant gives NaN, as in pandas.
    """
    pad = np.full((window - 1, a.shape[1]), np.nan)
    # Row t of the original is row t + window - 1 once padded: its window starts at t.
    take = rows[:, None] + np.arange(window), cols[:, None]
    wa, wb = np.vstack([pad, a])[take], np.vstack([pad, b])[take]
    # Windows at the top have padding rows: they count as missing days.
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        da = wa - np.nanmean(wa, axis=-1, keepdims=True)
        db = wb - np.nanmean(wb, axis=-1, keepdims=True)
        r = np.nansum(da * db, axis=-1) / np.sqrt(
            np.nansum(da * da, axis=-1) * np.nansum(db * db, axis=-1)
        )
        constant = (np.nanmax(wa, axis=-1) == np.nanmin(wa, axis=-1)) | (
            np.nanmax(wb, axis=-1) == np.nanmin(wb, axis=-1)
        )
    return np.where(constant, np.nan, r)
