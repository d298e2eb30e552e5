"""The lifecycle state machine, day by day (pure)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from alerts.state.lifecycle import AlertState, Observation, Policy, step

D0 = date(2026, 5, 1)
BREACH = Observation("breach", "warning")
CRIT = Observation("breach", "critical")
OK = Observation("ok")
NODATA = Observation("no_data")


def walk(observations: list[Observation], policy: Policy) -> list[AlertState]:
    state, out = AlertState(), []
    for i, obs in enumerate(observations):
        state = step(state, obs, D0 + timedelta(days=i), policy)
        out.append(state)
    return out


def states(observations: list[Observation], policy: Policy) -> list[str]:
    return [s.state for s in walk(observations, policy)]


def test_pending_then_firing_then_recovering_then_normal() -> None:
    policy = Policy(pending_days=2, keep_firing_days=2)
    seq = [OK, BREACH, BREACH, BREACH, BREACH, OK, OK, OK]
    assert states(seq, policy) == [
        "normal", "pending", "pending", "firing", "firing", "recovering", "recovering", "normal",
    ]  # fmt: skip
    final = walk(seq, policy)
    assert final[3].firing_since == D0 + timedelta(days=3)
    assert final[-1].resolved_episode == D0 + timedelta(days=3)
    assert final[-1].resolved_on == D0 + timedelta(days=7)
    assert final[-1].firing_since is None and final[-1].severity is None


def test_pending_zero_fires_on_first_breach_and_a_clean_day_clears_pending() -> None:
    assert states([BREACH], Policy(pending_days=0)) == ["firing"]
    assert states([BREACH, OK, BREACH], Policy(pending_days=1)) == ["pending", "normal", "pending"]


def test_breach_while_recovering_returns_to_the_same_episode() -> None:
    result = walk([BREACH, BREACH, OK, BREACH], Policy(pending_days=1, keep_firing_days=2))
    assert [s.state for s in result] == ["pending", "firing", "recovering", "firing"]
    assert result[-1].firing_since == result[1].firing_since


def test_no_data_holds_a_firing_alert_and_never_resolves_it() -> None:
    policy = Policy(pending_days=0, keep_firing_days=0)
    result = walk([BREACH, NODATA, NODATA, NODATA, BREACH], policy)
    assert [s.state for s in result] == ["firing", "no_data", "no_data", "no_data", "firing"]
    assert all(s.active for s in result)
    assert result[2].held_state == "firing"
    assert result[-1].firing_since == D0  # same episode
    assert result[-1].resolved_on is None


def test_no_data_freezes_counters() -> None:
    # Two breached days separated by missing data still confirm the alert (pending_days=1)...
    assert states([BREACH, NODATA, BREACH], Policy(pending_days=1)) == [
        "pending", "no_data", "firing",
    ]  # fmt: skip
    # ...and missing data does not count as a clean day while recovering.
    policy = Policy(pending_days=0, keep_firing_days=1)
    assert states([BREACH, OK, NODATA, OK], policy) == ["firing", "recovering", "no_data", "normal"]


@pytest.mark.parametrize("policy", [Policy(0, 0), Policy(1, 1), Policy(3, 2)])
def test_severity_follows_the_latest_breach(policy: Policy) -> None:
    seq = [BREACH] * (policy.pending_days + 1) + [CRIT, BREACH]
    result = walk(seq, policy)
    assert [s.severity for s in result[-2:]] == ["critical", "warning"]
    assert result[-1].state == "firing"


def test_since_marks_the_day_the_state_began() -> None:
    result = walk([OK, BREACH, BREACH, BREACH], Policy(pending_days=1))
    assert [(s.since - D0).days for s in result] == [0, 1, 2, 2]


def test_a_slice_without_a_value_stays_normal_but_still_holds_an_alert() -> None:
    no_value = Observation("no_data", export_gap=False)
    assert states([OK, no_value, OK], Policy()) == ["normal", "normal", "normal"]
    assert states([BREACH, no_value], Policy(pending_days=0)) == ["firing", "no_data"]
    assert states([NODATA], Policy()) == ["no_data"]  # an export gap shows even when normal
