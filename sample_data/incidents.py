"""The incidents planted in the sample and their ground truth (incidents.json).

Every incident is placed a fixed number of days before the export end, so the plan moves with
`--end` and keeps its distance from it; one that would start less than BASELINE_DAYS after
the window opens is left out of both the data and the ground truth. Strengths are relative
to the expected volume of the affected slice, so incidents look alike at every scale.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from sample_data.calendar import export_window
from sample_data.catalog import CATEGORIES, MARKETS

# A detector needs history before an incident to call it one.
BASELINE_DAYS = 28
# Share of listings that violate, for sizing incidents against normal removal volume.
VIOLATION_SHARE = 0.05

MARKET_CODE = {m.code: i for i, m in enumerate(MARKETS)}
CATEGORY_CODE = {c.name: i for i, c in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class Incident:
    kind: str
    # Days before the export end of the first day, and the length in days (None: lasts).
    days_before_end: int
    length: int | None
    market: str | None = None
    category: str | None = None

    def dates(self, end: dt.date) -> tuple[dt.date, dt.date]:
        start = end - dt.timedelta(days=self.days_before_end)
        last = end if self.length is None else start + dt.timedelta(days=self.length - 1)
        return start, last

    @property
    def slice(self) -> str:
        parts = [f"market={self.market}"] if self.market else []
        parts += [f"category_l1={self.category}"] if self.category else []
        return ",".join(parts) or "all"


RULE_CHANGE = Incident("certificate_rule_change", 120, None, category="cosmetics")
COUNTERFEIT_WAVE = Incident("counterfeit_wave", 100, 10, market="ES", category="toys")
MODEL_OUTAGE = Incident("proactive_model_outage", 78, 4)
REVIEW_BACKLOG = Incident("review_backlog", 64, 14, market="FR")
OFFENDER_RING = Incident("repeat_offender_ring", 46, 14, market="PL")
OVERTURN_SPIKE = Incident("over_aggressive_rule", 30, 7)
MISSING_DAY = Incident("missing_data", 19, 1, market="IT")
ALL_INCIDENTS = (
    RULE_CHANGE,
    COUNTERFEIT_WAVE,
    MODEL_OUTAGE,
    REVIEW_BACKLOG,
    OFFENDER_RING,
    OVERTURN_SPIKE,
    MISSING_DAY,
)

# (metric, direction, days the effect trails the cause at its start and its end, text)
EFFECTS: dict[str, list[tuple[str, str, int, int, str]]] = {
    "certificate_rule_change": [
        (
            "missing_qualification_rate",
            "up",
            0,
            0,
            "a new certificate rule: from this day on about three times as many new "
            "listings lack the required certificate, and it stays",
        )
    ],
    "counterfeit_wave": [
        (
            "counterfeit_complaint_rate",
            "up",
            0,
            0,
            "new sellers list a batch of counterfeit toys; the model misses most of them "
            "and rights holders and consumers complain within a day or two",
        )
    ],
    "proactive_model_outage": [
        (
            "proactive_rate",
            "down",
            0,
            0,
            "the detection model is down: nothing is blocked or removed proactively "
            "except some manual reviews; violations are found later through complaints",
        )
    ],
    "review_backlog": [
        (
            "sla_compliance",
            "down",
            2,
            3,
            "complaint reviewers fall behind: complaints received in the backlog take "
            "about 2.5 days longer and miss their SLA deadline",
        ),
        (
            "time_to_decision",
            "up",
            1,
            5,
            "complaints received during the backlog are decided about 2.5 days late",
        ),
    ],
    "repeat_offender_ring": [
        (
            "repeat_offender_rate",
            "up",
            1,
            2,
            "a ring of new sellers re-lists banned items every day and is removed every day",
        )
    ],
    "over_aggressive_rule": [
        (
            "appeal_overturn_rate",
            "up",
            1,
            1,
            "an over-aggressive prohibited-item rule removes compliant listings for a week; "
            "their sellers appeal and most appeals are overturned",
        )
    ],
    "missing_data": [
        (
            "complaint_rate",
            "down",
            0,
            0,
            "the complaints export of this market lacks this day entirely",
        )
    ],
}


@dataclass(frozen=True)
class IncidentPlan:
    end: dt.date
    days: int
    planted: tuple[Incident, ...]

    def get(self, kind: str) -> Incident | None:
        return next((i for i in self.planted if i.kind == kind), None)

    def entries(self) -> list[dict[str, str]]:
        """The ground truth: one entry per incident and affected metric."""
        out = []
        for inc in self.planted:
            start, last = inc.dates(self.end)
            for metric, direction, lag_start, lag_end, text in EFFECTS[inc.kind]:
                out.append(
                    {
                        "id": f"{inc.kind}-{start.isoformat()}",
                        "kind": inc.kind,
                        "metric": metric,
                        "slice": inc.slice,
                        "start": (start + dt.timedelta(days=lag_start)).isoformat(),
                        "end": min(last + dt.timedelta(days=lag_end), self.end).isoformat(),
                        "direction": direction,
                        "description": text,
                    }
                )
        return out


def plan_incidents(end: dt.date, days: int) -> IncidentPlan:
    """The incidents that fit a window of `days` days ending on `end`."""
    first, _ = export_window(end, days)
    earliest = first + dt.timedelta(days=BASELINE_DAYS)
    fits = tuple(i for i in ALL_INCIDENTS if i.dates(end)[0] >= earliest)
    return IncidentPlan(end, days, fits)


def _us(day: dt.date) -> int:
    return int(pd.Timestamp(day).value // 1000)


def sql_parameters(plan: IncidentPlan, daily: pd.DataFrame) -> dict[str, int | float]:
    """Parameters the listing and complaint SQL reads; absent incidents get empty windows."""
    never = _us(plan.end + dt.timedelta(days=3650))
    params: dict[str, int | float] = {
        "rule_cat": -1,
        "rule_us": never,
        "out_s": never,
        "out_e": never,
        "bl_m": -1,
        "bl_s": never,
        "bl_e": never,
        "fp_s": never,
        "fp_e": never,
        "fp_p": 0.0,
        "miss_m": -1,
        "miss_us": never,
    }
    if inc := plan.get(RULE_CHANGE.kind):
        params |= {"rule_cat": CATEGORY_CODE[inc.category or ""], "rule_us": _span(inc, plan)[0]}
    if inc := plan.get(MODEL_OUTAGE.kind):
        params["out_s"], params["out_e"] = _span(inc, plan)
    if inc := plan.get(REVIEW_BACKLOG.kind):
        params["bl_m"] = MARKET_CODE[inc.market or ""]
        params["bl_s"], params["bl_e"] = _span(inc, plan)
    if inc := plan.get(OVERTURN_SPIKE.kind):
        params["fp_s"], params["fp_e"] = _span(inc, plan)
        params["fp_p"] = _false_positive_share(inc, plan, daily)
    if inc := plan.get(MISSING_DAY.kind):
        params["miss_m"] = MARKET_CODE[inc.market or ""]
        params["miss_us"] = _span(inc, plan)[0]
    return params


def _span(inc: Incident, plan: IncidentPlan) -> tuple[int, int]:
    """Epoch microseconds of the incident's first midnight and of the end of its last day."""
    start, last = inc.dates(plan.end)
    return _us(start), _us(last + dt.timedelta(days=1)) - 1


def day_rows(daily: pd.DataFrame, inc: Incident, plan: IncidentPlan) -> pd.DataFrame:
    start, last = inc.dates(plan.end)
    return daily[(daily["date"] >= start) & (daily["date"] <= last)]


def _false_positive_share(inc: Incident, plan: IncidentPlan, daily: pd.DataFrame) -> float:
    """Share of live compliant listings the bad rule removes: a quarter of normal removals."""
    rows = day_rows(daily, inc, plan)
    removals = float(rows["listings"].sum()) * VIOLATION_SHARE
    live = float(rows["listing_start"].iloc[0]) * 0.9
    return 0.25 * removals / live if live > 0 else 0.0


def expected_new(daily: pd.DataFrame, market: str, category: str | None) -> float:
    """Expected new listings per day in a slice over the window's last 150 days."""
    share = MARKETS[MARKET_CODE[market]].weight / sum(m.weight for m in MARKETS)
    if category is not None:
        cat = CATEGORIES[CATEGORY_CODE[category]]
        share *= cat.weight / sum(c.weight for c in CATEGORIES)
    recent = daily[daily["in_window"]].tail(150)
    return float(recent["listings"].mean()) * share


def ring_size(daily: pd.DataFrame, market: str) -> int:
    """Ring sellers: about twice the market's sellers with a removal on a normal day."""
    return max(6, math.ceil(2 * expected_new(daily, market, None) * VIOLATION_SHARE))
