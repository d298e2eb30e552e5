"""What a set of rules would have fired: the lifecycle stepped over the stored series and
detections as if the daily job had run every day, without writing to the store.

The replay is the job's own (`alerts.state.evaluation.replay`): it starts from a clean state
`lifecycle.warmup_days` before the first day asked for, as the job's first run does, so an
episode already running on that day is found with its real start; episodes are derived from
it as the job records them (`alerts.state.episodes.episodes_from_log`). Backtesting the rules
in force over days the job evaluated therefore gives exactly the episodes the job recorded.

Notifications are counted as one recipient of every alert would have received them, from
the first day asked for (when a first run would have started telling): new, escalated,
reminder (nobody acknowledges in a backtest) and resolved, by the job's own rule
(`alerts.notify.due_items.next_event`); silences and routing are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd

from alerts.notify.due_items import RESOLVED_NOTICE_DAYS, Told, next_event
from alerts.rules.rulebook import RuleBook
from alerts.state.episodes import as_days, episodes_from_log
from alerts.state.evaluation import replay
from alerts.state.history import history_rows
from metrics.catalogue import Catalogue
from metrics.errors import UserError
from metrics.settings import Settings

# A what-if's limits judge every day of its replay.
WHAT_IF_FROM = date(2000, 1, 1)


@dataclass
class Backtest:
    start: date
    end: date
    replay_start: date
    episodes: pd.DataFrame  # alerts.state.history.HISTORY_COLUMNS, without closure
    notifications: Counter[str] = field(default_factory=Counter)
    digest_days: int = 0  # days on which something would have been mailed

    @property
    def alert_days(self) -> int:
        """Days x alerts firing within start..end."""
        return int(
            sum(
                _days_within(since, last, self.start, self.end)
                for since, last in zip(
                    self.episodes["firing_since"], self.episodes["last_firing"], strict=True
                )
            )
        )


def _days_within(since: date, last: date | None, start: date, end: date) -> int:
    stop = min(last or end, end)
    first = max(since, start)
    return max(0, (stop - first).days + 1)


def backtest(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    config: Settings,
    start: date,
    end: date,
    series: tuple[str, str] | None = None,
) -> Backtest:
    """Steps the lifecycle over start..end (after the warm-up) with `rulebook` (None: the
    statistical detector alone); `series` (metric_id, slice) limits it to one series."""
    if end < start:
        raise UserError(f"--to {end} is before --from {start}")
    replay_start = start - timedelta(days=config.lifecycle.warmup_days - 1)
    now = datetime.now(UTC)
    evaluation = replay(
        con, catalogue, rulebook, replay_start, end, config, None,
        run_id="backtest", now=now, series=series,
    )  # fmt: skip
    rows = pd.DataFrame(evaluation.log_rows)
    found = episodes_from_log(rows)
    episodes = history_rows(found, None, start, end, config.zone)
    last = {
        (m, s, r, f): a
        for m, s, r, f, a in zip(
            found["metric_id"],
            found["slice"],
            found["rule_id"],
            found["firing_since"],
            found["last_active"],
            strict=True,
        )  # fmt: skip
    }
    episodes["last_firing"] = [
        last.get((m, s, r, f))
        for m, s, r, f in zip(
            episodes["metric_id"],
            episodes["slice"],
            episodes["rule_id"],
            episodes["firing_since"],
            strict=True,
        )  # fmt: skip
    ]
    result = Backtest(start, end, replay_start, episodes)
    _count_notifications(result, rows, config)
    return result


def _count_notifications(result: Backtest, rows: pd.DataFrame, config: Settings) -> None:
    """What one recipient of every alert would have been sent each day from `start`."""
    if rows.empty:
        return
    rows = rows[as_days(rows["date"]) >= result.start].copy()
    for column in ("date", "firing_since", "resolved_episode", "resolved_on"):
        rows[column] = as_days(rows[column])
    effective = rows["state"].where(rows["state"] != "no_data", rows["held_state"])
    rows["active"] = effective.isin(["firing", "recovering"]) & rows["firing_since"].notna()
    told: dict[tuple, Told] = {}
    days: set[date] = set()
    for rec in rows.sort_values(["date", "metric_id", "slice", "rule_id"]).to_dict("records"):
        day = rec["date"]
        if rec["active"]:
            kind, episode = "fire", rec["firing_since"]
        elif rec["resolved_on"] is not None and rec["resolved_episode"] is not None:
            if not 0 <= (day - rec["resolved_on"]).days <= RESOLVED_NOTICE_DAYS:
                continue
            kind, episode = "resolved", rec["resolved_episode"]
        else:
            continue
        key = (rec["metric_id"], rec["slice"], rec["rule_id"], episode)
        history = told.setdefault(key, Told(set()))
        severity = rec["severity"] if isinstance(rec["severity"], str) else None
        event = next_event(kind, severity, history, None, day, config)
        if event is None:
            continue
        history.tell(event, None if event == "resolved" else severity, day)
        result.notifications[event] += 1
        days.add(day)
    result.digest_days = len(days)


def with_limits(
    rulebook: RuleBook, rule_id: str, warning: float | None, critical: float | None
) -> RuleBook:
    """The rule book with one rule's limits changed over all time (a what-if): its other
    settings (side, slices, minimum volume) as in its latest version. Nothing is saved."""
    rules = []
    for rule in rulebook.rules:
        if rule.rule_id == rule_id:
            latest = next((t for _, t in reversed(rule.versions) if t is not None), None)
            if latest is None:
                raise UserError(f"rule {rule_id} is retired")
            limits = replace(
                latest,
                warning=warning,
                critical=critical,
                effective_from=WHAT_IF_FROM,
                version="what-if",
                rationale="what-if",
            )
            rule = replace(rule, versions=((WHAT_IF_FROM, limits),))
        rules.append(rule)
    return RuleBook(rules, version=f"{rulebook.version}+what-if", source="what-if")
