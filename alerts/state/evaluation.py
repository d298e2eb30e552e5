"""Steps every rule x series through the lifecycle up to the as-of day, and logs each step.

The state as of the last evaluated day lives in `alert_state`; every step is appended to
`alert_evaluations` with the observed value, the band or threshold in force, the rule version
and the metric definition's fingerprint, so the log is also a per-day snapshot of the state.
A run for day D continues from the state of D-1: the live state when D is the next day (or
days, after downtime), the logged snapshot of D-1 when D is re-run or lies in the past; with
neither, it replays a warm-up period from a clean state. Only data up to D is read.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any, cast

import duckdb
import pandas as pd

from alerts.rules.completeness import load_completeness
from alerts.rules.observations import load_observations
from alerts.rules.rulebook import RuleBook
from alerts.state.alert_store import has_table
from alerts.state.episodes import record_episodes
from alerts.state.lifecycle import AlertState, Observation, Policy, step
from metrics.catalogue import Catalogue
from metrics.settings import Settings

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # metric_id, slice, rule_id
_STATE_FIELDS = [f.name for f in fields(AlertState)]
_CONTEXT = [
    "rule_kind", "rule_version", "metric_fingerprint", "observed", "expected", "lower",
    "upper", "score", "warning", "critical", "side", "data_status",
]  # fmt: skip


@dataclass
class Evaluation:
    as_of: date
    start: date
    live: bool  # whether this run's states become the live alert_state
    states: dict[Key, AlertState]
    context: dict[Key, dict]  # the as-of day's observation (value, band, threshold, versions)
    log_rows: list[dict]
    # The state after the day before as-of: says whether a firing alert escalated today.
    previous: dict[Key, AlertState] = field(default_factory=dict)


def evaluate(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    as_of: date,
    config: Settings,
    run_id: str,
    now: datetime,
) -> Evaluation:
    lc = config.lifecycle
    last = _last_as_of(con)
    live = last is None or as_of >= last
    if last is not None and as_of > last:
        start = max(last + timedelta(days=1), as_of - timedelta(days=lc.max_catchup_days - 1))
        initial = _load_live_state(con)
    else:
        initial = _load_snapshot(con, as_of - timedelta(days=1)) if last is not None else {}
        start = as_of if initial else as_of - timedelta(days=lc.warmup_days - 1)
    return replay(
        con, catalogue, rulebook, start, as_of, config, initial, run_id=run_id, now=now, live=live
    )


def replay(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    start: date,
    as_of: date,
    config: Settings,
    initial: dict[Key, tuple[AlertState, dict]] | None = None,
    *,
    run_id: str,
    now: datetime,
    live: bool = False,
    series: tuple[str, str] | None = None,
) -> Evaluation:
    """Steps every rule x series from `initial` (None: a clean state) through the days
    `start`..`as_of`, reading only the store (the job's evaluation, and the backtest's).
    `series` (metric_id, slice) limits it to one series."""
    lc = config.lifecycle
    initial = initial or {}
    completeness = load_completeness(
        con, start, as_of, config.zone, lc.incomplete_ratio, lc.incomplete_alpha
    )
    obs = load_observations(
        con, catalogue, rulebook, start, as_of, completeness, lc.anomaly_critical_score, series
    )
    log.info(
        "evaluating %s to %s: %d observations, %d earlier states",
        start,
        as_of,
        len(obs),
        len(initial),
    )
    policy = Policy(lc.pending_days, lc.keep_firing_days)
    fingerprints = {m.id: m.fingerprint for m in catalogue.metrics.values()}
    result = Evaluation(as_of, start, live, {}, {}, [])
    by_key: dict[Key, dict[date, dict]] = {}
    for rec in obs.to_dict("records"):  # one conversion; per-group frames are slow
        by_key.setdefault((rec["metric_id"], rec["slice"], rec["rule_id"]), {})[rec["date"]] = rec
    keys = set(by_key) | {k for k, (s, _) in initial.items() if s.state != "normal"}
    days = [start + timedelta(days=i) for i in range((as_of - start).days + 1)]
    stamp = {"run_id": run_id, "evaluated_at": now, "as_of": as_of}
    for key in sorted(keys):
        state, ctx = initial.get(key, (AlertState(), {}))
        rows = by_key.get(key, {})
        first = days[0] if key in initial else min(rows, default=days[0])
        ctx = {**ctx, "metric_fingerprint": fingerprints.get(key[0])}
        for day in days:
            if day < first:
                continue
            row = rows.get(day)
            if row is None:
                row = {**ctx, "observed": None, "expected": None, "lower": None, "upper": None}
                row.update(score=None, verdict="no_data", breach_severity=None)
                row["data_status"] = "no value for the day"
            status = str(row.get("data_status") or "")
            observation = Observation(
                row["verdict"],
                cast(str | None, _clean(row.get("breach_severity"))),
                export_gap=row["verdict"] == "no_data" and not status.startswith("no value"),
            )
            before = state.state
            if day == as_of:
                result.previous[key] = state
            state = step(state, observation, day, policy)
            ctx = {c: _clean(row.get(c)) for c in _CONTEXT}
            result.log_rows.append(
                {
                    **stamp,
                    "date": day,
                    "metric_id": key[0],
                    "slice": key[1],
                    "rule_id": key[2],
                    **ctx,
                    "verdict": row["verdict"],
                    "breach_severity": observation.severity,
                    "state_before": before,
                    **{f: getattr(state, f) for f in _STATE_FIELDS},
                }
            )
        result.states[key] = state
        result.context[key] = ctx
    return result


def persist(con: duckdb.DuckDBPyConnection, result: Evaluation, now: datetime) -> None:
    """Appends the log and records the episodes it touched (`alerts.state.episodes`); replaces
    the live state when this run is the latest day."""
    record_episodes(con, result.log_rows, now)
    if result.log_rows:
        frame = pd.DataFrame(result.log_rows)
        con.register("eval_rows", frame)
        con.execute("INSERT INTO alert_evaluations BY NAME SELECT * FROM eval_rows")
        con.unregister("eval_rows")
    if not result.live:
        return
    rows = [
        {
            "metric_id": key[0],
            "slice": key[1],
            "rule_id": key[2],
            **result.context[key],
            **{f: getattr(state, f) for f in _STATE_FIELDS},
            "as_of": result.as_of,
            "updated_at": now,
        }
        for key, state in result.states.items()
    ]
    con.execute("DELETE FROM alert_state")
    if rows:
        con.register("state_rows", pd.DataFrame(rows))
        con.execute("INSERT INTO alert_state BY NAME SELECT * FROM state_rows")
        con.unregister("state_rows")


def _clean(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _last_as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    if not has_table(con, "alert_state"):
        return None
    row = con.execute("SELECT max(as_of) FROM alert_state").fetchone()
    return row[0] if row else None


def _states_from(frame: pd.DataFrame) -> dict[Key, tuple[AlertState, dict]]:
    out: dict[Key, tuple[AlertState, dict]] = {}
    for rec in frame.to_dict("records"):
        values: dict[str, Any] = {
            f: _as_date_or_value(f, _clean(rec.get(f))) for f in _STATE_FIELDS
        }
        ctx = {c: _clean(rec.get(c)) for c in _CONTEXT}
        out[(rec["metric_id"], rec["slice"], rec["rule_id"])] = (AlertState(**values), ctx)
    return out


def _as_date_or_value(name: str, value: object) -> object:
    if value is not None and name in ("breach_days", "ok_days"):
        return int(value)  # type: ignore[call-overload]
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    return value


def _load_live_state(con: duckdb.DuckDBPyConnection) -> dict[Key, tuple[AlertState, dict]]:
    return _states_from(con.execute("SELECT * FROM alert_state").df())


def _load_snapshot(con: duckdb.DuckDBPyConnection, day: date) -> dict[Key, tuple[AlertState, dict]]:
    """The state after `day` as last logged (the newest evaluation of that day)."""
    if not has_table(con, "alert_evaluations"):
        return {}
    frame = con.execute(
        """
        SELECT * FROM alert_evaluations WHERE date = ?
        QUALIFY row_number() OVER (
            PARTITION BY metric_id, slice, rule_id ORDER BY evaluated_at DESC) = 1
        """,
        [day],
    ).df()
    return _states_from(frame)
