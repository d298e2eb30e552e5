"""A held-out labelled suite of governance series: written apart from bench/labelled_suite.py
(own generator, own parameters) and NEVER used for tuning the detector -- only to check that
what was tuned on the other suite carries over. Default seeds: 101 and 202 (`HOLDOUT_SEEDS`),
160 series of 420 days each, about half of them with one incident.

Kinds: share (value = numerator / denominator), rate (numerator / denominator * 10000), count
(value only, no denominator) and duration (value = median hours, denominator = cases, p90).
Volumes in three tiers, small (a few to ~15 events a day), medium and large.

The day's true rate is drawn around a smooth path: for shares p_t ~ Beta(c p, c (1 - p)), for
rates and counts a gamma with shape c (so gamma-Poisson counts), for durations a log-normal
with variance 1/c on the median; the concentration c is log-uniform in 200-20000. Paths carry
weekly seasonality (in volume and in the rate) and trends. Clean series test quietness:
- drift: shares and rates with 10^4-10^5 cases a day, c in 200-3000, and the true rate (for
  a share: its minority side) wandering about +-25 % over a year (a sum of three slow
  sinusoids, periods 120-500 days);
- festivals: 3-6 days with x2-x5 volume and the rate unchanged (shares, rates, durations);
- missing days (2 % at random) and gaps (3-14 days in a row); small volumes.
Incidents go in the direction that is bad for the indicator (either one when it has none) and
are sized in units of the day's total noise sd on the log / logit scale (sampling plus
overdispersion), never below +-15 % relative (of the minority share for shares):
- spike (up) / dip (down): 1-3 days, 4-8 sd;
- shift: 3-6 sd for 30-90 days then back, or to the end of the series;
- ramp: 10-25 rising days to 5-9 sd, then held to the end of the series.
Every kind gets every incident type at every volume tier (a fixed rotation, then shuffled).
Labels (`HoldoutIncident.window`) follow bench.detect_scoring's convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

from bench.detect_scoring import Window, label_window

HOLDOUT_SEEDS = (101, 202)
# Draws the detector was developed on once the generator existed (its drift, burst and
# small-count changes): other seeds of the same code, so 101 and 202 stay unseen draws.
DEVELOPMENT_SEEDS = (11, 12, 13)
START = pd.Timestamp("2023-06-05")
KINDS = ("share", "rate", "count", "duration")
TIERS = ("small", "medium", "large")
INCIDENT_TYPES = ("spike", "dip", "shift", "ramp")
SCALE = {"share": 1.0, "rate": 10000.0, "count": 1.0, "duration": 1.0}
# Expected events (share: cases; rate: numerator; count: value; duration: cases) per day.
VOLUME = {
    "share": {"small": (30, 150), "medium": (1_000, 10_000), "large": (100_000, 800_000)},
    "rate": {"small": (3, 15), "medium": (60, 600), "large": (3_000, 40_000)},
    "count": {"small": (3, 15), "medium": (100, 2_000), "large": (20_000, 300_000)},
    "duration": {"small": (6, 25), "medium": (150, 1_500), "large": (5_000, 50_000)},
}
DURATION_SIGMA = 0.9  # log-sd of single cases' handling times
MIN_RELATIVE = 0.15


@dataclass(frozen=True)
class HoldoutIncident:
    series_id: str
    kind: str  # spike | dip | shift | ramp
    start: pd.Timestamp
    end: pd.Timestamp  # last day off the old level (the series' last day when it stays)
    direction: str  # up | down
    ramp_end: pd.Timestamp | None = None  # a ramp's last rising day
    returns: bool = True  # a shift or ramp that comes back before the series ends

    @property
    def window(self) -> Window:
        return label_window(self.series_id, self.kind, self.start, self.end, self.ramp_end)


@dataclass
class HoldoutSeries:
    series_id: str
    kind: str
    better: str | None
    scale: float
    tier: str
    concentration: float
    features: list[str] = field(default_factory=list)


@dataclass
class HoldoutSuite:
    seed: int
    frame: pd.DataFrame  # series_id, kind, date, value, numerator, denominator, p90
    series: dict[str, HoldoutSeries]
    incidents: list[HoldoutIncident]


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def total_sd(kind: str, level: float, volume: float, c: float) -> float:
    """The day's noise sd on the logit (share) or log scale: sampling plus overdispersion.
    `volume` is cases a day for shares and durations, expected events for rates and counts."""
    if kind == "share":
        return float(np.sqrt((1 / volume + 1 / (c + 1)) / (level * (1 - level))))
    if kind == "duration":
        return float(np.sqrt(np.pi / 2 * DURATION_SIGMA**2 / volume + 1 / c))
    return float(np.sqrt(1 / volume + 1 / c))


def _size(rng: np.random.Generator, lo: float, hi: float, sd: float, kind: str, level: float):
    """An effect of lo-hi sd (log / logit scale), at least MIN_RELATIVE relative."""
    if kind == "share":
        q = min(level, 1 - level)
        floor = abs(_logit(q * (1 + MIN_RELATIVE)) - _logit(q))
    else:
        floor = float(np.log(1 + MIN_RELATIVE))
    return max(rng.uniform(lo, hi) * sd, floor)


def _drift(rng: np.random.Generator, n: int) -> np.ndarray:
    """A smooth log-scale path peaking at about +-25 % relative: three slow sinusoids."""
    t = np.arange(n)
    path = sum(
        rng.uniform(0.5, 1.0) * np.sin(2 * np.pi * t / rng.uniform(120, 500) + rng.uniform(0, 6.3))
        for _ in range(3)
    )
    return path / np.abs(path).max() * np.log(1 + rng.uniform(0.2, 0.3))


def _plan_list(rng: np.random.Generator, n_series: int) -> list[tuple[str, str, str | None]]:
    """(kind, tier, incident type or None) per series: half with incidents, rotated so that
    every kind x tier x type occurs, clean ones rotated over kind x tier; then shuffled."""
    with_incident = n_series // 2
    # The type varies fastest, then the kind, then the tier: every 48 cover every combination.
    combos = [(k, t, i) for t, k, i in product(TIERS, KINDS, INCIDENT_TYPES)]
    plans: list[tuple[str, str, str | None]] = [
        combos[j % len(combos)] for j in range(with_incident)
    ]
    clean = list(product(TIERS, KINDS))
    plans += [(k, t, None) for t, k in (clean[j % 12] for j in range(n_series - with_incident))]
    return [plans[j] for j in rng.permutation(len(plans))]


def _incident(
    rng: np.random.Generator,
    sid: str,
    plan: str,
    n: int,
    sd: float,
    kind: str,
    level: float,
    up: bool,
    effect: np.ndarray,
    shifts_seen: int,
) -> HoldoutIncident:
    """Adds the planned incident to `effect` (log / logit scale) and returns its label."""
    sign = 1.0 if up else -1.0
    start = int(rng.integers(120, n - 100))
    day = START + pd.Timedelta(days=start)
    direction = "up" if up else "down"
    if plan in ("spike", "dip"):
        length = int(rng.integers(1, 4))
        effect[start : start + length] += sign * _size(rng, 4, 8, sd, kind, level)
        end = day + pd.Timedelta(days=length - 1)
        return HoldoutIncident(sid, plan, day, end, direction)
    last = START + pd.Timedelta(days=n - 1)
    if plan == "shift":
        returns = shifts_seen % 2 == 0
        length = int(rng.integers(30, 91)) if returns else n - start
        effect[start : start + length] += sign * _size(rng, 3, 6, sd, kind, level)
        end = day + pd.Timedelta(days=length - 1)
        return HoldoutIncident(sid, "shift", day, end, direction, returns=returns)
    rise = int(rng.integers(10, 26))
    top = sign * _size(rng, 5, 9, sd, kind, level)
    effect[start : start + rise] += top * np.arange(1, rise + 1) / rise
    effect[start + rise :] += top
    ramp_end = day + pd.Timedelta(days=rise - 1)
    return HoldoutIncident(sid, "ramp", day, last, direction, ramp_end, returns=False)


def _better(rng: np.random.Generator, plan: str | None, up: bool) -> str | None:
    if plan is None:
        return [None, "higher", "lower"][int(rng.integers(3))]
    return [None, "lower" if up else "higher"][int(rng.integers(2))]


def _level(rng: np.random.Generator, kind: str) -> float:
    if kind == "share":
        return rng.uniform(0.03, 0.35) if rng.random() < 0.5 else rng.uniform(0.65, 0.97)
    return {"rate": rng.uniform(5, 80) / 10000, "count": 1.0}.get(kind, rng.uniform(4, 72))


def make_series(
    rng: np.random.Generator,
    sid: str,
    kind: str,
    tier: str,
    plan: str | None,
    n: int,
    shifts_seen: int = 0,
) -> tuple[pd.DataFrame, HoldoutSeries, list[HoldoutIncident]]:
    """One series of `n` days; `plan` is the incident type to plant (None: clean)."""
    days = pd.date_range(START, periods=n, freq="D")
    t = np.arange(n) / n
    weekend = np.asarray(days.day_of_week >= 5)
    up = {"spike": True, "dip": False}.get(plan or "", bool(rng.random() < 0.5))
    level = float(_level(rng, kind))
    drift = plan is None and kind in ("share", "rate") and tier != "small" and rng.random() < 0.6
    c = _loguniform(rng, 200, 3000) if drift else _loguniform(rng, 200, 20000)
    truth = HoldoutSeries(sid, kind, _better(rng, plan, up), SCALE[kind], tier, c)
    if drift:
        cases = _loguniform(rng, 12_000, 80_000)
        volume = cases * level if kind == "rate" else cases
    else:
        volume = _loguniform(rng, *VOLUME[kind][tier])
    if kind == "share":  # at least three cases a day on the minority side
        volume = max(volume, 3 / min(level, 1 - level))
    log_volume = np.full(n, np.log(volume)) + rng.normal(0, 0.03, n)
    effect = np.zeros(n)
    if rng.random() < 0.6:
        log_volume += np.log(rng.uniform(0.8, 0.95) if drift else rng.uniform(0.5, 0.9)) * weekend
        phase = rng.uniform(0, 2 * np.pi)
        effect += rng.uniform(0, 0.12) * np.cos(
            2 * np.pi * np.asarray(days.day_of_week) / 7 + phase
        )
        truth.features.append("seasonality")
    if not drift and rng.random() < 0.5:
        log_volume += rng.uniform(-0.3, 0.5) * t
        effect += rng.uniform(-0.15, 0.15) * t
        truth.features.append("trend")
    if drift:
        # For a share, about +-25 % of its minority side (q): d logit = d q / (q (1 - q)).
        effect += _drift(rng, n) / (1 - min(level, 1 - level) if kind == "share" else 1.0)
        truth.features.append("drift")
    if kind != "count" and not drift and rng.random() < 0.5:
        for first in rng.choice(np.arange(30, n - 3), size=int(rng.integers(3, 7)), replace=False):
            log_volume[first : first + int(rng.integers(1, 3))] += np.log(rng.uniform(2, 5))
        truth.features.append("festivals")
    incidents = []
    if plan is not None:
        sd = total_sd(kind, level, volume, c)
        incidents.append(_incident(rng, sid, plan, n, sd, kind, level, up, effect, shifts_seen))
    frame = _observe(rng, kind, level, np.exp(log_volume), effect, c)
    keep = np.ones(n, dtype=bool)
    if rng.random() < 0.5:
        keep &= rng.random(n) > 0.02
        truth.features.append("missing_days")
    if rng.random() < 0.3:
        gap = int(rng.integers(30, n - 20))
        keep[gap : gap + int(rng.integers(3, 15))] = False
        truth.features += [] if "missing_days" in truth.features else ["missing_days"]
    for inc in incidents:  # a label day left without data could not be detected
        w = inc.window
        keep[(w.start - START).days : (w.end - START).days + 1] = True
    frame.insert(0, "date", days.date)
    frame.insert(0, "kind", kind)
    frame.insert(0, "series_id", sid)
    return frame[keep & frame["value"].notna().to_numpy()], truth, incidents


def _observe(
    rng: np.random.Generator,
    kind: str,
    level: float,
    volume: np.ndarray,
    effect: np.ndarray,
    c: float,
) -> pd.DataFrame:
    """The observed columns value, numerator, denominator, p90 (NaN value: no data that day)."""
    n = len(effect)
    nan = np.full(n, np.nan)
    if kind == "share":
        den = rng.poisson(volume).astype(float)
        mean = 1 / (1 + np.exp(-(_logit(level) + effect)))
        p = rng.beta(c * mean, c * (1 - mean))
        num = rng.binomial(den.astype(np.int64), p).astype(float)
        value = np.where(den > 0, num / np.maximum(den, 1), np.nan)
        return pd.DataFrame({"value": value, "numerator": num, "denominator": den, "p90": nan})
    if kind in ("rate", "count"):
        den = rng.poisson(volume / level).astype(float) if kind == "rate" else nan
        mu = (den * level if kind == "rate" else volume) * np.exp(effect)
        num = rng.poisson(rng.gamma(c, mu / c)).astype(float)
        if kind == "count":
            return pd.DataFrame({"value": num, "numerator": nan, "denominator": nan, "p90": nan})
        value = np.where(den > 0, num / np.maximum(den, 1) * SCALE["rate"], np.nan)
        return pd.DataFrame({"value": value, "numerator": num, "denominator": den, "p90": nan})
    cases = rng.poisson(volume).astype(float)
    spread = DURATION_SIGMA * np.sqrt(np.pi / 2 / np.maximum(cases, 1))
    true_median = level * np.exp(effect + rng.normal(0, 1 / np.sqrt(c), n))
    median = np.where(cases > 0, true_median * np.exp(rng.normal(0, spread)), np.nan)
    # The p90 sits a noisy multiple above the day's median (never below it).
    p90 = median * np.exp(1.2816 * DURATION_SIGMA * np.exp(rng.normal(0, 0.5 * spread)))
    return pd.DataFrame({"value": median, "numerator": nan, "denominator": cases, "p90": p90})


def make_holdout(seed: int, n_series: int = 160, n_days: int = 420) -> HoldoutSuite:
    """The held-out suite for `seed` (never tune on it)."""
    rng = np.random.default_rng(seed)
    frames, series, incidents = [], {}, []
    shifts = 0
    for i, (kind, tier, plan) in enumerate(_plan_list(rng, n_series)):
        sid = f"holdout{seed}/{kind}/{tier}/{i:03d}"
        frame, truth, labels = make_series(rng, sid, kind, tier, plan, n_days, shifts)
        shifts += plan == "shift"
        frames.append(frame)
        series[sid] = truth
        incidents += labels
    return HoldoutSuite(seed, pd.concat(frames, ignore_index=True), series, incidents)
