"""The audit log: who did what to which alert, when, and in which role.

Every change a person makes to the alert ledger (acknowledge, resolve, feedback, add or end a
silence, retry or drop a queued message) writes one row here in the same `MetricStore.write()`
as the change itself, so the action and its record are swapped in together or not at all.
`who` is the signed-in identity (the dashboard with sign-in: the ID token's email), else the
name given (`--author`, or typed on the dashboard without sign-in); `role` is the dashboard
role (viewer, operator, admin) or `local` for an action without sign-in (the command line,
or the dashboard in local single-user mode). The table lives beside the other alert tables
(`alert_store.ALERT_SCHEMA`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb
import pandas as pd

LOCAL_ROLE = "local"
AUDIT_COLUMNS = ["acted_at", "who", "role", "action", "target", "details"]


def record(
    con: duckdb.DuckDBPyConnection,
    who: str,
    role: str,
    action: str,
    target: str,
    details: dict[str, object] | None = None,
    at: datetime | None = None,
) -> None:
    """One audit row on `con`, the connection of the write that makes the change."""
    shown = {k: v for k, v in (details or {}).items() if v not in (None, "")}
    con.execute(
        "INSERT INTO audit_log (acted_at, who, role, action, target, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            at or datetime.now(UTC),
            who,
            role,
            action,
            target,
            json.dumps(shown, default=str, ensure_ascii=False) if shown else None,
        ],
    )


def alert_target(metric_id: str, slice_key: str, rule_id: str, episode: object = None) -> str:
    """An alert as the log names it: `metric / slice / rule [@ episode]`."""
    text = f"{metric_id} / {slice_key} / {rule_id}"
    return f"{text} @ {episode}" if episode is not None else text


def audit_entries(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The latest entries, newest first (columns AUDIT_COLUMNS; empty before the first)."""
    # Not alert_store.has_table: alert_store imports this module to write its rows.
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit_log'"
    ).fetchone()
    if not found or not found[0]:
        return pd.DataFrame(columns=AUDIT_COLUMNS)
    return con.execute(
        "SELECT acted_at, who, role, action, target, details FROM audit_log "
        "ORDER BY acted_at DESC, action LIMIT ?",
        [int(limit)],
    ).df()
