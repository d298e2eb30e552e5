"""False-alarm control across the many slices x indicators tested every day.

Decision: a Bonferroni-like threshold on each series' score, the same for every series and
every day, rather than Benjamini-Hochberg on each day's p-values by default. Why:

- the verdict of a series must not depend on which other series happen to be scored with it
  (`govkpi detect --input` on one series, the alerts code re-scoring one slice, and the
  store-wide run must agree);
- slices are nested (all > market > market x category) and strongly correlated, which is
  where BH's guarantees are weakest, and on a quiet day BH over ~3,000 tests demands about the
  same |z| as this threshold anyway (4.3 vs 4.0);
- the team's tolerance is naturally expressed per series-year, and the benchmark measures it.

|z| >= 4 is a two-sided p of 6e-5 per series-day: with Gaussian residuals about 0.02 false
alarms per series-year, ~0.2 per day over a 3,000-series store. Real residuals have heavier
tails and the ramp accumulator adds its own; `bench/bench_detect.py` reports the measured rate
(target <= 0.5 false alert events per series-year; measured about 0.1 on the synthetic suite).
The accumulator's limit (4.5 sd of its stationary distribution) is mapped onto the same score
threshold, and so is the shift CUSUM's decision limit h = 9 (reference k = 0.75). For iid
unit-normal residuals Siegmund's approximation puts its in-control run length in the millions
of days; the margin is deliberate, because the residuals are standardised by a *learned* sd
(a 15 % underestimate is a 0.15 sd bias that a CUSUM sums every day). h and k were chosen on
the tuning seed as the smallest limit that leaves its false events per series-year where
the EWMA alone had them (0.09-0.10); k = 0.5 or h = 8 doubled them.

The shift GLR (`level_shift`: the largest standardised window of 2-14 days against the
baseline frozen on the window's first day) has the limit 4.5, also mapped onto the threshold.
It is set by the same per-day false-alarm probability as the point test: |z| >= 4 is 6.3e-5
two-sided, and the largest of the 13 overlapping windows of iid unit-normal days reaches 4.5
on 5.4e-5 of days (simulated, 2e7 days; 4.25: 1.6e-4, 4.75: 1.7e-5). Exceedances of
overlapping windows come in runs, so per series-year it adds fewer events than days. It is
only run where the window's variance is mostly known sampling variance (see that module).
Measured when it was added: false events per series-year unchanged on both synthetic seeds,
one more false event in the sample store's 4,569 series. `bench.detect_tradeoff` prints the
trade-off: on the sample store 4.25 adds 3 false events (18 -> 21; counterfeit wave caught 2
days sooner), 4.0 adds 22 and 3.75 adds 54, and the median delay is 1.5 days at all of them.

For stores where a day's false discoveries matter more than per-series rates, `fdr_screen`
additionally applies Benjamini-Hochberg (statsmodels `multipletests`, fdr_bh) to each day's
scores across all series tested that day (`govkpi detect --fdr Q`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm
from statsmodels.stats.multitest import multipletests

from alerts.detection.arrays import BoolArray, FloatArray, ObjectArray

DEFAULT_THRESHOLD = 4.0
ACCUMULATOR_LIMIT = 4.5
CUSUM_LIMIT = 9.0
SHIFT_LIMIT = 4.5


def accumulator_limit() -> float:
    """Control limit of the ramp accumulator, in sd of its stationary distribution."""
    return ACCUMULATOR_LIMIT


def cusum_limit() -> float:
    """Decision limit h of the shift CUSUM (reference k = 0.5), in residual sd."""
    return CUSUM_LIMIT


def shift_limit() -> float:
    """Decision limit of the shift GLR (largest standardised window sum), in sd."""
    return SHIFT_LIMIT


def p_value(score: FloatArray) -> FloatArray:
    """Two-sided normal p-value of a score (NaN stays NaN)."""
    # scipy has no type information: its result is annotated where it comes back.
    tail: FloatArray = norm.sf(np.abs(score))
    return 2.0 * tail


def is_bad_direction(sign: FloatArray, better: ObjectArray) -> BoolArray:
    """True where the move is bad for the indicator; both directions when better is unknown."""
    better = np.asarray(better, dtype=object)
    # Comparing an object array types as Any in numpy; these are boolean arrays.
    up_bad: BoolArray = (better == "lower") | pd.isna(better)
    down_bad: BoolArray = (better == "higher") | pd.isna(better)
    return ((sign > 0) & up_bad) | ((sign < 0) & down_bad)


def fdr_screen(dates: pd.Series, score: pd.Series, is_anomaly: pd.Series, q: float) -> pd.Series:
    """Keeps an anomaly only if it is a BH discovery at level q among that day's tests."""
    if not 0 < q < 1:
        raise ValueError("q must be between 0 and 1")
    keep = pd.Series(False, index=score.index)
    tested = score.notna()
    for _, idx in score[tested].groupby(dates[tested]).groups.items():
        reject, *_ = multipletests(p_value(score.loc[idx].to_numpy()), alpha=q, method="fdr_bh")
        keep.loc[idx] = reject
    return is_anomaly & keep
