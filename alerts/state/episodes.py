"""Alert episodes: one row per firing episode of a rule x series, kept for good.

An episode is identified, as everywhere, by the day it started firing (`firing_since`). The
live `alert_state` holds only the latest day and the evaluation log may be pruned, so every
run records the episodes its evaluation touched in `alert_episodes`: first breached day
(`pending_since`), the highest severity it fired at (what the digests announced; a breach
while still pending is not an alert yet), last firing day and the day the lifecycle resolved it.
A day judged again (a re-run, a catch-up) merges into the same row; nothing is ever deleted.
A store whose log predates the table has its episodes backfilled from the log once.

`episodes_from_log` is the one derivation, used by the job (from its evaluation rows), by the
backfill (from the logged rows) and by the backtest (from its replay), so the three agree.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from alerts.state.alert_store import has_table
from alerts.state.lifecycle import SEVERITY_RANK
from metrics.store_files import LEDGER_META, set_ledger_meta

KEY = ["metric_id", "slice", "rule_id"]
EPISODE_COLUMNS = [
    *KEY, "firing_since", "pending_since", "severity", "last_active", "resolved_on",
    "rule_version",
]  # fmt: skip
ACTIVE = ("firing", "recovering")
BACKFILLED = "alert_episodes_backfilled"
# The newest logged evaluation of each rule x series x day: what the job holds as that day's state.
LOGGED_DAYS_SQL = """
    SELECT date, metric_id, slice, rule_id, rule_version, state, held_state, severity,
           pending_since, firing_since, resolved_episode, resolved_on
    FROM alert_evaluations
    QUALIFY row_number() OVER (
        PARTITION BY metric_id, slice, rule_id, date ORDER BY evaluated_at DESC) = 1
"""


DATE_COLUMNS = ("firing_since", "pending_since", "last_active", "resolved_on")


def as_days(column: pd.Series) -> pd.Series:
    """Dates as `datetime.date`, a missing one as None (never NaT or NaN)."""
    stamps = pd.to_datetime(column, errors="coerce")
    return pd.Series(
        [t.date() if pd.notna(t) else None for t in stamps], index=column.index, dtype=object
    )


def _with_days(frame: pd.DataFrame) -> pd.DataFrame:
    for column in DATE_COLUMNS:
        frame[column] = as_days(frame[column])
    return frame


def _worst(severities: pd.Series) -> str | None:
    ranked = [s for s in severities if isinstance(s, str)]
    return max(ranked, key=lambda s: SEVERITY_RANK.get(s, 0)) if ranked else None


def episodes_from_log(rows: pd.DataFrame) -> pd.DataFrame:
    """The episodes in evaluation rows (one per rule x series x day, holding the state after
    the day, as `alert_evaluations`). Each row speaks for itself (it carries the episode's
    firing_since, pending_since and, once resolved, resolved_episode and resolved_on), so
    rows may come from different runs and need not cover an episode's every day."""
    if rows.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    rows = rows.copy()
    for column in ("date", "pending_since", "firing_since", "resolved_episode", "resolved_on"):
        rows[column] = as_days(rows[column])
    effective = rows["state"].where(rows["state"] != "no_data", rows["held_state"])
    active = rows[effective.isin(ACTIVE) & rows["firing_since"].notna()].sort_values("date")
    found = (
        active.groupby([*KEY, "firing_since"], sort=True)
        .agg(
            pending_since=("pending_since", "min"),
            severity=("severity", _worst),
            last_active=("date", "max"),
            rule_version=("rule_version", "first"),  # the version in force when it fired
        )
        .reset_index()
    )
    ended = rows[rows["resolved_episode"].notna() & rows["resolved_on"].notna()]
    resolved = (
        ended.groupby([*KEY, "resolved_episode"])["resolved_on"]
        .min()
        .reset_index()
        .rename(columns={"resolved_episode": "firing_since"})
    )
    out = found.merge(resolved, on=[*KEY, "firing_since"], how="outer")
    out = out.reindex(columns=EPISODE_COLUMNS).sort_values([*KEY, "firing_since"])
    return _with_days(out.reset_index(drop=True))


def merge_episodes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One row per episode from the recorded rows and newly derived ones: the earliest first
    breached day, the highest severity, the latest firing day, the resolution once known."""
    both = pd.concat([f for f in (old, new) if not f.empty], ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    both = _with_days(both)
    merged = (
        both.groupby([*KEY, "firing_since"], sort=True)
        .agg(
            pending_since=("pending_since", "min"),
            severity=("severity", _worst),
            last_active=("last_active", "max"),
            resolved_on=("resolved_on", "max"),
            rule_version=("rule_version", "first"),
        )
        .reset_index()
    )
    return _with_days(merged.reindex(columns=EPISODE_COLUMNS))


def logged_episodes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The episodes the whole evaluation log holds (for a store without `alert_episodes`)."""
    if not has_table(con, "alert_evaluations"):
        return pd.DataFrame(columns=EPISODE_COLUMNS)
    return episodes_from_log(con.execute(LOGGED_DAYS_SQL).df())


def _backfilled(con: duckdb.DuckDBPyConnection) -> bool:
    # fetchall: a result left half-read blocks the connection's next register() (DuckDB 2).
    # The mark is the ledger's; a store of schema 2 not yet migrated (no ledger) kept it in
    # its own meta table.
    table = LEDGER_META if has_table(con, LEDGER_META) else "meta"
    rows = con.execute(f"SELECT value FROM {table} WHERE key = ?", [BACKFILLED]).fetchall()
    return bool(rows)


def ensure_episodes(con: duckdb.DuckDBPyConnection, now: datetime) -> None:
    """Inside a write (after `ensure_schema`): backfills `alert_episodes` once from the
    evaluation log of a store that was evaluated before the table existed."""
    if _backfilled(con):
        return
    _upsert(con, logged_episodes(con), now)
    set_ledger_meta(con, BACKFILLED, now.isoformat(timespec="seconds"))


def record_episodes(con: duckdb.DuckDBPyConnection, log_rows: list[dict], now: datetime) -> int:
    """Inside the job's write: merges the episodes of this run's evaluation rows into
    `alert_episodes`; returns how many episodes the run touched."""
    ensure_episodes(con, now)
    return _upsert(con, episodes_from_log(pd.DataFrame(log_rows)), now)


def _upsert(con: duckdb.DuckDBPyConnection, new: pd.DataFrame, now: datetime) -> int:
    if new.empty:
        return 0
    con.register("new_episodes", new[[*KEY, "firing_since"]])
    try:
        old = con.execute(
            f"""
            SELECT e.{", e.".join(EPISODE_COLUMNS)}, e.recorded_at FROM alert_episodes AS e
            JOIN new_episodes AS n USING (metric_id, slice, rule_id, firing_since)
            """
        ).df()
        recorded = {
            (r["metric_id"], r["slice"], r["rule_id"], pd.Timestamp(r["firing_since"]).date()): r[
                "recorded_at"
            ]
            for r in old.to_dict("records")
        }
        merged = merge_episodes(old.drop(columns="recorded_at"), new)
        merged["recorded_at"] = [
            recorded.get((m, s, r, f), now)
            for m, s, r, f in zip(
                merged["metric_id"],
                merged["slice"],
                merged["rule_id"],
                merged["firing_since"],
                strict=True,
            )
        ]
        merged["updated_at"] = now
        con.execute(
            """
            DELETE FROM alert_episodes AS e USING new_episodes AS n
            WHERE e.metric_id = n.metric_id AND e.slice = n.slice AND e.rule_id = n.rule_id
              AND e.firing_since = n.firing_since
            """
        )
        con.register("merged_episodes", merged)
        con.execute("INSERT INTO alert_episodes BY NAME SELECT * FROM merged_episodes")
        con.unregister("merged_episodes")
    finally:
        con.unregister("new_episodes")
    return len(new)


def stored_episodes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every episode: the `alert_episodes` table, or (a store last written before it existed,
    read read-only) the episodes of its evaluation log."""
    if has_table(con, "alert_episodes") and _backfilled(con):
        frame = con.execute(
            f"SELECT {', '.join(EPISODE_COLUMNS)} FROM alert_episodes "
            "ORDER BY metric_id, slice, rule_id, firing_since"
        ).df()
        return _with_days(frame)
    return logged_episodes(con)
