"""The data of each recipient's digest: due items grouped by indicator area and market, one
card per series (metric x slice) listing the rules that speak about it, with the series'
figures, chart, top contributing slices and a deep link into the dashboard.

Charts and contributors are computed once per series and shared by every recipient.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from alerts.notify.at_risk_section import AtRiskSection
from alerts.notify.card_lines import (
    RuleLine,
    alert_lifecycle,
    build_line,
    normal_text,
    read_volumes,
    rule_label,
    volume_text,
)
from alerts.notify.change_story import ChangeRun, change_runs, story
from alerts.notify.chart_data import chart_window
from alerts.notify.digest_details import ContributorsFn, add_details
from alerts.notify.due_items import Item
from alerts.notify.outbox import mailed_on, mailed_with
from alerts.notify.routing import recipients
from alerts.rules.export_age import ExportFreshness
from alerts.rules.observations import ANOMALY_RULE, market_of
from alerts.rules.rulebook import RuleBook
from alerts.state.evaluation import Evaluation
from alerts.state.status_data import day_facts
from metrics.catalogue import Catalogue
from metrics.presentation import (
    area_label,
    deep_link,
    describe_slice,
    format_day,
    format_period,
    format_time,
    format_value,
    market_label,
)
from metrics.runbooks import contact
from metrics.settings import EXPORTS_AREA, Settings

log = logging.getLogger(__name__)

SeriesKey = tuple[str, str]
EVENT_ORDER = {"escalated": 0, "new": 1, "reminder": 2, "resolved": 3}
# The summary counts alerts by the state word the cards and the Alerts page show.
STATE_ORDER = ("escalated", "new", "still firing", "pending", "recovering", "no data",
               "resolved")  # fmt: skip
SEVERITY_ORDER = {"critical": 0, "warning": 1, None: 2}
MAX_FOCUS_DAYS = 28  # contributors explain at most the last 28 days of a long run
# Marks the content key of a digest carrying the no-data notice, with the day it told.
NO_DATA_MARK = "+no-data-"


@dataclass
class SeriesView:
    metric_id: str
    slice: str
    slice_label: str  # how people read the slice: `market ES · toys`, `whole platform`
    label: str
    kind: str
    unit: str
    area: str
    market: str | None
    fingerprint: str
    today: str  # the as-of day's value, always labelled as today's
    link: str
    chart_cid: str
    # The day the contributors explain: the last breached day (the as-of day while breached).
    focus_day: date
    # The days the contributors explain, ending on focus_day: the detector's run of anomalous
    # days when it flagged that day (the change as long as it has been building), else 1.
    focus_days: int = 1
    chart_png: bytes = b""
    contributors: list[dict] = field(default_factory=list)
    # Where the change sits, in one sentence (`alerts.notify.contributor_text`).
    drivers_sentence: str = ""
    # The detector's expected value and range on the as-of day: `98.0% (range 97.0% to 99.0%)`.
    normal: str = ""
    # The cases behind today's value and the usual day's (`card_lines.volume_text`).
    volume: str = ""
    # Who answers for the indicator and its runbook (`metrics.runbooks`).
    owner: str = ""
    runbook_url: str | None = None


@dataclass
class Card:
    series: SeriesView
    lines: list[RuleLine]
    detailed: bool = False  # shown with its chart and contributors

    @property
    def focus_text(self) -> str:
        """The days the contributors explain: `Sun 06 Sep 2026` or `05 – 06 Sep 2026`."""
        s = self.series
        if s.focus_days <= 1:
            return format_day(s.focus_day)
        return format_period(s.focus_day - timedelta(days=s.focus_days - 1), s.focus_day)

    @property
    def event(self) -> str:
        return min((line.event for line in self.lines), key=EVENT_ORDER.__getitem__)

    @property
    def severity(self) -> str | None:
        firing = [line.severity for line in self.lines if line.event != "resolved"]
        return min(firing, key=SEVERITY_ORDER.__getitem__) if firing else None


@dataclass
class Group:
    area: str
    area_label: str
    market: str
    cards: list[Card]


@dataclass
class StillFiring:
    label: str
    slice: str
    slice_label: str
    rule_label: str
    severity: str | None
    firing_since: date | None
    link: str
    state_label: str = ""


@dataclass
class Digest:
    recipient: str
    run_date: date
    generated: str
    groups: list[Group]
    counts: dict[str, int]
    still_firing: list[StillFiring]
    items: list[Item]
    content_key: str
    dashboard_url: str | None
    # Open complaints due within the next 24 h in this recipient's markets (None: nothing).
    at_risk: AtRiskSection | None = None
    # Exports whose newest day is too old (the "No new data" section; None: all fresh).
    no_data: ExportFreshness | None = None

    @property
    def state_counts(self) -> dict[str, int]:
        """Alerts in this digest per state word (cards' lines), in STATE_ORDER."""
        words = [line.state.word for g in self.groups for c in g.cards for line in c.lines]
        return {w: words.count(w) for w in STATE_ORDER if w in words}

    @property
    def compact_cards(self) -> int:
        """Cards shown without chart and contributors (past digest.max_charts)."""
        return sum(1 for g in self.groups for c in g.cards if not c.detailed)

    @property
    def images(self) -> dict[str, bytes]:
        return {
            c.series.chart_cid: c.series.chart_png
            for g in self.groups
            for c in g.cards
            if c.detailed and c.series.chart_png
        }


def build_digests(
    con: duckdb.DuckDBPyConnection,
    evaluation: Evaluation,
    items: list[Item],
    config: Settings,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    contributors: ContributorsFn | None,
    now: datetime,
    at_risk: dict[str, AtRiskSection] | None = None,
    no_data: ExportFreshness | None = None,
) -> list[Digest]:
    """One digest per recipient with due (unsilenced) items, carrying their at-risk section;
    and one per recipient with only an at-risk section, unless they already have a digest
    for the day (re-runs and later runs of a day do not send the same clocks twice).

    `no_data` (stale exports) goes to the recipients of EXPORTS_AREA: in their alert digest
    if they have one, else in a digest of its own (with their at-risk section, if due), at
    most once per day judged (`no_data.today`), whatever the runs of that day evaluate."""
    items = [i for i in items if i.silence is None]
    sections = {person.lower(): (person, s) for person, s in (at_risk or {}).items()}
    digests = _alert_digests(con, evaluation, items, config, catalogue, rulebook, contributors,
                             now, sections) if items else []  # fmt: skip
    told_on = f"{NO_DATA_MARK}{no_data.today.isoformat()}" if no_data else ""
    data_people = {p.lower(): p for p in recipients(config, EXPORTS_AREA, None)} if no_data else {}
    for digest in digests:
        if digest.recipient.lower() in data_people:
            digest.no_data = no_data
            digest.content_key += told_on
    told = {d.recipient.lower() for d in digests}
    for key in sorted(set(sections) | set(data_people)):
        if key in told:
            continue
        person, section = sections.get(key, (data_people.get(key, ""), None))
        if section is not None and mailed_on(con, person, evaluation.as_of):
            section = None
        stale = no_data if key in data_people and not mailed_with(con, person, told_on) else None
        if section is None and stale is None:
            continue
        content = hashlib.sha256(f"at-risk|{evaluation.as_of}".encode()).hexdigest()[:24]
        digests.append(
            Digest(
                recipient=person,
                run_date=evaluation.as_of,
                generated=format_time(now, config.zone),
                groups=[],
                counts={e: 0 for e in (*EVENT_ORDER, "critical")},
                still_firing=[],
                items=[],
                content_key=(content if section else "") + (told_on if stale else ""),
                dashboard_url=config.dashboard_url,
                at_risk=section,
                no_data=stale,
            )
        )
    return digests


def _alert_digests(
    con: duckdb.DuckDBPyConnection,
    evaluation: Evaluation,
    items: list[Item],
    config: Settings,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    contributors: ContributorsFn | None,
    now: datetime,
    sections: dict[str, tuple[str, AtRiskSection]],
) -> list[Digest]:
    as_of = evaluation.as_of
    series = {(i.key[0], i.key[1]) for i in items}
    views = {s: _series_view(s, evaluation, catalogue, config) for s in sorted(series)}
    volumes = read_volumes(con, list(views), as_of)
    for s_key, view in views.items():
        view.volume = volume_text(catalogue.metrics[view.metric_id], volumes.get(s_key))
    breaches = day_facts(
        con,
        [
            (k[0], k[1], st.last_breach)
            for k, st in evaluation.states.items()
            if (k[0], k[1]) in series and st.last_breach is not None
        ],
        rulebook,
    )
    runs = change_runs(
        con,
        sorted(
            {
                (k[0], k[1], st.last_breach)
                for k, st in evaluation.states.items()
                if (k[0], k[1]) in series and k[2] == ANOMALY_RULE and st.last_breach is not None
            }
        ),
    )
    for view in views.values():
        run = runs.get((view.metric_id, view.slice, view.focus_day))
        view.focus_days = min(run.days, MAX_FOCUS_DAYS) if run is not None else 1
    generated = format_time(now, config.zone)
    by_person: dict[str, list[Item]] = {}
    for item in items:
        by_person.setdefault(item.recipient, []).append(item)
    digests = []
    for person, mine in sorted(by_person.items()):
        counts = {e: sum(1 for i in mine if i.event == e) for e in EVENT_ORDER}
        counts["critical"] = sum(1 for i in mine if i.severity == "critical")
        key = hashlib.sha256("\n".join(sorted(i.item_key for i in mine)).encode()).hexdigest()
        digests.append(
            Digest(
                recipient=person,
                run_date=as_of,
                generated=generated,
                groups=_groups(mine, views, evaluation, catalogue, breaches, runs),
                counts=counts,
                still_firing=_still_firing(person, mine, evaluation, catalogue, config),
                items=mine,
                content_key=key[:24],
                dashboard_url=config.dashboard_url,
                at_risk=sections.get(person.lower(), (person, None))[1],
            )
        )
    detailed = _choose_detailed(digests, config.digest.max_charts)
    add_details(con, [views[s] for s in sorted(detailed)], as_of, config, catalogue, rulebook,
                contributors)  # fmt: skip
    return digests


def _choose_detailed(digests: list[Digest], limit: int) -> set[SeriesKey]:
    """The most important cards of each digest get a chart and contributors, up to `limit`."""
    chosen: set[SeriesKey] = set()
    for digest in digests:
        cards = [c for g in digest.groups for c in g.cards]
        cards.sort(key=lambda c: (EVENT_ORDER[c.event], SEVERITY_ORDER[c.severity]))
        for card in cards[:limit]:
            card.detailed = True
            chosen.add((card.series.metric_id, card.series.slice))
    return chosen


def _series_view(
    s: SeriesKey, evaluation: Evaluation, catalogue: Catalogue, config: Settings
) -> SeriesView:
    metric_id, slice_key = s
    definition = catalogue.metrics[metric_id]
    contexts = [c for k, c in sorted(evaluation.context.items()) if k[:2] == s]
    observed = next((c.get("observed") for c in contexts if c.get("observed") is not None), None)
    as_of = evaluation.as_of
    start, _ = chart_window(as_of, config.digest.chart_days)
    cid = hashlib.sha256(f"{metric_id}|{slice_key}".encode()).hexdigest()[:16]
    breached = [
        st.last_breach
        for k, st in evaluation.states.items()
        if k[:2] == s and st.active and st.last_breach is not None
    ]
    who = contact(definition, config)
    return SeriesView(
        metric_id=metric_id,
        slice=slice_key,
        slice_label=describe_slice(slice_key),
        label=definition.label,
        kind=definition.kind,
        unit=definition.unit,
        area=definition.owner_area,
        market=market_of(slice_key),
        fingerprint=definition.fingerprint,
        today=format_value(definition.kind, observed),
        link=deep_link(config.dashboard_url, metric_id, slice_key, start, as_of),
        chart_cid=f"chart-{cid}@govkpi",
        focus_day=min(max(breached), as_of) if breached else as_of,
        normal=normal_text(definition.kind, evaluation.context.get((*s, ANOMALY_RULE))),
        owner=who.owner,
        runbook_url=who.runbook_url,
    )


def _groups(
    items: list[Item],
    views: dict[SeriesKey, SeriesView],
    evaluation: Evaluation,
    catalogue: Catalogue,
    breaches: dict[tuple[str, str, date], dict],
    runs: dict[tuple[str, str, date], ChangeRun],
) -> list[Group]:
    cards: dict[SeriesKey, Card] = {}
    for item in sorted(
        items, key=lambda i: (EVENT_ORDER[i.event], SEVERITY_ORDER[i.severity], i.key)
    ):
        s = (item.key[0], item.key[1])
        card = cards.setdefault(s, Card(views[s], []))
        state = evaluation.states[item.key]
        facts = breaches.get((s[0], s[1], state.last_breach), {}) if state.last_breach else {}
        card.lines.append(
            build_line(
                item,
                state,
                evaluation.previous.get(item.key),
                evaluation.context[item.key],
                facts,
                catalogue.metrics[s[0]],
                evaluation.as_of,
                story(runs.get((s[0], s[1], state.last_breach))) if state.last_breach else "",
            )
        )
    grouped: dict[tuple[str, str], list[Card]] = {}
    for card in cards.values():
        grouped.setdefault((card.series.area, card.series.market or ""), []).append(card)
    groups = []
    for (area, market), members in sorted(grouped.items()):
        members.sort(
            key=lambda c: (
                EVENT_ORDER[c.event], SEVERITY_ORDER[c.severity], c.series.label, c.series.slice
            )
        )  # fmt: skip
        groups.append(Group(area, area_label(area), market_label(market or None), members))
    return groups


def _still_firing(
    person: str,
    mine: list[Item],
    evaluation: Evaluation,
    catalogue: Catalogue,
    config: Settings,
) -> list[StillFiring]:
    """Active alerts routed to this person that have no news in this digest."""
    mentioned = {i.key for i in mine}
    out = []
    for key, state in sorted(evaluation.states.items()):
        if key in mentioned or not state.active or key[0] not in catalogue.metrics:
            continue
        definition = catalogue.metrics[key[0]]
        people = recipients(config, definition.owner_area, market_of(key[1]))
        if person.lower() not in (p.lower() for p in people):
            continue
        start, _ = chart_window(evaluation.as_of, config.digest.chart_days)
        link = deep_link(config.dashboard_url, key[0], key[1], start, evaluation.as_of)
        word = alert_lifecycle(state, evaluation.previous.get(key), evaluation.as_of)
        out.append(
            StillFiring(
                label=definition.label,
                slice=key[1],
                slice_label=describe_slice(key[1]),
                rule_label=rule_label(key[2]),
                severity=state.severity,
                firing_since=state.firing_since,
                link=link,
                state_label=word.label,
            )
        )
    return out
