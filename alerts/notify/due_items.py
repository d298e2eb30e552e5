"""Which notifications are due, per recipient, after an evaluation.

Each notification is an item with a stable key (alert, firing episode, event, severity; plus
the day for reminders). An item already in the notification log for that recipient is never
due again, which makes re-runs, catch-ups and past-date runs send nothing twice:

- new: the alert is firing and the recipient has not been told about this episode;
- escalated: firing at a higher severity than the recipient was told (warning -> critical);
- reminder: still firing `reminder_days` after the recipient last heard of it, unless the
  episode is acknowledged;
- resolved: the episode the recipient was told about has resolved (within the last week).
An episode someone resolved by hand (`alerts.state.closure`) is closed: nothing more is due.
Items muted by a silence are returned with the silence so the caller can log them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from alerts.notify.routing import recipients
from alerts.rules.observations import market_of
from alerts.state.alert_store import acknowledged_episodes, has_table
from alerts.state.closure import closed_episodes
from alerts.state.evaluation import Evaluation, Key
from alerts.state.lifecycle import SEVERITY_RANK
from alerts.state.silences import Silence, silence_for
from metrics.catalogue import Catalogue
from metrics.settings import Settings

log = logging.getLogger(__name__)

RESOLVED_NOTICE_DAYS = 7  # a resolution older than this is history, not news


@dataclass(frozen=True)
class Item:
    recipient: str
    key: Key
    event: str  # new | escalated | reminder | resolved
    severity: str | None
    episode: date
    item_key: str
    silence: Silence | None = None
    acknowledged: dict | None = None


@dataclass
class Told:
    """What one recipient has been told about one episode."""

    severities: set[str]
    last_day: date | None = None
    resolved: bool = False

    def tell(self, event: str, severity: str | None, day: date, silenced: bool = False) -> None:
        """Records an item as told (queued or sent); a silenced one counts only as a
        resolution, so a firing alert is announced once its silence ends."""
        if event == "resolved":
            self.resolved = True
            return
        if silenced:
            return
        if event in ("new", "escalated") and severity:
            self.severities.add(severity)
        self.last_day = day if self.last_day is None else max(self.last_day, day)


def due_items(
    con: duckdb.DuckDBPyConnection,
    evaluation: Evaluation,
    config: Settings,
    catalogue: Catalogue,
    silences: list[Silence],
) -> list[Item]:
    told = _told(con)
    acks = acknowledged_episodes(con)
    closed = closed_episodes(con)
    as_of = evaluation.as_of
    items: list[Item] = []
    unrouted: set[str] = set()
    for key, state in sorted(evaluation.states.items()):
        metric_id, slice_key, rule_id = key
        if metric_id not in catalogue.metrics:
            continue
        area = catalogue.metrics[metric_id].owner_area
        if state.active and state.firing_since is not None:
            episode, kind = state.firing_since, "fire"
        elif (
            state.resolved_episode is not None
            and state.resolved_on is not None
            and 0 <= (as_of - state.resolved_on).days <= RESOLVED_NOTICE_DAYS
        ):
            episode, kind = state.resolved_episode, "resolved"
        else:
            continue
        if (metric_id, slice_key, rule_id, episode) in closed:
            continue
        people = recipients(config, area, market_of(slice_key))
        if not people:
            unrouted.add(area)
        silence = silence_for(silences, metric_id, slice_key)
        ack = acks.get((metric_id, slice_key, rule_id, episode))
        for person in people:
            history = told.get((person.lower(), key, episode), Told(set()))
            event = next_event(kind, state.severity, history, ack, as_of, config)
            if event is None:
                continue
            severity = None if event == "resolved" else state.severity
            item_key = f"{metric_id}|{slice_key}|{rule_id}|{episode}|{event}|{severity}"
            if event == "reminder":
                item_key += f"|{as_of}"
            items.append(Item(person, key, event, severity, episode, item_key, silence, ack))
    if unrouted:
        log.warning(
            "alerts in areas %s have no recipients: set mail.to (GOVKPI_MAIL_TO) or routing",
            ", ".join(sorted(unrouted)),
        )
    return items


def next_event(
    kind: str,
    severity: str | None,
    history: Told,
    ack: dict | None,
    as_of: date,
    config: Settings,
) -> str | None:
    """The notification due to one recipient about one episode (`kind`: fire or resolved),
    given what they were told; None when nothing is due."""
    if kind == "resolved":
        return "resolved" if history.severities and not history.resolved else None
    if not history.severities:
        return "new"
    if SEVERITY_RANK.get(severity, 0) > max(SEVERITY_RANK.get(s, 0) for s in history.severities):
        return "escalated"
    every = config.lifecycle.reminder_days
    if every and ack is None and history.last_day is not None:
        if (as_of - history.last_day).days >= every:
            return "reminder"
    return None


def _told(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, Key, date], Told]:
    """What each recipient has been told (queued or sent; silenced items count only for
    resolutions, so a firing alert is announced once its silence ends)."""
    if not has_table(con, "notifications"):
        return {}
    frame = con.execute(
        """
        SELECT lower(recipient) AS recipient, metric_id, slice, rule_id, episode, event,
               severity, status, max(run_date) AS last_day
        FROM notifications WHERE episode IS NOT NULL
        GROUP BY ALL
        """
    ).df()
    told: dict[tuple[str, Key, date], Told] = defaultdict(lambda: Told(set()))
    for rec in frame.to_dict("records"):
        episode = pd.Timestamp(rec["episode"]).date()
        entry = told[(rec["recipient"], (rec["metric_id"], rec["slice"], rec["rule_id"]), episode)]
        severity = rec["severity"] if isinstance(rec["severity"], str) else None
        last = pd.Timestamp(rec["last_day"]).date()
        entry.tell(rec["event"], severity, last, silenced=rec["status"] == "silenced")
    return dict(told)
