"""Volume as a signal in its own right: a denominator that collapses or explodes.

A share or rate is tested at the day's own volume, so when the volume collapses the band
widens and the day can pass: on the demo's model outage removals fell from about 80 a day
to 11 and the proactive share to 6 of 11, inside a band that 11 cases make wide. Yet the
collapse itself is the news -- removals, cases decided, new listings stopped arriving.

So the denominator (removals, complaints due, cases decided, listings) of every share, rate
and duration is checked against its own recent level: the median of its last
`window` observed days (known-event days left out), on the log scale, with the MAD of the
same days as its spread. A day is a volume anomaly when it is both

- far outside the range: below 1/`collapse` of that level, or above `explosion` times it.
  Asymmetric on purpose: festivals and campaigns legitimately bring three to five times the
  listings (and the detector must stay quiet on them, DESIGN.md), while nothing ordinary
  divides a platform's removals by four -- holidays are in the known-event calendar;
- and beyond `threshold` of the series' own spread (a slice whose volume already swings
  widely needs a larger move), on a level of at least `min_level` cases (four cases falling
  to one is not a collapse anyone can tell from chance).

Known-event days and the first `min_days` observed days are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from alerts.detection.arrays import BoolArray, FloatArray
from alerts.detection.baselines import MAD_TO_SD


@dataclass(frozen=True)
class VolumeParams:
    window: int = 28
    min_days: int = 14
    collapse: float = 4.0
    explosion: float = 10.0
    min_level: float = 20.0
    # The spread is never taken below this (log units): Poisson noise alone is more at 20.
    min_spread: float = 0.05


@dataclass
class VolumeVerdict:
    score: FloatArray  # log-scale z of the day's volume against its level (NaN: not checked)
    is_anomaly: BoolArray


def volume_anomalies(
    volume: FloatArray, neutral: BoolArray, threshold: float, p: VolumeParams | None = None
) -> VolumeVerdict:
    """Checks a days x series matrix of denominators; `neutral` (per day): known events."""
    p = p or VolumeParams()
    with np.errstate(invalid="ignore", divide="ignore"):
        logged = np.log(np.where(volume > 0, volume, np.nan))
        # A day with no volume at all is a collapse too: it counts as half a case.
        logged = np.where(volume == 0, np.log(0.5), logged)
    frame = pd.DataFrame(np.where(neutral[:, None], np.nan, logged))
    roll = frame.rolling(p.window, min_periods=p.min_days)
    level = roll.median().shift(1).to_numpy()
    spread = (
        MAD_TO_SD
        * (frame - roll.median())
        .abs()
        .rolling(p.window, min_periods=p.min_days)
        .median()
        .shift(1)
        .to_numpy()
    )
    spread = np.fmax(np.nan_to_num(spread, nan=np.inf), p.min_spread)
    with np.errstate(invalid="ignore"):
        resid = logged - level
        score = resid / spread
        far = (resid <= -np.log(p.collapse)) | (resid >= np.log(p.explosion))
        busy = np.exp(level) >= p.min_level
        checked = ~np.isnan(resid) & ~neutral[:, None] & busy
        is_anomaly = checked & far & (np.abs(score) >= threshold)
    return VolumeVerdict(score=np.where(checked, score, np.nan), is_anomaly=is_anomaly)
