"""Alert tables, kept in the alert ledger beside the metric store (metrics/store_files.py), and
the API the dashboard uses to read and change them.

Tables are created idempotently inside each write (`ensure_schema`). Readers get a read-only
store connection (`MetricStore.read()`, which sees the ledger's tables) that may predate the
first alert run, so every read function returns an empty frame with the right columns when a
table does not exist yet. Writes go through `MetricStore.write_ledger()` (copy the ledger only,
change, swap under the ledger's lock): an acknowledgement never rewrites the metric store.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

from alerts.state.audit_log import LOCAL_ROLE, alert_target, record
from metrics.errors import UserError
from metrics.metric_store import MetricStore
from metrics.presentation import is_web_link

ALERT_SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_state (
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    rule_kind VARCHAR, rule_version VARCHAR, metric_fingerprint VARCHAR,
    state VARCHAR NOT NULL,          -- normal | pending | firing | recovering | no_data
    severity VARCHAR,                -- warning | critical | NULL
    held_state VARCHAR,              -- under no_data: the state the missing data interrupted
    breach_days INTEGER, ok_days INTEGER,
    since DATE, pending_since DATE, firing_since DATE, last_breach DATE,
    resolved_episode DATE, resolved_on DATE,
    as_of DATE NOT NULL,
    observed DOUBLE, expected DOUBLE, lower DOUBLE, upper DOUBLE, score DOUBLE,
    warning DOUBLE, critical DOUBLE, side VARCHAR, data_status VARCHAR,
    updated_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS alert_evaluations (
    run_id VARCHAR NOT NULL, evaluated_at TIMESTAMPTZ NOT NULL, as_of DATE NOT NULL,
    date DATE NOT NULL,
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    rule_kind VARCHAR, rule_version VARCHAR, metric_fingerprint VARCHAR,
    observed DOUBLE, expected DOUBLE, lower DOUBLE, upper DOUBLE, score DOUBLE,
    warning DOUBLE, critical DOUBLE, side VARCHAR,
    verdict VARCHAR,                 -- breach | ok | no_data
    breach_severity VARCHAR, data_status VARCHAR,
    state_before VARCHAR, state VARCHAR, severity VARCHAR, held_state VARCHAR,
    breach_days INTEGER, ok_days INTEGER,
    since DATE, pending_since DATE, firing_since DATE, last_breach DATE,
    resolved_episode DATE, resolved_on DATE
);
CREATE TABLE IF NOT EXISTS silences (
    silence_id VARCHAR PRIMARY KEY, metric_pattern VARCHAR NOT NULL,
    slice_pattern VARCHAR NOT NULL, starts_at TIMESTAMPTZ NOT NULL, until TIMESTAMPTZ NOT NULL,
    reason VARCHAR, author VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
    expired_at TIMESTAMPTZ, expired_by VARCHAR
);
CREATE TABLE IF NOT EXISTS acknowledgements (
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    episode DATE NOT NULL,           -- firing_since of the episode acknowledged
    author VARCHAR NOT NULL, note VARCHAR, acknowledged_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    message_id VARCHAR PRIMARY KEY, recipient VARCHAR NOT NULL, run_date DATE NOT NULL,
    content_key VARCHAR NOT NULL, subject VARCHAR, message BLOB NOT NULL,
    status VARCHAR NOT NULL,         -- queued | sent | failed (given up) | dropped
    attempts INTEGER NOT NULL DEFAULT 0, last_error VARCHAR,
    created_at TIMESTAMPTZ NOT NULL, sent_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS notifications (
    item_key VARCHAR NOT NULL, recipient VARCHAR NOT NULL, message_id VARCHAR,
    run_date DATE NOT NULL, metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL,
    rule_id VARCHAR NOT NULL, episode DATE, event VARCHAR NOT NULL, severity VARCHAR,
    status VARCHAR NOT NULL,         -- queued | sent | silenced
    silence_id VARCHAR, created_at TIMESTAMPTZ NOT NULL, sent_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS alert_episodes (
    -- every firing episode, kept for good (alert_state holds only the latest day, and the
    -- evaluation log may be pruned): see alerts/state/episodes.py
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    firing_since DATE NOT NULL,      -- the episode's identity, as everywhere
    pending_since DATE,              -- its first breached day
    severity VARCHAR,                -- the highest it fired at
    last_active DATE,                -- the last day it was firing (or recovering)
    resolved_on DATE,                -- the day the lifecycle resolved it
    rule_version VARCHAR,            -- the rule version that fired
    recorded_at TIMESTAMPTZ, updated_at TIMESTAMPTZ
);
CREATE TABLE IF NOT EXISTS alert_resolutions (
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    episode DATE NOT NULL,           -- firing_since of the episode closed
    reason VARCHAR NOT NULL,         -- action_taken | false_alarm | expected
    note VARCHAR, author VARCHAR NOT NULL, resolved_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS alert_feedback (
    metric_id VARCHAR NOT NULL, slice VARCHAR NOT NULL, rule_id VARCHAR NOT NULL,
    episode DATE NOT NULL,           -- firing_since of the episode judged
    verdict VARCHAR NOT NULL,        -- useful | not_useful
    note VARCHAR, author VARCHAR NOT NULL, given_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS scheduler_runs (
    run_id VARCHAR PRIMARY KEY, trigger VARCHAR NOT NULL,   -- manual | cron | catch-up
    scheduled_for TIMESTAMPTZ, run_date DATE, started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ, status VARCHAR, detail VARCHAR
);
CREATE TABLE IF NOT EXISTS audit_log (
    -- one row per change a person made, written with it: see alerts/state/audit_log.py
    acted_at TIMESTAMPTZ NOT NULL, who VARCHAR NOT NULL,
    role VARCHAR NOT NULL,           -- viewer | operator | admin (signed in) | local
    action VARCHAR NOT NULL,         -- acknowledge | resolve | feedback | silence | ...
    target VARCHAR NOT NULL, details VARCHAR   -- details: JSON
);
-- Added later: older stores gain the column on their next write.
ALTER TABLE acknowledgements ADD COLUMN IF NOT EXISTS action_url VARCHAR;
"""

STATE_COLUMNS = [
    "metric_id", "slice", "rule_id", "rule_kind", "rule_version", "metric_fingerprint",
    "state", "severity", "held_state", "breach_days", "ok_days", "since", "pending_since",
    "firing_since", "last_breach", "resolved_episode", "resolved_on", "as_of", "observed",
    "expected", "lower", "upper", "score", "warning", "critical", "side", "data_status",
    "updated_at",
]  # fmt: skip
ACTIVE_STATES = ("firing", "recovering")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(ALERT_SCHEMA)


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
    ).fetchone()
    return bool(row and row[0])


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    """Whether a read-only store written by an older release has this column yet."""
    row = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def _frame(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list) -> pd.DataFrame:
    if not has_table(con, table):
        return pd.DataFrame(columns=_columns_of(table))
    return con.execute(sql, params).df()


def _columns_of(table: str) -> list[str]:
    scratch = duckdb.connect()
    try:
        ensure_schema(scratch)
        return [r[0] for r in scratch.execute(f"DESCRIBE {table}").fetchall()]
    finally:
        scratch.close()


def firing_alerts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Alerts currently firing (incl. recovering, or held by missing data), worst first,
    with the acknowledgement of the current episode when there is one and the severity
    logged for the day before (`severity_before`: whether it escalated today). An episode
    someone resolved by hand (`alert_resolutions`) is no longer listed."""
    extra = ["acknowledged_by", "ack_note", "ack_at", "ack_url", "severity_before"]
    if not has_table(con, "alert_state"):
        return pd.DataFrame(columns=[*STATE_COLUMNS, *extra])
    # Stores last written by an older release lack the closure tables (read-only readers
    # cannot add them): nothing was closed or linked there.
    url = "a.action_url" if has_column(con, "acknowledgements", "action_url") else "NULL"
    closed = (
        """AND NOT EXISTS (
            SELECT 1 FROM alert_resolutions AS r
            WHERE r.metric_id = s.metric_id AND r.slice = s.slice AND r.rule_id = s.rule_id
              AND r.episode = s.firing_since)"""
        if has_table(con, "alert_resolutions")
        else ""
    )
    return con.execute(
        f"""
        SELECT s.*, a.author AS acknowledged_by, a.note AS ack_note, a.acknowledged_at AS ack_at,
               {url} AS ack_url, p.severity AS severity_before
        FROM alert_state AS s
        LEFT JOIN (
            SELECT * FROM acknowledgements
            QUALIFY row_number() OVER (
                PARTITION BY metric_id, slice, rule_id, episode ORDER BY acknowledged_at DESC) = 1
        ) AS a
          ON a.metric_id = s.metric_id AND a.slice = s.slice AND a.rule_id = s.rule_id
         AND a.episode = s.firing_since
        LEFT JOIN (
            -- the severity logged for the day before: says whether the alert escalated today
            SELECT metric_id, slice, rule_id, date, severity FROM alert_evaluations
            WHERE date = (SELECT max(as_of) FROM alert_state) - INTERVAL 1 DAY
            QUALIFY row_number() OVER (
                PARTITION BY metric_id, slice, rule_id ORDER BY evaluated_at DESC) = 1
        ) AS p
          ON p.metric_id = s.metric_id AND p.slice = s.slice AND p.rule_id = s.rule_id
         AND p.date = s.as_of - INTERVAL 1 DAY
        WHERE (s.state IN ('firing', 'recovering')
               OR (s.state = 'no_data' AND s.held_state IN ('firing', 'recovering')))
          {closed}
        ORDER BY s.severity = 'critical' DESC, s.firing_since, s.metric_id, s.slice, s.rule_id
        """
    ).df()


def alert_history(con: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """State changes (one row per transition), newest first, from the evaluation log."""
    return _frame(
        con,
        "alert_evaluations",
        """
        SELECT date, metric_id, slice, rule_id, rule_version, metric_fingerprint,
               state_before, state, severity, observed, expected, lower, upper,
               warning, critical, data_status, firing_since, evaluated_at, run_id
        FROM alert_evaluations
        WHERE state_before IS DISTINCT FROM state
        QUALIFY row_number() OVER (
            PARTITION BY date, metric_id, slice, rule_id ORDER BY evaluated_at DESC) = 1
        ORDER BY date DESC, evaluated_at DESC, metric_id, slice, rule_id
        LIMIT ?
        """,
        [int(limit)],
    )


def list_silences(con: duckdb.DuckDBPyConnection, active_only: bool = True) -> pd.DataFrame:
    now = datetime.now(UTC)
    where = "WHERE expired_at IS NULL AND until > ?" if active_only else ""
    return _frame(
        con,
        "silences",
        f"SELECT * FROM silences {where} ORDER BY created_at DESC",
        [now] if active_only else [],
    )


def add_silence(
    store: MetricStore,
    metric_pattern: str,
    slice_pattern: str,
    until: datetime,
    reason: str,
    author: str,
    role: str = LOCAL_ROLE,
) -> str:
    """Silences notifications for alerts whose metric and slice match the glob patterns
    (`*`, `?`, `[...]`; e.g. `market=ES*`) until `until`; returns the silence id. `role`:
    the author's dashboard role, for the audit log (`local` without sign-in)."""
    if until.tzinfo is None:
        raise UserError("silence end must carry a time zone")
    now = datetime.now(UTC)
    if until <= now:
        raise UserError(f"silence end {until.isoformat()} is in the past")
    for name, value in (("metric", metric_pattern), ("slice", slice_pattern), ("author", author)):
        if not value or not value.strip():
            raise UserError(f"silence needs a {name}")
    silence_id = uuid.uuid4().hex[:12]
    with store.write_ledger(with_store=False) as con:
        ensure_schema(con)
        con.execute(
            "INSERT INTO silences VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [silence_id, metric_pattern, slice_pattern, now, until, reason, author, now],
        )
        record(con, author, role, "silence", f"{metric_pattern} / {slice_pattern}",
               {"silence_id": silence_id, "until": until.isoformat(), "reason": reason},
               now)  # fmt: skip
    return silence_id


def expire_silence(
    store: MetricStore, silence_id: str, author: str, role: str = LOCAL_ROLE
) -> None:
    with store.write_ledger(with_store=False) as con:
        ensure_schema(con)
        found = con.execute(
            "SELECT count(*) FROM silences WHERE silence_id = ?", [silence_id]
        ).fetchone()
        if not found or not found[0]:
            raise UserError(f"no silence {silence_id!r}")
        now = datetime.now(UTC)
        con.execute(
            "UPDATE silences SET expired_at = ?, expired_by = ? "
            "WHERE silence_id = ? AND expired_at IS NULL",
            [now, author, silence_id],
        )
        record(con, author, role, "end_silence", silence_id, None, now)


def acknowledge(
    store: MetricStore,
    metric_id: str,
    slice: str,
    rule_id: str,
    author: str,
    note: str,
    action_url: str | None = None,
    role: str = LOCAL_ROLE,
) -> date:
    """Acknowledges the current firing episode: no reminders until it resolves. `action_url`
    (optional) links the ticket or action taken; it must be an http(s) address. Returns the
    episode (its firing_since)."""
    if not author or not author.strip():
        raise UserError("an acknowledgement needs an author")
    url = check_action_url(action_url)
    with store.write_ledger(with_store=False) as con:
        ensure_schema(con)
        row = con.execute(
            """
            SELECT firing_since FROM alert_state
            WHERE metric_id = ? AND slice = ? AND rule_id = ? AND firing_since IS NOT NULL
              AND (state IN ('firing', 'recovering')
                   OR (state = 'no_data' AND held_state IN ('firing', 'recovering')))
            """,
            [metric_id, slice, rule_id],
        ).fetchone()
        if row is None:
            raise UserError(f"no firing alert {metric_id} / {slice} / {rule_id} to acknowledge")
        now = datetime.now(UTC)
        con.execute(
            "INSERT INTO acknowledgements (metric_id, slice, rule_id, episode, author, note, "
            "acknowledged_at, action_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [metric_id, slice, rule_id, row[0], author, note, now, url],
        )
        record(con, author, role, "acknowledge", alert_target(metric_id, slice, rule_id, row[0]),
               {"note": note, "action_url": url}, now)  # fmt: skip
    return row[0]


def check_action_url(url: str | None) -> str | None:
    """An action link as stored: None when empty; an http(s) address, else UserError (it is
    shown as a link, so nothing else may pass: no javascript:, no file paths)."""
    text = (url or "").strip()
    if not text:
        return None
    if not is_web_link(text):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise UserError(f"action link {shown!r} is not an http(s) address (https://...)")
    return text


AckKey = tuple[str, str, str, object]


def acknowledged_episodes(con: duckdb.DuckDBPyConnection) -> dict[AckKey, dict]:
    """(metric_id, slice, rule_id, episode) -> the latest acknowledgement of that episode."""
    frame = _frame(
        con,
        "acknowledgements",
        "SELECT * FROM acknowledgements ORDER BY acknowledged_at",
        [],
    )
    acks: dict[AckKey, dict] = {}
    for rec in frame.to_dict("records"):
        episode = pd.Timestamp(rec["episode"]).date()
        acks[(rec["metric_id"], rec["slice"], rec["rule_id"], episode)] = rec
    return acks
