"""The ledger's past, for `govkpi alerts history` and the Alerts and Overview pages.

`episode_history`: one row per episode overlapping a period, with what the team did about it
(acknowledgement, resolution by hand, feedback) and the team's own clocks, in whole calendar
days of the reporting time zone:

- days_to_detect: the first breached day (pending_since) -> firing_since;
- days_to_acknowledge: firing_since -> the day of the first acknowledgement;
- days_to_resolve: firing_since -> resolved_on, the earlier of the day the lifecycle resolved
  it and the day someone resolved it by hand.

`ledger_on`: what was firing and pending the morning after a past day, from the evaluation
log, with the acknowledgements and resolutions by hand recorded by the end of that morning's
day (the review day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from alerts.state.alert_store import STATE_COLUMNS, has_column, has_table
from alerts.state.episodes import as_days, stored_episodes

HISTORY_COLUMNS = [
    "rule_id", "metric_id", "slice", "severity", "pending_since", "firing_since",
    "resolved_on", "acknowledged_by", "acknowledged_at", "note", "action_url", "feedback",
    "resolution", "days_to_detect", "days_to_acknowledge", "days_to_resolve",
    # beside the contract's columns:
    "state", "alert_days", "resolved_by", "resolved_at", "resolution_note", "feedback_by",
    "feedback_at",
]  # fmt: skip
KEY = ["metric_id", "slice", "rule_id", "episode"]
CLOCKS = ("days_to_detect", "days_to_acknowledge", "days_to_resolve")
STATES = ("firing", "resolved")
# Beside alert_state's columns, as `alert_store.firing_alerts` reads them.
LEDGER_EXTRA = ["acknowledged_by", "ack_note", "ack_at", "ack_url", "severity_before"]
CLOSURE_COLUMNS = [
    "acknowledged_by", "acknowledged_at", "note", "action_url", "resolution",
    "resolution_note", "resolved_by", "resolved_at", "feedback", "feedback_by", "feedback_at",
]  # fmt: skip


def _read(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> pd.DataFrame | None:
    return con.execute(sql).df() if has_table(con, table) else None


def _local(moments: pd.Series, zone: ZoneInfo) -> pd.Series:
    stamps = pd.to_datetime(moments, utc=True)
    return stamps.dt.tz_convert(zone)


def _latest(frame: pd.DataFrame | None, at: str, columns: dict[str, str]) -> pd.DataFrame:
    """The latest entry per episode, its columns renamed; empty when there is none."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=[*KEY, *columns.values()])
    frame = frame.sort_values(at).groupby(KEY, as_index=False).last()
    return frame[[*KEY, *columns]].rename(columns=columns)


def _acknowledgements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per episode: the first acknowledgement (who, when: the clock) with the latest note
    and action link."""
    url = "action_url" if has_column(con, "acknowledgements", "action_url") else "NULL"
    acks = _read(
        con,
        "acknowledgements",
        f"SELECT metric_id, slice, rule_id, episode, author, note, {url} AS action_url, "
        "acknowledged_at FROM acknowledgements ORDER BY acknowledged_at",
    )
    columns = [*KEY, "acknowledged_by", "acknowledged_at", "note", "action_url"]
    if acks is None or acks.empty:
        return pd.DataFrame(columns=columns)
    first = acks.groupby(KEY, as_index=False).first()[[*KEY, "author", "acknowledged_at"]]
    latest = acks.groupby(KEY, as_index=False).last()[[*KEY, "note", "action_url"]]
    merged = first.merge(latest, on=KEY).rename(columns={"author": "acknowledged_by"})
    return merged[columns]


def _closure(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    acks = _acknowledgements(con)
    resolutions = _latest(
        _read(con, "alert_resolutions", "SELECT * FROM alert_resolutions"),
        "resolved_at",
        {"reason": "resolution", "note": "resolution_note", "author": "resolved_by",
         "resolved_at": "resolved_at"},
    )  # fmt: skip
    feedback = _latest(
        _read(con, "alert_feedback", "SELECT * FROM alert_feedback"),
        "given_at",
        {"verdict": "feedback", "author": "feedback_by", "given_at": "feedback_at"},
    )
    out = acks.merge(resolutions, on=KEY, how="outer").merge(feedback, on=KEY, how="outer")
    out["episode"] = as_days(out["episode"])
    return out


def episode_history(
    con: duckdb.DuckDBPyConnection, start: date, end: date, zone: ZoneInfo
) -> pd.DataFrame:
    """Every episode the ledger holds that overlaps start..end, with the team's closure."""
    return history_rows(stored_episodes(con), _closure(con), start, end, zone)


def history_rows(
    episodes: pd.DataFrame,
    closure: pd.DataFrame | None,
    start: date,
    end: date,
    zone: ZoneInfo,
) -> pd.DataFrame:
    """Episodes (`alerts.state.episodes.EPISODE_COLUMNS`) overlapping start..end (fired on
    or before `end`, not ended before `start`), oldest first, in HISTORY_COLUMNS, with the
    closure (acknowledgement, resolution by hand, feedback; None: none, as in a backtest)
    and the clocks; times in `zone`. Pure."""
    if closure is None:
        closure = pd.DataFrame(columns=[*KEY, *CLOSURE_COLUMNS])
    frame = episodes.merge(
        closure.rename(columns={"episode": "firing_since"}),
        on=["metric_id", "slice", "rule_id", "firing_since"],
        how="left",
    )
    for column in ("acknowledged_at", "resolved_at", "feedback_at"):
        frame[column] = _local(frame[column], zone)
    frame["resolved_on"] = as_days(frame["resolved_on"])
    by_hand = [t.date() if pd.notna(t) else None for t in frame["resolved_at"]]
    frame["resolved_on"] = [
        min((d for d in (auto, manual) if d is not None), default=None)
        for auto, manual in zip(frame["resolved_on"], by_hand, strict=True)
    ]
    frame["resolution"] = [
        reason if isinstance(reason, str) else ("recovered" if ended is not None else None)
        for reason, ended in zip(frame["resolution"], frame["resolved_on"], strict=True)
    ]
    frame["state"] = ["firing" if d is None else "resolved" for d in frame["resolved_on"]]
    acked = [t.date() if pd.notna(t) else None for t in frame["acknowledged_at"]]
    frame["days_to_detect"] = _days_between(frame["pending_since"], frame["firing_since"])
    frame["days_to_acknowledge"] = _days_between(frame["firing_since"], acked)
    frame["days_to_resolve"] = _days_between(frame["firing_since"], frame["resolved_on"])
    frame["alert_days"] = pd.array(
        [
            _alert_days(since, last, ended)
            for since, last, ended in zip(
                frame["firing_since"], frame["last_active"], frame["resolved_on"], strict=True
            )
        ],
        dtype="Int64",
    )
    overlaps = [
        since <= end and (ended is None or ended >= start)
        for since, ended in zip(frame["firing_since"], frame["resolved_on"], strict=True)
    ]
    out = frame[pd.Series(overlaps, index=frame.index, dtype=bool)]
    out = out.sort_values(["firing_since", "metric_id", "slice", "rule_id"])
    return out.reindex(columns=HISTORY_COLUMNS).reset_index(drop=True)


def _alert_days(since: date, last: date | None, ended: date | None) -> int | None:
    """Days the episode was firing (recovering included): firing_since up to the day before
    it ended, or its last firing day."""
    ends = [d for d in (last, ended - timedelta(days=1) if ended else None) if d is not None]
    return (min(ends) - since).days + 1 if ends else None


def _days_between(first: pd.Series | list, second: pd.Series | list) -> pd.Series:
    days = [
        (b - a).days if a is not None and b is not None and pd.notna(a) and pd.notna(b) else None
        for a, b in zip(first, second, strict=True)
    ]
    return pd.Series(pd.array(days, dtype="Int64"))


def ledger_on(con: duckdb.DuckDBPyConnection, day: date, zone: ZoneInfo) -> pd.DataFrame:
    """The alerts firing (incl. recovering, held by no_data) or pending after `day`, as the
    evaluation log holds it (its newest evaluation of the day), in the columns of
    `alert_store.firing_alerts` with `as_of` = `day`. Acknowledgements and resolutions by
    hand count when recorded before the end of the next day (the morning's review day) in
    `zone`; an episode resolved by hand by then is left out."""
    columns = [*STATE_COLUMNS, *LEDGER_EXTRA]
    if not has_table(con, "alert_evaluations"):
        return pd.DataFrame(columns=columns)
    fields = [c for c in STATE_COLUMNS if c not in ("as_of", "updated_at")]
    frame = con.execute(
        f"""
        SELECT {", ".join(fields)}, date AS as_of, evaluated_at AS updated_at
        FROM alert_evaluations WHERE date = ?
        QUALIFY row_number() OVER (
            PARTITION BY metric_id, slice, rule_id ORDER BY evaluated_at DESC) = 1
        """,
        [day],
    ).df()
    before = con.execute(
        """
        SELECT metric_id, slice, rule_id, severity AS severity_before FROM alert_evaluations
        WHERE date = ?
        QUALIFY row_number() OVER (
            PARTITION BY metric_id, slice, rule_id ORDER BY evaluated_at DESC) = 1
        """,
        [day - timedelta(days=1)],
    ).df()
    effective = frame["state"].where(frame["state"] != "no_data", frame["held_state"])
    frame = frame[effective.isin(["firing", "recovering", "pending"])].copy()
    frame = frame.merge(before, on=["metric_id", "slice", "rule_id"], how="left")
    cutoff = datetime.combine(day + timedelta(days=2), time(), zone)
    closure = _closure_by(con, cutoff)
    frame["firing_since"] = as_days(frame["firing_since"])
    frame = frame.merge(
        closure.rename(columns={"episode": "firing_since"}),
        on=["metric_id", "slice", "rule_id", "firing_since"],
        how="left",
    )
    frame = frame[frame["resolution"].isna()]
    for column in LEDGER_EXTRA:  # None, as firing_alerts reads SQL NULLs, never NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    rank = frame["severity"].eq("critical")
    frame = frame.assign(_rank=rank).sort_values(
        ["_rank", "firing_since", "metric_id", "slice", "rule_id"],
        ascending=[False, True, True, True, True],
        na_position="last",
    )
    return frame.reindex(columns=columns).reset_index(drop=True)


def evaluated_on(con: duckdb.DuckDBPyConnection, day: date) -> bool:
    """Whether the evaluation log holds `day` (else a past morning cannot be reviewed: the
    job never judged it, or its log was pruned)."""
    if not has_table(con, "alert_evaluations"):
        return False
    rows = con.execute("SELECT 1 FROM alert_evaluations WHERE date = ? LIMIT 1", [day]).fetchall()
    return bool(rows)


def _closure_by(con: duckdb.DuckDBPyConnection, cutoff: datetime) -> pd.DataFrame:
    """Acknowledgements (the latest) and resolutions by hand recorded before `cutoff`."""
    url = "action_url" if has_column(con, "acknowledgements", "action_url") else "NULL"
    acks = _read(
        con,
        "acknowledgements",
        f"SELECT metric_id, slice, rule_id, episode, author, note, {url} AS action_url, "
        "acknowledged_at FROM acknowledgements",
    )
    if acks is not None:
        acks = acks[pd.to_datetime(acks["acknowledged_at"], utc=True) < pd.Timestamp(cutoff)]
    latest = _latest(
        acks,
        "acknowledged_at",
        {"author": "acknowledged_by", "note": "ack_note", "acknowledged_at": "ack_at",
         "action_url": "ack_url"},
    )  # fmt: skip
    resolutions = _read(con, "alert_resolutions", "SELECT * FROM alert_resolutions")
    if resolutions is not None:
        moment = pd.to_datetime(resolutions["resolved_at"], utc=True)
        resolutions = resolutions[moment < pd.Timestamp(cutoff)]
    closed = _latest(resolutions, "resolved_at", {"reason": "resolution"})
    out = latest.merge(closed, on=KEY, how="outer")
    out["episode"] = as_days(out["episode"])
    return out


def history_csv(history: pd.DataFrame, zone: ZoneInfo) -> str:
    """The history as CSV text: days as YYYY-MM-DD, times as ISO 8601 with their offset in
    `zone`, clocks in whole days, and a last column naming the zone. Pure."""
    out = history.reindex(columns=HISTORY_COLUMNS).copy()
    for column in ("acknowledged_at", "resolved_at", "feedback_at"):
        out[column] = [
            t.tz_convert(zone).isoformat(timespec="seconds") if pd.notna(t) else None
            for t in pd.to_datetime(out[column], utc=True)
        ]
    for column in ("pending_since", "firing_since", "resolved_on"):
        out[column] = [d.isoformat() if d is not None else None for d in as_days(out[column])]
    out["timezone"] = zone.key
    return str(out.to_csv(index=False, lineterminator="\n"))
