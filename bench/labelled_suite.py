"""A seeded, labelled suite of synthetic governance series for scoring anomaly detection.

Each series is a share, rate, count or duration at a small, medium or huge volume, built from
what real governance series do: weekly seasonality (weekend dips in volume and in rates), a
trend, shopping festivals (volume x3 for one or two days, rate unchanged), missing days and
gaps, day-to-day overdispersion of the true rate (log-normal, with AR(1) persistence) and, for
the small tier, tiny denominators (a few dozen listings a day).

About 55% of the series carry labelled incidents in the direction that is bad for the
indicator: spikes (1-3 days), lasting level shifts (30-90 days, some to the end of the
series), slow ramps (rising over 14-21 days, held, then back), drops to near zero (only where
at least 30 events a day are expected, since fewer cannot show a collapse) and a big past
incident followed weeks later by a moderate one (the band must not have widened).

Incident sizes are drawn, not tuned: in units of the day's total noise on the log-odds /
log scale (sampling plus overdispersion), spikes 5-9 sd, shifts 4-7 sd, ramps ending at 6-10 sd,
and never less than +/-20 % relative. Incidents smaller than the noise are not incidents an
early warning system can be held to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bench.detect_scoring import Window, label_window

START = pd.Timestamp("2025-01-01")
SCALES = {"share": 1.0, "rate": 10000.0, "count": 1.0, "duration": 1.0}


@dataclass
class Incident:
    series_id: str
    kind: str  # spike | shift | ramp | drop
    start: pd.Timestamp
    end: pd.Timestamp  # last day of the incident (a shift's or ramp's last day off its level)
    direction: str  # up | down
    ramp_end: pd.Timestamp | None = None  # a ramp's last rising day

    @property
    def window(self) -> Window:
        """The label window the scoring convention holds a detector to."""
        return label_window(self.series_id, self.kind, self.start, self.end, self.ramp_end)


@dataclass
class SeriesTruth:
    series_id: str
    kind: str
    better: str | None
    scale: float
    tier: str
    features: list[str] = field(default_factory=list)


@dataclass
class Suite:
    frame: pd.DataFrame  # series_id, kind, date, value, numerator, denominator, p90
    series: dict[str, SeriesTruth]
    incidents: list[Incident]


def _ar1(rng: np.random.Generator, n: int, sd: float, phi: float) -> np.ndarray:
    e = rng.normal(0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def _volume(rng: np.random.Generator, kind: str, tier: str) -> float:
    ranges = {
        "share": {"small": (15, 60), "medium": (400, 3000), "huge": (2e5, 2e6)},
        "rate": {"small": (20, 300), "medium": (3e4, 2e5), "huge": (2e6, 2e7)},
        "count": {"small": (3, 12), "medium": (200, 2000), "huge": (5e4, 5e5)},
        "duration": {"small": (5, 20), "medium": (150, 800), "huge": (1e4, 5e4)},
    }[kind][tier]
    return float(np.exp(rng.uniform(np.log(ranges[0]), np.log(ranges[1]))))


def _base_level(rng: np.random.Generator, kind: str) -> float:
    if kind == "share":
        return float(rng.choice([rng.uniform(0.01, 0.3), rng.uniform(0.85, 0.99)]))
    if kind == "rate":
        return float(rng.uniform(3, 60) / 10000.0)
    return float(rng.uniform(10, 60)) if kind == "duration" else 1.0


def _better(rng: np.random.Generator, kind: str) -> str | None:
    options = {
        "share": ["higher", "lower", None],
        "rate": ["lower", "lower", None],
        "count": [None, "lower"],
        "duration": ["lower", "lower", None],
    }[kind]
    return options[int(rng.integers(len(options)))]


def _noise_sd(kind: str, level: float, volume: float, od: float) -> float:
    """Total day-to-day sd on the log-odds (share) or log scale."""
    if kind == "share":
        sampling = 1.0 / (volume * level * (1 - level))
    elif kind == "rate":
        sampling = 1.0 / (volume * level)
    elif kind == "count":
        sampling = 1.0 / volume
    else:
        sampling = (np.pi / 2) * 0.8**2 / volume
    return float(np.sqrt(sampling + od**2))


def _plant(
    rng: np.random.Generator,
    sid: str,
    what: str,
    n: int,
    sd: float,
    bad: str,
    effect: np.ndarray,
    zero: np.ndarray,
) -> list[Incident]:
    """Adds one planned incident to the log-effect array (or zero mask); returns its labels."""
    sign = 1.0 if bad == "up" else -1.0
    start = int(rng.integers(90, n - 60))
    out: list[Incident] = []

    def label(kind: str, s: int, e: int, rise: int | None = None) -> None:
        day = START + pd.Timedelta(days=s)
        ramp_end = None if rise is None else day + pd.Timedelta(days=rise - 1)
        out.append(Incident(sid, kind, day, START + pd.Timedelta(days=e), bad, ramp_end))

    def size(lo: float, hi: float) -> float:
        return sign * max(rng.uniform(lo, hi) * sd, np.log(1.2))

    if what in ("spike", "double"):
        length = int(rng.integers(1, 4))
        effect[start : start + length] += size(5, 9) if what == "spike" else size(12, 18)
        label("spike", start, start + length - 1)
        if what == "double":
            later = start + length + int(rng.integers(20, 45))
            effect[later] += size(5, 7)
            label("spike", later, later)
    elif what == "shift":
        length = int(rng.integers(30, 91)) if rng.random() < 0.6 else n - start
        effect[start : start + length] += size(4, 7)
        label("shift", start, min(start + length, n) - 1)
    elif what == "ramp":
        rise, hold = int(rng.integers(14, 22)), int(rng.integers(7, 22))
        top = size(6, 10)
        effect[start : start + rise] += top * np.arange(1, rise + 1) / rise
        effect[start + rise : start + rise + hold] += top
        label("ramp", start, start + rise + hold - 1, rise)
    else:
        length = int(rng.integers(1, 6))
        zero[start : start + length] = True
        label("drop", start, start + length - 1)
    return out


INCIDENT_KINDS = ("spike", "shift", "ramp", "drop", "double")


def make_series(
    rng: np.random.Generator, sid: str, kind: str, tier: str, n_days: int, plan: str | None
) -> tuple[pd.DataFrame, SeriesTruth, list[Incident]]:
    """One series; `plan` is the incident to plant (None: a clean series)."""
    days = pd.date_range(START, periods=n_days, freq="D")
    t = np.arange(n_days)
    weekend = (days.day_of_week >= 5).astype(float)
    truth = SeriesTruth(sid, kind, _better(rng, kind), SCALES[kind], tier)
    volume = _volume(rng, kind, tier)
    level = _base_level(rng, kind)
    if plan == "drop":
        # A collapse is only an incident where down is bad, and only visible with volume.
        truth.better = "higher" if kind == "share" else None
        level = float(rng.uniform(0.85, 0.99)) if kind == "share" else level
        volume = max(volume, 60 / (level if kind != "count" else 1.0))
    od = float(rng.choice([0.0, 0.03, 0.08, 0.15])) if tier != "small" else 0.05
    if tier == "huge":
        od = max(od, 0.04)  # what makes a plain binomial / Poisson test fire every day
    phi = float(rng.uniform(0, 0.5))
    season = -rng.uniform(0, 0.35) * weekend if rng.random() < 0.7 else 0 * weekend
    trend = rng.uniform(-0.3, 0.5) * t / n_days if rng.random() < 0.6 else 0 * t
    log_volume = np.log(volume) + season + trend + _ar1(rng, n_days, 0.05, 0.5)
    effect = _ar1(rng, n_days, od, phi) + 0.5 * season + 0.5 * trend
    truth.features += ["seasonality"] * bool(season.any()) + ["trend"] * bool(trend.any())
    if od >= 0.08:
        truth.features.append("overdispersion")
    if tier == "small":
        truth.features.append("tiny_denominators")
    if kind in ("share", "rate", "duration") and rng.random() < 0.6:
        for day in rng.choice(np.arange(20, n_days - 2), size=4, replace=False):
            log_volume[day : day + int(rng.integers(1, 3))] += np.log(3.0)
        truth.features.append("festivals")
    zero = np.zeros(n_days, dtype=bool)
    incidents: list[Incident] = []
    minority = volume * (min(level, 1 - level) if kind == "share" else level)
    if kind in ("rate", "share") and minority < 2:
        plan = None  # below two events a day, a day cannot show an incident
    if plan is not None:
        bad = {"higher": "down", "lower": "up"}.get(truth.better or "", rng.choice(["up", "down"]))
        bad = "down" if plan == "drop" else str(bad)
        sd = _noise_sd(kind, level, volume, od)
        incidents = _plant(rng, sid, plan, n_days, sd, bad, effect, zero)
    den = np.maximum(np.round(np.exp(log_volume)), 1.0)
    num: np.ndarray | None = None
    p90 = np.full(n_days, np.nan)
    if kind == "share":
        odds = np.log(level / (1 - level)) + effect
        prob = np.where(zero, 0.002, 1 / (1 + np.exp(-odds)))
        num = rng.binomial(den.astype(np.int64), prob).astype(float)
        value = num / den
    elif kind == "rate":
        lam = den * level * np.exp(effect) * np.where(zero, 0.01, 1.0)
        num = rng.poisson(lam).astype(float)
        value = num / den * SCALES["rate"]
    elif kind == "count":
        value = rng.poisson(volume * np.exp(effect) * np.where(zero, 0.01, 1.0)).astype(float)
        den = np.full(n_days, np.nan)
    else:
        sigma = 0.8
        median = level * np.exp(effect + rng.normal(0, np.sqrt(np.pi / 2 / den) * sigma))
        value, p90 = median, median * np.exp(1.2816 * sigma)
    keep = rng.random(n_days) > 0.03
    if rng.random() < 0.3:
        gap = int(rng.integers(30, n_days - 20))
        keep[gap : gap + int(rng.integers(3, 11))] = False
        truth.features.append("missing_days")
    frame = pd.DataFrame(
        {
            "series_id": sid,
            "kind": kind,
            "date": days.date,
            "value": value,
            "numerator": num if num is not None else np.nan,
            "denominator": den,
            "p90": p90,
        }
    )[keep]
    return frame, truth, incidents


def make_suite(seed: int = 1, n_series: int = 160, n_days: int = 400) -> Suite:
    """The labelled suite: `n_series` series, about 55% planned with an incident."""
    rng = np.random.default_rng(seed)
    kinds = ["share", "rate", "count", "duration"]
    weights = [0.35, 0.35, 0.15, 0.15]
    tiers = ["small", "medium", "huge"]
    frames, truths, incidents = [], {}, []
    planned = 0
    for i in range(n_series):
        tier = tiers[i % 3]
        plan = None
        if rng.random() < 0.55:
            plan = INCIDENT_KINDS[planned % len(INCIDENT_KINDS)]
            planned += 1
        choices = ["share", "rate", "count"] if plan == "drop" else kinds
        p = np.array([weights[kinds.index(k)] for k in choices])
        kind = str(rng.choice(choices, p=p / p.sum()))
        if plan == "drop" and tier == "small":
            tier = "medium"
        sid = f"{kind}/{tier}/{i:04d}"
        frame, truth, labels = make_series(rng, sid, kind, tier, n_days, plan)
        frames.append(frame)
        truths[sid] = truth
        incidents += labels
    return Suite(pd.concat(frames, ignore_index=True), truths, incidents)
