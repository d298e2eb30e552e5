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
from sample_data.catalog import CATEGORIES, DECISION_HOURS, MARKETS
from sample_data.events_sql import (
    APPEAL_DECISION_SIGMA,
    APPEAL_FILING_SIGMA,
    FP_APPEAL_DECISION_HOURS,
    FP_APPEAL_FILING_HOURS,
)
from sample_data.listings_sql import BACKLOG_HOURS, BACKLOG_SIGMA, REPORT_HOURS, REPORT_SIGMA

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

SHAPES = ("shift", "ramp", "spike")
DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class Label:
    """What makes an effect a labelled one (an incidents.json entry): how it looks, when.

    shape: "shift" a lasting change of level, "ramp" a rise over `ramp_days` days (from the
    labelled start) to a new level, "spike" a bounded episode up or down (its days). The lags
    are the days the effect trails the incident's first and last day.
    """

    shape: str
    lag_start: int
    lag_end: int
    description: str
    ramp_days: int | None = None

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise ValueError(f"unknown shape {self.shape!r}")
        if (self.shape == "ramp") != (self.ramp_days is not None):
            raise ValueError("ramp_days is given for a ramp, and only for a ramp")


@dataclass(frozen=True)
class Effect:
    """A metric an incident moves, on the slices whose rows it changes.

    A series is moved when its slice shares rows with one of `slices` (the slice itself, a
    parent, a child, or a slice cut along other dimensions). direction: None when the metric
    moves both ways (removals fall during an outage, then rise as its misses are reported).
    aftermath_days: days after the incident's last day during which it still moves the metric.
    """

    metric: str
    direction: str | None
    slices: tuple[str, ...]
    aftermath_days: int = 0
    label: Label | None = None

    def __post_init__(self) -> None:
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise ValueError(f"{self.metric}: unknown direction {self.direction!r}")
        if self.label is not None and (self.direction is None or len(self.slices) != 1):
            raise ValueError(f"{self.metric}: a labelled effect has one direction and slice")


def p95_days(median_hours: float, sigma: float) -> int:
    """Whole days covering 95% of a log-normal delay with this median (hours) and sigma."""
    return math.ceil(median_hours * math.exp(1.645 * sigma) / 24)


# Violations the proactive systems missed are reported this long after going live (p95).
REPORT_DELAY_P95_DAYS = p95_days(REPORT_HOURS, REPORT_SIGMA)
# A complaint is decided this long after it is received (p95 of the slowest channel).
DECISION_P95_DAYS = max(p95_days(hours, sigma) for hours, sigma in DECISION_HOURS)
# closed_loop_rate reports on day d the complaints received on d - 7.
CLOSED_LOOP_DAYS = 7

# Metrics computed from complaints as they arrive (counts per live listing or per order),
# and from their decisions.
ARRIVALS = ("complaint_rate", "complaints_per_10k_orders")
ISSUE_ARRIVALS = ("counterfeit_complaint_rate", "safety_complaint_rate")
DECISIONS = ("substantiation_rate", "time_to_decision", "sla_compliance", "overdue_backlog")


# What each incident planted through `sql_parameters` moves; its mechanism is in the SQL of
# listings_sql (lifecycle stages) and events_sql. The wave and the ring, planted by
# extras.py, have theirs there.


def rule_change_effects(inc: Incident) -> tuple[Effect, ...]:
    """Three times as many new regulated listings lack certificates (`rule` in the lifecycle
    SQL); missing certificates are violations found almost only by the model, most before
    publication, so removals grow and their proactive, pre-publication and pre-sale shares."""
    where = (inc.slice,)
    return (
        Effect(
            "missing_qualification_rate",
            "up",
            where,
            label=Label(
                "shift",
                0,
                0,
                "a new certificate rule: from this day on about three times as many new "
                "listings lack the required certificate, and it stays",
            ),
        ),
        *(
            Effect(m, "up", where)
            for m in (
                "takedown_rate",
                "proactive_rate",
                "prepublish_block_share",
                "removed_before_sale_share",
                "repeat_offender_rate",
            )
        ),
    )


def outage_effects(inc: Incident) -> tuple[Effect, ...]:
    """What the model (and the review it feeds) would have found goes live (`hit` in the
    lifecycle SQL) and is reported by complaints over the report delay: proactive shares
    fall; removals fall, then rise; complaints rise, all for REPORT_DELAY_P95_DAYS after.
    Indicators per removal or per removed seller move with their denominator."""
    where, after = (inc.slice,), REPORT_DELAY_P95_DAYS
    label = Label(
        "spike",
        0,
        0,
        "the detection model is down: nothing is blocked or removed proactively "
        "except some manual reviews; violations are found later through complaints",
    )
    return (
        Effect("proactive_rate", "down", where, after, label),
        Effect("prepublish_block_share", "down", where, after),
        Effect("removed_before_sale_share", "down", where, after),
        Effect("takedown_rate", None, where, after),
        *(Effect(m, "up", where, after) for m in (*ARRIVALS, *ISSUE_ARRIVALS)),
        Effect("substantiation_rate", "up", where, after),
        # Appeals per 100 removals, and repeat offenders among sellers with a removal: their
        # denominators are the removals that fall, then rise.
        Effect("appeal_rate", None, where, after),
        Effect("repeat_offender_rate", None, where, after),
    )


# A complaint received in the backlog waits this much longer (p95).
BACKLOG_P95_DAYS = p95_days(BACKLOG_HOURS, BACKLOG_SIGMA)


def backlog_effects(inc: Incident) -> tuple[Effect, ...]:
    """Complaints received in the market during the backlog are decided BACKLOG_HOURS late
    (`dec_us` in the lifecycle SQL, `backlog` in the complaints SQL); the violations they
    report come down as late, so listings sell first."""
    where, after = (inc.slice,), BACKLOG_P95_DAYS
    return (
        Effect(
            "sla_compliance",
            "down",
            where,
            after,
            Label(
                "spike",
                2,
                3,
                "complaint reviewers fall behind: complaints received in the backlog take "
                "about 2.5 days longer and miss their SLA deadline",
            ),
        ),
        Effect(
            "time_to_decision",
            "up",
            where,
            after,
            Label(
                "spike",
                1,
                5,
                "complaints received during the backlog are decided about 2.5 days late",
            ),
        ),
        Effect("overdue_backlog", "up", where, after),
        Effect("closed_loop_rate", "down", where, CLOSED_LOOP_DAYS + after),
        Effect("takedown_rate", None, where, after),
        Effect("removed_before_sale_share", "down", where, after),
    )


def over_aggressive_rule_effects(inc: Incident) -> tuple[Effect, ...]:
    """A bad rule removes compliant live listings as prohibited items (`fp` in the lifecycle
    SQL), proactively and after publication; their sellers appeal within days and most
    appeals are overturned (`fp` in the appeals SQL)."""
    where = (inc.slice,)
    appeals = p95_days(FP_APPEAL_FILING_HOURS, APPEAL_FILING_SIGMA) + p95_days(
        FP_APPEAL_DECISION_HOURS, APPEAL_DECISION_SIGMA
    )
    return (
        Effect(
            "appeal_overturn_rate",
            "up",
            where,
            appeals,
            Label(
                "spike",
                1,
                1,
                "an over-aggressive prohibited-item rule removes compliant listings for a "
                "week; their sellers appeal and most appeals are overturned",
            ),
        ),
        # The rule is the model's: appeals against automated removals carry the overturns.
        Effect("appeal_overturn_rate_automated", "up", where, appeals),
        Effect("appeal_rate", "up", where, appeals),
        Effect("takedown_rate", "up", where),
        Effect("proactive_rate", "up", where),
        Effect("prepublish_block_share", "down", where),
        Effect("removed_before_sale_share", "down", where),
        Effect("repeat_offender_rate", "up", where),
    )


def missing_day_effects(inc: Incident) -> tuple[Effect, ...]:
    """The market's complaints of one day are left out of the export (the complaints SQL):
    that day's arrivals, and the decisions, deadlines and loops of those complaints later."""
    where = (inc.slice,)
    return (
        Effect(
            "complaint_rate",
            "down",
            where,
            label=Label(
                "spike", 0, 0, "the complaints export of this market lacks this day entirely"
            ),
        ),
        *(Effect(m, "down", where) for m in ("complaints_per_10k_orders", *ISSUE_ARRIVALS)),
        *(Effect(m, None, where, DECISION_P95_DAYS) for m in DECISIONS),
        Effect("closed_loop_rate", None, where, CLOSED_LOOP_DAYS),
    )


@dataclass(frozen=True)
class IncidentPlan:
    end: dt.date
    days: int
    planted: tuple[Incident, ...]

    def get(self, kind: str) -> Incident | None:
        return next((i for i in self.planted if i.kind == kind), None)


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
