"""Closing an alert episode by hand: a resolution with its reason, and feedback on whether
the alert was useful. Every write records its author and time; nothing is ever overwritten
(the latest entry of an episode is the one shown).

A resolution by hand closes the episode for the team: it leaves the firing lists and the
digest says nothing more about it (no reminder, escalation or resolution notice). The
lifecycle is not touched: it goes on judging the data, so the episode ends in the ledger
once the indicator recovers, and a breach after that starts a new episode as usual. That
keeps the episodes the job records equal to those a backtest of the same rules finds.

An action can name an episode (its firing_since); without one it takes the alert's current
episode, else (feedback, a reason for an episode the lifecycle already resolved) its latest.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from alerts.state.alert_store import AckKey, ensure_schema, has_table
from alerts.state.audit_log import LOCAL_ROLE, alert_target, record
from alerts.state.episodes import ensure_episodes
from metrics.errors import UserError
from metrics.metric_store import MetricStore

RESOLUTION_REASONS = ("action_taken", "false_alarm", "expected")
REASON_TEXT = {
    "action_taken": "action taken",
    "false_alarm": "false alarm",
    "expected": "expected (e.g. a planned policy change)",
    "recovered": "recovered (the data)",
}
FEEDBACK_VERDICTS = ("useful", "not_useful")


def _required(value: str, what: str) -> str:
    if not value or not value.strip():
        raise UserError(f"{what} is required")
    return value.strip()


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise UserError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return value


def _episode(
    con: duckdb.DuckDBPyConnection,
    metric_id: str,
    slice_key: str,
    rule_id: str,
    episode: date | None,
    *,
    open_only: bool,
) -> date:
    """The episode an action names: the given one (it must exist), else the open one, else
    (unless `open_only`) the latest."""
    rows = con.execute(
        "SELECT firing_since, resolved_on FROM alert_episodes "
        "WHERE metric_id = ? AND slice = ? AND rule_id = ? ORDER BY firing_since DESC",
        [metric_id, slice_key, rule_id],
    ).fetchall()
    what = f"{metric_id} / {slice_key} / {rule_id}"
    if episode is not None:
        if not any(r[0] == episode for r in rows):
            raise UserError(f"no alert episode {what} that started firing on {episode}")
        return episode
    if rows and (rows[0][1] is None or not open_only):
        return rows[0][0]
    raise UserError(
        f"no firing alert {what}"
        + ("" if open_only else " and no earlier episode of it")
        + (" (name one with --episode DATE)" if rows else "")
    )


def resolve(
    store: MetricStore,
    metric_id: str,
    slice_key: str,
    rule_id: str,
    reason: str,
    note: str,
    author: str,
    episode: date | None = None,
    role: str = LOCAL_ROLE,
) -> date:
    """Closes an episode by hand with a reason (action_taken, false_alarm, expected) and a
    note. Without `episode`: the open one. An episode the lifecycle already resolved may be
    given a reason too (then its resolution day stays the lifecycle's). Returns the episode."""
    reason = _choice(reason, RESOLUTION_REASONS, "reason")
    author = _required(author, "an author")
    note = _required(note, "a note")
    with store.write_ledger(with_store=False) as con:
        ensure_schema(con)
        now = datetime.now(UTC)
        ensure_episodes(con, now)
        found = _episode(con, metric_id, slice_key, rule_id, episode, open_only=True)
        con.execute(
            "INSERT INTO alert_resolutions (metric_id, slice, rule_id, episode, reason, note, "
            "author, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [metric_id, slice_key, rule_id, found, reason, note, author, now],
        )
        record(con, author, role, "resolve", alert_target(metric_id, slice_key, rule_id, found),
               {"reason": reason, "note": note}, now)  # fmt: skip
    return found


def give_feedback(
    store: MetricStore,
    metric_id: str,
    slice_key: str,
    rule_id: str,
    verdict: str,
    author: str,
    note: str = "",
    episode: date | None = None,
    role: str = LOCAL_ROLE,
) -> date:
    """Records whether an episode was useful (`useful` / `not_useful`); without `episode`,
    the alert's open episode, else its latest. Returns the episode."""
    verdict = _choice(verdict, FEEDBACK_VERDICTS, "feedback")
    author = _required(author, "an author")
    with store.write_ledger(with_store=False) as con:
        ensure_schema(con)
        now = datetime.now(UTC)
        ensure_episodes(con, now)
        found = _episode(con, metric_id, slice_key, rule_id, episode, open_only=False)
        con.execute(
            "INSERT INTO alert_feedback (metric_id, slice, rule_id, episode, verdict, note, "
            "author, given_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [metric_id, slice_key, rule_id, found, verdict, note.strip() or None, author, now],
        )
        record(con, author, role, "feedback", alert_target(metric_id, slice_key, rule_id, found),
               {"verdict": verdict, "note": note.strip()}, now)  # fmt: skip
    return found


def closed_episodes(con: duckdb.DuckDBPyConnection) -> set[AckKey]:
    """(metric_id, slice, rule_id, episode) of every episode resolved by hand."""
    if not has_table(con, "alert_resolutions"):
        return set()
    rows = con.execute(
        "SELECT DISTINCT metric_id, slice, rule_id, episode FROM alert_resolutions"
    ).fetchall()
    return {(m, s, r, pd.Timestamp(e).date()) for m, s, r, e in rows}
