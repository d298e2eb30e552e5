"""Static threshold rules beside the statistics: warning/critical limits per indicator, per-market
overrides and SLA targets, versioned so that a past day is judged by the limit in force then.

The file format and its validation live in `alerts/rules/rules_file.py`. Resolution for one point
(metric, slice, day): among the rules of the metric whose slice patterns match the slice, the
most specific one that has a version in force on the day (the latest effective_from <= day, not
retired) applies. So a market override added in March leaves February judged by the global rule
that was in force then, and retiring an override hands the market back to the global rule.

Levels: for side "below" a value strictly below `critical` is critical, else strictly below
`warning` is warning, else ok ("above" mirrors it). An SLA target is a rule with only
`critical`: the authority-order target of 100% is `critical = 1.0`, so any miss is critical.

Minimum-volume guard: when the threshold in force sets `min_volume` and the row's
`denominator` is below it, the row is `low_volume`: a share of 1 in 2 is noise, not the
indicator, so the day is not judged as it stands. It is judged as if the missing volume had
come in and gone the good way (shares and rates: the day padded up to `min_volume` with
cases outside the numerator, or inside it when higher is better). A breach that survives that
is real whatever the volume, and keeps its level; anything else gets level None, "not enough
volume". So a storefront's one consumer-found removal (proactive 0 of 1, padded 39 of 40) is
grey, while a model outage that leaves 7 proactive out of 22 removals (padded 25 of 40) is
still critical: an incident that cuts the volume it is measured on does not hide behind the
guard. Durations are medians and cannot be padded; a low-volume day of one has no level. A
row whose denominator is unknown (no column, or null) is judged as it stands, since nothing
says its volume is low.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
from datetime import date
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alerts.rules.rules_file import Rule, Threshold, parse_rules, read_rules_text
from metrics.catalogue import Catalogue, load_catalogue
from metrics.metric_store import parse_slice

__all__ = ["RuleBook", "Threshold", "load_rules", "default_rules_path"]

log = logging.getLogger(__name__)

RESULT_COLUMNS = (
    "level",
    "low_volume",
    "warning",
    "critical",
    "min_volume",
    "side",
    "rule_id",
    "rule_version",
    "owner",
    "rationale",
)


def default_rules_path() -> Path:
    return Path(str(resources.files("alerts.rules").joinpath("default_rules.toml")))


def load_rules(path: str | Path | None = None, *, catalogue: Catalogue | None = None) -> RuleBook:
    """Loads and validates a rules file (None: the packaged defaults); raises ConfigError."""
    source = Path(path) if path is not None else default_rules_path()
    text = read_rules_text(source)
    rules = parse_rules(text, str(source), catalogue or load_catalogue())
    version = hashlib.sha256(text.encode()).hexdigest()[:12]
    log.debug("loaded %d threshold rules from %s (version %s)", len(rules), source, version)
    return RuleBook(rules, version=version, source=str(source))


class RuleBook:
    def __init__(self, rules: list[Rule], *, version: str, source: str = "") -> None:
        self.rules = tuple(rules)
        self.version = version
        self.source = source
        self._by_metric: dict[str, list[int]] = {}
        for index, rule in enumerate(self.rules):
            self._by_metric.setdefault(rule.metric_id, []).append(index)
        self._candidate_cache: dict[tuple[str, str], tuple[int, ...]] = {}

    def thresholds(self) -> list[Threshold]:
        """Every version of every rule (for the catalogue page and the docs)."""
        return [t for r in self.rules for _, t in r.versions if t is not None]

    def _candidates(self, metric_id: str, slice: str) -> tuple[int, ...]:
        """Indexes into self.rules of the rules matching the slice, most specific first."""
        key = (metric_id, slice)
        cached = self._candidate_cache.get(key)
        if cached is not None:
            return cached
        dims = parse_slice(slice)
        found: list[tuple[int, int]] = []
        for index in self._by_metric.get(metric_id, ()):
            specificity = self.rules[index].specificity_for(dims)
            if specificity is not None:
                found.append((-specificity, index))
        result = tuple(i for _, i in sorted(found))
        self._candidate_cache[key] = result
        return result

    def threshold_for(self, metric_id: str, slice: str, day: date) -> Threshold | None:
        for index in self._candidates(metric_id, slice):
            versions = self.rules[index].versions
            at = bisect.bisect_right([d for d, _ in versions], day) - 1
            if at >= 0 and versions[at][1] is not None:
                return versions[at][1]
        return None

    def evaluate(self, series: pd.DataFrame) -> pd.DataFrame:
        """Adds the level and the threshold in force to every row of a metric series.

        `series` needs metric_id, slice, date and value; with a `denominator` column the
        minimum-volume guard applies (a `low_volume` row shows only a breach that survives
        padding, else level None). Vectorised: the rules matching each distinct (metric, slice)
        are resolved once in Python; the version in force on each row's date is found with one
        searchsorted per rule over that rule's rows.
        """
        missing = {"metric_id", "slice", "date", "value"} - set(series.columns)
        if missing:
            raise ValueError(f"series lacks columns {sorted(missing)}")
        out = series.copy()
        n = len(out)
        flat: list[Threshold] = []  # every non-retired version
        kinds: list[str] = []  # the metric kind of each of them
        offsets: list[int] = []  # start of each rule's versions in flat_index
        flat_index: list[int] = []  # per rule version: index into `flat`, -1 when retired
        for rule in self.rules:
            offsets.append(len(flat_index))
            for _, t in rule.versions:
                flat_index.append(-1 if t is None else len(flat))
                if t is not None:
                    flat.append(t)
                    kinds.append(rule.kind)
        flat_index_arr = np.asarray(flat_index, dtype=np.int64)

        chosen = np.full(n, -1, dtype=np.int64)  # index into `flat`, -1 = no threshold
        if n and self.rules:
            pair, pairs = _pair_codes(out)
            candidates = [self._candidates(m, s) for m, s in pairs]
            days = pd.to_datetime(out["date"]).to_numpy().astype("datetime64[D]")
            depth = max((len(c) for c in candidates), default=0)
            for rank in range(depth):
                rule_at_rank = np.array([c[rank] if rank < len(c) else -1 for c in candidates])
                row_rule = rule_at_rank[pair]
                open_rows = chosen == -1
                for rule_index in np.unique(row_rule[row_rule >= 0]):
                    rows = np.flatnonzero((row_rule == rule_index) & open_rows)
                    if not len(rows):
                        continue
                    rule = self.rules[rule_index]
                    starts = np.array([d for d, _ in rule.versions], dtype="datetime64[D]")
                    at = np.searchsorted(starts, days[rows], side="right") - 1
                    in_force = at >= 0
                    picked = np.full(len(rows), -1, dtype=np.int64)
                    picked[in_force] = flat_index_arr[offsets[rule_index] + at[in_force]]
                    chosen[rows] = picked

        def column(values: list[object]) -> np.ndarray:
            # The last slot answers index -1 (no threshold).
            return np.array([*values, None], dtype=object)[chosen]

        warning = np.array([_nan(t.warning) for t in flat] + [np.nan])[chosen]
        critical = np.array([_nan(t.critical) for t in flat] + [np.nan])[chosen]
        min_volume = np.array([_nan(t.min_volume) for t in flat] + [np.nan])[chosen]
        side = column([t.side for t in flat])
        value = _floats(out["value"])
        volume = _floats(out["denominator"]) if "denominator" in out else np.full(n, np.nan)
        below = side == "below"
        kind = np.array([*kinds, ""], dtype=object)[chosen]
        with np.errstate(invalid="ignore", divide="ignore"):
            low_volume = volume < min_volume  # False where either side is NaN
            judged_value = np.where(
                low_volume, _padded(value, volume / min_volume, kind, below), value
            )
            is_critical = np.where(below, judged_value < critical, judged_value > critical)
            is_warning = np.where(below, judged_value < warning, judged_value > warning)
        level = np.full(n, None, dtype=object)
        judged = (chosen >= 0) & ~np.isnan(judged_value)
        level[judged & ~low_volume] = "ok"
        level[judged & is_warning] = "warning"
        level[judged & is_critical] = "critical"

        results = {
            "level": level,
            "low_volume": low_volume,
            "warning": warning,
            "critical": critical,
            "min_volume": min_volume,
            "side": side,
            "rule_id": column([t.rule_id for t in flat]),
            "rule_version": column([t.version for t in flat]),
            "owner": column([t.owner for t in flat]),
            "rationale": column([t.rationale for t in flat]),
        }
        for name, values in results.items():
            # Keep object dtype so "no rule" stays None rather than becoming NaN.
            dtype = {"f": float, "b": bool}.get(values.dtype.kind, object)
            out[name] = pd.Series(values, index=out.index, dtype=dtype)
        return out


def _pair_codes(series: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """A code per row for its (metric_id, slice) and the distinct pairs the codes index."""
    m_codes, m_values = pd.factorize(series["metric_id"])
    s_codes, s_values = pd.factorize(series["slice"])
    if (m_codes < 0).any() or (s_codes < 0).any():
        raise ValueError("series has rows without metric_id or slice")
    combined = m_codes.astype(np.int64) * len(s_values) + s_codes
    pair, unique = pd.factorize(combined)
    pairs = [
        (str(m_values[int(u) // len(s_values)]), str(s_values[int(u) % len(s_values)]))
        for u in unique
    ]
    return pair, pairs


def _padded(value: np.ndarray, fill: np.ndarray, kind: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The best value a low-volume day could have had at the minimum volume.

    `fill` is denominator / min_volume. The missing cases are all good: outside the numerator
    when lower is better (a rate's extra exposure brings no events), inside it when higher is
    better (shares only). NaN where no such bound exists (durations, rates where higher is
    better).
    """
    good_above = value * fill
    good_below = 1.0 - (1.0 - value) * fill
    padded = np.where(below, good_below, good_above)
    boundable = ((kind == "share") | ((kind == "rate") & ~below)) & (fill >= 0)
    return np.where(boundable, padded, np.nan)


def _floats(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)
