"""The alert lifecycle of one rule x series, one day at a time (pure; Grafana-like).

    normal -> pending -> firing -> recovering -> normal
                 \\________________________/
                   no_data (holds whatever state it interrupted)

- A breached day moves normal to pending; after `pending_days` more consecutive breached days
  the alert fires (pending_days = 0 fires on the first breached day). A clean day while pending
  goes back to normal.
- A firing alert with a clean day starts recovering; it keeps firing (recovering counts as
  firing) for `keep_firing_days` clean days and then resolves to normal. A breach while
  recovering goes straight back to firing in the same episode.
- A day without usable data (export, market or day missing or incomplete) is `no_data`: the
  counters freeze and the interrupted state is held, so missing data never resolves a firing
  alert and never confirms a pending one. A day where a slice merely has no value (no cases
  in a small category) does the same for a pending or firing alert, but leaves a normal one
  normal: there is nothing to hold and no data problem to show.
- An episode is identified by the day it started firing (`firing_since`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

Verdict = Literal["breach", "ok", "no_data"]
SEVERITY_RANK = {None: 0, "warning": 1, "critical": 2}
STATES = ("normal", "pending", "firing", "recovering", "no_data")


@dataclass(frozen=True)
class Policy:
    pending_days: int = 1
    keep_firing_days: int = 1


@dataclass(frozen=True)
class Observation:
    verdict: Verdict
    severity: str | None = None  # warning | critical, for breaches
    # no_data because an export, market or day is missing or incomplete, rather than because
    # the slice simply has no value that day (e.g. no cases in a small category).
    export_gap: bool = True


@dataclass(frozen=True)
class AlertState:
    state: str = "normal"
    severity: str | None = None
    held_state: str | None = None
    breach_days: int = 0
    ok_days: int = 0
    since: date | None = None
    pending_since: date | None = None
    firing_since: date | None = None
    last_breach: date | None = None
    resolved_episode: date | None = None
    resolved_on: date | None = None

    @property
    def effective_state(self) -> str:
        """The state that counts: under no_data, the state it holds."""
        return (self.held_state or "normal") if self.state == "no_data" else self.state

    @property
    def active(self) -> bool:
        """Firing for notification purposes (recovering and held-by-no_data included)."""
        return self.effective_state in ("firing", "recovering")


def step(prev: AlertState, obs: Observation, day: date, policy: Policy) -> AlertState:
    """The state after evaluating `day`."""
    if obs.verdict == "no_data":
        if prev.state == "no_data":
            return prev
        if prev.state == "normal" and not obs.export_gap:
            return prev  # nothing to hold, and no data problem to show
        return replace(prev, state="no_data", held_state=prev.state, since=day)
    base = replace(prev, state=prev.effective_state, held_state=None)
    if obs.verdict == "breach":
        new = _on_breach(base, obs.severity or "warning", day, policy)
    else:
        new = _on_ok(base, day, policy)
    if new.state != prev.state:
        new = replace(new, since=day)
    elif new.since is None:
        new = replace(new, since=day)
    return new


def _on_breach(s: AlertState, severity: str, day: date, policy: Policy) -> AlertState:
    s = replace(s, last_breach=day, ok_days=0, severity=severity)
    if s.state in ("firing", "recovering"):
        return replace(s, state="firing", breach_days=s.breach_days + 1)
    breach_days = s.breach_days + 1 if s.state == "pending" else 1
    pending_since = s.pending_since if s.state == "pending" else day
    if breach_days > policy.pending_days:
        return replace(
            s,
            state="firing",
            breach_days=breach_days,
            pending_since=pending_since,
            firing_since=day,
            resolved_episode=None,
            resolved_on=None,
        )
    return replace(s, state="pending", breach_days=breach_days, pending_since=pending_since)


def _on_ok(s: AlertState, day: date, policy: Policy) -> AlertState:
    if s.state in ("firing", "recovering"):
        ok_days = s.ok_days + 1
        if ok_days > policy.keep_firing_days:
            return replace(
                s,
                state="normal",
                severity=None,
                breach_days=0,
                ok_days=0,
                pending_since=None,
                resolved_episode=s.firing_since,
                resolved_on=day,
                firing_since=None,
            )
        return replace(s, state="recovering", ok_days=ok_days, breach_days=0)
    return replace(s, state="normal", severity=None, breach_days=0, ok_days=0, pending_since=None)
