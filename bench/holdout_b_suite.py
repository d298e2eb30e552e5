"""A third labelled suite, written from issue 12's description alone and never tuned on.

Each draw (`make_holdout_b(seed)`, default seeds `HOLDOUT_B_SEEDS`) is `n_series` series of
`N_DAYS` days, spread evenly over the 12 cells kind (share, rate, count, duration) x volume
tier (small, medium, large). Inside a cell the series take the roles of `ROLES` in turn: a
spike pair, a dip pair, a shift that returns, a shift that stays, a ramp, or clean.

How a day is drawn (the *link* is the logit for shares, the log otherwise):
- share: the day's true share p, the day's p ~ Beta(p c, (1 - p) c), numerator ~
  Binomial(denominator, that p); value = numerator / denominator.
- rate (per 10,000): events ~ Poisson(denominator x rate / 10,000 x g), g ~ Gamma(c, 1/c);
  value = events / denominator x 10,000.
- count: value = numerator ~ Poisson(mean x g), g ~ Gamma(c, 1/c); no denominator.
- duration: n ~ Poisson(expected cases) cases of lognormal hours (log-sd 0.5-1.0) around the
  day's true median times a day effect exp(N(0, 1/c)); value = their median, p90 beside it,
  denominator = n, no numerator.
c, the overdispersion concentration, is log-uniform in 200-3000 per series. Denominators and
case counts are Poisson around a volume with its own weekly pattern and a mild growth.

A day's total noise sd on the link scale (`HoldoutBSeries.sd`) is sampling plus
overdispersion at the day's expected volume: share sqrt((1 + (n - 1)/(c + 1)) / (n p (1 - p))),
rate and count sqrt(1/mean + 1/c), duration sqrt(pi s^2 / (2 n) + 1/c).

Incidents (direction: the bad one for the indicator; either, at random, when it has none):
- spike (up) / dip (down), 1-3 days, two per series, every day moved by the same k sd of that
  day: k in 4-8 for 1 day, 3-6 for 2 days, 2.5-5 for 3 days. Why these sizes: a detector that
  keeps false alarms near 0.5 a series-year on independent days must put a one-day limit near
  3.5-4 sd, so 4-8 sd is a 1-day spike it should see; the longer ones are smaller per day
  but carry 4.2-8.7 sd of evidence pooled over their days (k sqrt(days)), the same range.
- shift: the level moves by 2-4 typical sd (the series' median day sd) -- 5-10 sd pooled over
  its 7-day label window -- and either returns after 30-90 days or stays to the end.
- ramp: rises linearly over 14-21 days to 3-5 typical sd, and stays there to the end.
Small tiers are sized so that a dip can be seen at all: counts and a rate's events are 8-25
a day (a day at 0 has a chance below 0.0004), shares have 20-80 cases a day, durations 8-25.
On those small tiers a dip of k sd on the log / logit scale is weaker on the counts' own scale
than a spike of k sd (the low tail is short): measured on the generator alone (no detector),
11 of the 96 dips of seeds 303 and 404 and 2 of their 96 spikes carry under 3.5 sd of
evidence on the raw scale in their drawn days, mostly dips on small rates, counts and shares.

Clean series (no incident) carry features that must stay quiet: `drift` (large share and
rate series, denominators 10^4-10^5: the true rate drifts smoothly, by a log slope of 10-20 %
a year plus a slow wobble whose steepest slope is 3 % a year, so the path stays within about
+-30 % of its start over 420 days; no weekly pattern in the rate) and `festival` (share, rate
and duration: the volume jumps x1.8-3.2 on the draw's 6 festivals of 1-2 days, at random days,
while the rate stays flat). Any series may carry `weekly` (the level's day-of-week pattern,
5-25 % on the link), `trend` (a linear link slope of 15-40 % a year) and `missing days` (2-6 %
of days at random plus one gap of 3-10 days; never inside a label window). The small-tier
count series are the suite's short spikes on small counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bench.detect_scoring import Window, label_window

HOLDOUT_B_SEEDS = (303, 404)
N_DAYS = 420
START = pd.Timestamp("2023-09-04")
KINDS = ("share", "rate", "count", "duration")
TIERS = ("small", "medium", "large")
SCALE = {"share": 1.0, "rate": 10_000.0, "count": 1.0, "duration": 1.0}
BETTER: dict[str, tuple[str | None, ...]] = {
    "share": ("higher", "lower", None),
    "rate": ("lower", None),
    "count": ("lower", None),
    "duration": ("lower", None),
}
# Per kind and tier: the day's volume (share and rate denominators, duration cases) or, for
# counts, the mean count; rates also draw their expected events a day (RATE_EVENTS).
VOLUME = {
    "share": {"small": (20, 80), "medium": (300, 2_500), "large": (10_000, 100_000)},
    "rate": {"small": (500, 2_000), "medium": (3_000, 20_000), "large": (10_000, 100_000)},
    "count": {"small": (8, 25), "medium": (60, 400), "large": (800, 6_000)},
    "duration": {"small": (8, 25), "medium": (60, 400), "large": (800, 3_000)},
}
RATE_EVENTS = {"small": (8, 25), "medium": (60, 400), "large": (600, 3_000)}
SHARE_LEVEL = {"higher": (0.75, 0.97), "lower": (0.02, 0.25), None: (0.10, 0.90)}
DRIFT_SHARE_LEVEL = (0.03, 0.50)
DURATION_HOURS = (4.0, 96.0)
CASE_LOG_SD = (0.5, 1.0)
CONCENTRATION = (200.0, 3_000.0)
POINT_SD = {1: (4.0, 8.0), 2: (3.0, 6.0), 3: (2.5, 5.0)}
SHIFT_SD = (2.0, 4.0)
RAMP_SD = (3.0, 5.0)
RAMP_DAYS = (14, 21)
RETURN_DAYS = (30, 90)
WARMUP = 120  # no lasting incident starts before this day
DRIFT_SLOPE = (0.10, 0.20)  # per year, on the log of the true rate
DRIFT_WOBBLE = 0.03  # per year: the wobble's steepest slope
TREND_SLOPE = (0.15, 0.40)  # per year, on the link
WEEKLY = (0.05, 0.25)
VOLUME_WEEKLY = (0.05, 0.30)
VOLUME_GROWTH = 0.10  # per year, at most either way
FESTIVALS, FESTIVAL_FACTOR = 6, (1.8, 3.2)
MISSING_SHARE, GAP_DAYS = (0.02, 0.06), (3, 10)
ROLES = (
    "spike", "clean", "dip", "shift_return", "clean", "ramp", "shift_stay", "clean",
    "spike", "dip", "clean", "shift_stay", "clean", "shift_return", "ramp", "clean",
)  # fmt: skip
INCIDENT_TYPES = ("spike", "dip", "shift_return", "shift_stay", "ramp")


@dataclass(frozen=True)
class HoldoutBIncident:
    series_id: str
    kind: str  # spike, dip, shift, ramp
    start: pd.Timestamp
    end: pd.Timestamp  # inclusive; a shift that stays and a ramp end on the last day
    direction: str  # up or down
    size_sd: float  # in day sd (spike, dip) or typical sd (shift, ramp)
    returns: bool = False  # shifts: back to the old level after `end`
    ramp_end: pd.Timestamp | None = None  # ramps: the last rising day

    @property
    def window(self) -> Window:
        return label_window(self.series_id, self.kind, self.start, self.end, self.ramp_end)

    @property
    def incident_type(self) -> str:
        if self.kind == "shift":
            return "shift_return" if self.returns else "shift_stay"
        return self.kind


@dataclass
class HoldoutBSeries:
    kind: str
    better: str | None
    scale: float
    tier: str
    features: list[str]
    concentration: float
    truth: np.ndarray  # the day's true value (share, rate per scale, mean count, median hours)
    sd: np.ndarray  # the day's total noise sd on the link scale, without incidents


@dataclass
class HoldoutBSuite:
    seed: int
    frame: pd.DataFrame
    series: dict[str, HoldoutBSeries] = field(default_factory=dict)
    incidents: list[HoldoutBIncident] = field(default_factory=list)
    festival_days: list[pd.Timestamp] = field(default_factory=list)


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(np.exp(rng.uniform(np.log(bounds[0]), np.log(bounds[1]))))


def _weekly(rng: np.random.Generator, amplitude: tuple[float, float]) -> np.ndarray:
    """A day-of-week profile on the link scale, centred, its largest deviation `amplitude`."""
    profile = rng.normal(size=7)
    profile -= profile.mean()
    profile *= rng.uniform(*amplitude) / np.abs(profile).max()
    return np.asarray(profile[(START.day_of_week + np.arange(N_DAYS)) % 7])


def _festivals(rng: np.random.Generator) -> np.ndarray:
    """The draw's volume factor per day: FESTIVALS festivals of 1-2 days at random days."""
    factor = np.ones(N_DAYS)
    for day in rng.choice(np.arange(30, N_DAYS - 2), size=FESTIVALS, replace=False):
        factor[day : day + int(rng.integers(1, 3))] = rng.uniform(*FESTIVAL_FACTOR)
    return factor


def _features(rng: np.random.Generator, kind: str, tier: str, role: str, k: int) -> list[str]:
    """The clean series' main feature rotates with `k`, its rank among the cell's clean ones."""
    features = []
    if role == "clean":
        drift_cell = kind in ("share", "rate") and tier == "large"
        if drift_cell:
            main = ("drift", "festival", "drift", "missing days", "drift")[k % 5]
        else:
            main = ("weekly", "festival", "missing days", "trend", "festival")[k % 5]
        if main == "festival" and kind == "count":
            main = "weekly"
        features.append(main)
    if "drift" not in features:
        for name, p in (("weekly", 0.5), ("trend", 0.25), ("missing days", 0.25)):
            if name not in features and rng.uniform() < p:
                features.append(name)
    return sorted(features)


def _noise_sd(kind: str, level: np.ndarray, volume: np.ndarray, c: float, s: float) -> np.ndarray:
    if kind == "share":
        return np.sqrt((1 + (volume - 1) / (c + 1)) / (volume * level * (1 - level)))
    if kind == "rate":
        return np.sqrt(1 / (volume * level / SCALE["rate"]) + 1 / c)
    if kind == "count":
        return np.sqrt(1 / level + 1 / c)
    return np.sqrt(np.pi * s**2 / (2 * volume) + 1 / c)


def _link(kind: str, x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.log(x / (1 - x)) if kind == "share" else np.log(x)


def _unlink(kind: str, z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z)) if kind == "share" else np.exp(z)


def _incidents(
    rng: np.random.Generator, sid: str, role: str, better: str | None, sd: np.ndarray
) -> tuple[list[HoldoutBIncident], np.ndarray]:
    """The role's incidents and their effect per day on the link scale."""
    effect = np.zeros(N_DAYS)
    day = START + pd.to_timedelta(np.arange(N_DAYS), unit="D")
    if role in ("spike", "dip"):
        sign = 1.0 if role == "spike" else -1.0
        found = []
        for lo, hi in ((100, 250), (270, N_DAYS - 4)):
            length = int(rng.integers(1, 4))
            first = int(rng.integers(lo, hi))
            k = rng.uniform(*POINT_SD[length])
            days = slice(first, first + length)
            effect[days] = sign * k * sd[days]
            found.append(
                HoldoutBIncident(
                    sid, role, day[first], day[first + length - 1], "up" if sign > 0 else "down", k
                )
            )
        return found, effect
    bad = {"higher": -1.0, "lower": 1.0}.get(better or "", float(rng.choice([-1.0, 1.0])))
    typical = float(np.median(sd))
    direction = "up" if bad > 0 else "down"
    if role == "ramp":
        rise = int(rng.integers(RAMP_DAYS[0], RAMP_DAYS[1] + 1))
        first = int(rng.integers(WARMUP, N_DAYS - 60))
        k = rng.uniform(*RAMP_SD)
        effect[first : first + rise] = bad * k * typical * np.arange(1, rise + 1) / rise
        effect[first + rise :] = bad * k * typical
        inc = HoldoutBIncident(
            sid, "ramp", day[first], day[-1], direction, k, ramp_end=day[first + rise - 1]
        )
        return [inc], effect
    k = rng.uniform(*SHIFT_SD)
    if role == "shift_return":
        length = int(rng.integers(RETURN_DAYS[0], RETURN_DAYS[1] + 1))
        first = int(rng.integers(WARMUP, N_DAYS - length - 30))
        last = first + length - 1
    else:
        first, last = int(rng.integers(WARMUP, N_DAYS - 60)), N_DAYS - 1
    effect[first : last + 1] = bad * k * typical
    returns = role == "shift_return"
    return [HoldoutBIncident(sid, "shift", day[first], day[last], direction, k, returns)], effect


def _missing(rng: np.random.Generator, incidents: list[HoldoutBIncident]) -> np.ndarray:
    """Days without a row: 2-6 % at random and one gap, never inside a label window."""
    missing = rng.uniform(size=N_DAYS) < rng.uniform(*MISSING_SHARE)
    gap = int(rng.integers(GAP_DAYS[0], GAP_DAYS[1] + 1))
    first = int(rng.integers(20, N_DAYS - gap))
    missing[first : first + gap] = True
    for inc in incidents:
        w = inc.window
        missing[(w.start - START).days : (w.end - START).days + 1] = False
    return missing


def _observe(
    rng: np.random.Generator, kind: str, truth: np.ndarray, volume: np.ndarray, c: float, s: float
) -> dict[str, np.ndarray]:
    """One draw of the days' value, numerator, denominator and p90 around the true path."""
    nan = np.full(N_DAYS, np.nan)
    if kind == "count":
        num = rng.poisson(truth * rng.gamma(c, 1 / c, N_DAYS)).astype(float)
        return {"value": num, "numerator": num, "denominator": nan, "p90": nan}
    den = np.maximum(rng.poisson(volume), 1).astype(float)
    if kind == "share":
        p = rng.beta(truth * c, (1 - truth) * c)
        num = rng.binomial(den.astype(np.int64), p).astype(float)
        return {"value": num / den, "numerator": num, "denominator": den, "p90": nan}
    if kind == "rate":
        mean = den * truth / SCALE["rate"] * rng.gamma(c, 1 / c, N_DAYS)
        num = rng.poisson(mean).astype(float)
        value = num / den * SCALE["rate"]
        return {"value": value, "numerator": num, "denominator": den, "p90": nan}
    day_effect = rng.normal(0.0, 1 / np.sqrt(c), N_DAYS)
    median, p90 = np.empty(N_DAYS), np.empty(N_DAYS)
    for d in range(N_DAYS):
        hours = np.exp(np.log(truth[d]) + day_effect[d] + s * rng.normal(size=int(den[d])))
        median[d], p90[d] = np.median(hours), np.quantile(hours, 0.9)
    return {"value": median, "numerator": nan, "denominator": den, "p90": p90}


def _base_level(
    rng: np.random.Generator, kind: str, tier: str, better: str | None, drift: bool, volume: float
) -> float:
    if kind == "share":
        return rng.uniform(*(DRIFT_SHARE_LEVEL if drift else SHARE_LEVEL[better]))
    if kind == "rate":
        return _log_uniform(rng, RATE_EVENTS[tier]) / volume * SCALE["rate"]
    if kind == "count":
        return volume
    return _log_uniform(rng, DURATION_HOURS)


def make_holdout_b(seed: int, n_series: int = 160) -> HoldoutBSuite:
    """One draw of the suite: deterministic for a seed."""
    rng = np.random.default_rng(seed)
    days = START + pd.to_timedelta(np.arange(N_DAYS), unit="D")
    years = np.arange(N_DAYS) / 365.0
    festival = _festivals(rng)
    suite = HoldoutBSuite(seed, pd.DataFrame())
    suite.festival_days = [pd.Timestamp(days[int(d)]) for d in np.flatnonzero(festival > 1)]
    cells = [(kind, tier) for kind in KINDS for tier in TIERS]
    clean_rank: dict[tuple[str, str], int] = {}
    parts = []
    for i in range(n_series):
        kind, tier = cells[i % len(cells)]
        role = ROLES[(i // len(cells)) % len(ROLES)]
        k = clean_rank.get((kind, tier), 0)
        clean_rank[(kind, tier)] = k + (role == "clean")
        features = _features(rng, kind, tier, role, k)
        if role == "spike":
            better = (None, "lower")[int(rng.integers(2))]
        elif role == "dip":
            better = ("higher", None)[int(rng.integers(2))] if kind == "share" else None
        else:
            better = BETTER[kind][int(rng.integers(len(BETTER[kind])))]
        c = _log_uniform(rng, CONCENTRATION)
        s = rng.uniform(*CASE_LOG_SD)
        v0 = _log_uniform(rng, VOLUME[kind][tier])
        volume = v0 * np.exp(
            _weekly(rng, VOLUME_WEEKLY) + rng.uniform(-VOLUME_GROWTH, VOLUME_GROWTH) * years
        )
        if "festival" in features:
            volume = volume * festival
        level0 = _base_level(rng, kind, tier, better, "drift" in features, v0)
        z = np.full(N_DAYS, float(_link(kind, level0)))
        if "drift" in features:
            # Drift moves the rate itself (a share's p, not its logit) by a smooth factor.
            period = rng.uniform(250, 600)
            wobble = (
                DRIFT_WOBBLE
                * period
                / (2 * np.pi * 365)
                * np.sin(2 * np.pi * np.arange(N_DAYS) / period + rng.uniform(0, 2 * np.pi))
            )
            factor = rng.choice([-1.0, 1.0]) * rng.uniform(*DRIFT_SLOPE) * years + wobble
            z = _link(kind, level0 * np.exp(factor - factor[0]))
        if "trend" in features:
            z = z + rng.choice([-1.0, 1.0]) * rng.uniform(*TREND_SLOPE) * years
        if "weekly" in features:
            z = z + _weekly(rng, WEEKLY)
        sd = _noise_sd(kind, _unlink(kind, z), volume, c, s)
        sid = f"hb-{kind}-{tier}-{i:03d}"
        incidents: list[HoldoutBIncident] = []
        effect = np.zeros(N_DAYS)
        if role != "clean":
            incidents, effect = _incidents(rng, sid, role, better, sd)
        truth = _unlink(kind, z + effect)
        observed = _observe(rng, kind, truth, volume, c, s)
        keep = ~_missing(rng, incidents) if "missing days" in features else np.ones(N_DAYS, bool)
        part = pd.DataFrame({"series_id": sid, "date": days, **observed})
        parts.append(part[keep])
        suite.series[sid] = HoldoutBSeries(kind, better, SCALE[kind], tier, features, c, truth, sd)
        suite.incidents.extend(incidents)
    suite.frame = pd.concat(parts, ignore_index=True)
    return suite
