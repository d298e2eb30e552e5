"""incidents.json: the ground truth of the incidents planted in the sample, and its format.

A JSON list with one entry per labelled effect of a planted incident (an incident may have
more than one: a review backlog is labelled on sla_compliance and on time_to_decision):

    id           the incident: its kind and first day ("review_backlog-2026-09-19"); shared by
                 the entries of one incident
    kind         what happened (certificate_rule_change, counterfeit_wave, ...)
    metric       the labelled metric, slice its labelled slice (`all` or `dim=value,...`)
    start, end   the labelled effect's first and last day (ISO dates), which may trail the
                 incident's own days (decisions come after the complaints)
    direction    up or down: the way the labelled series moves
    description  what happened, in words
    shape        how the labelled series moves: "shift" a lasting change of level (it holds
                 to the export end), "ramp" a rise to a new level, "spike" a bounded episode
                 up or down over start..end
    ramp_end     only when shape is "ramp": the last day of the rise
    incident_start, incident_end
                 the incident's own first and last day (the export end for a lasting one)
    effects      every metric the incident moves, the labelled ones included; the same list
                 on each entry of one id. Each: metric; slices, the slices whose rows it
                 changes (a series is moved when its slice shares rows with one of them: the
                 slice, a parent, a child, or a slice cut along other dimensions); direction
                 (up or down; absent when the metric moves both ways); aftermath_days, the
                 days after incident_end during which the incident still moves it
                 (violations missed during a model outage are reported for weeks)

Readers of the first eight fields need nothing else. An early-warning benchmark scores the
label window the shape implies (bench/detect_sample_suite.py) and treats alerts on an
incident's effects, during it and its aftermath, as explained rather than false.

The effects come from the code that plants each incident (`incidents.py` for the ones
planted through SQL parameters, `extras.py` for the listings added by the wave and the ring).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sample_data import extras, incidents
from sample_data.incidents import Effect, Incident, IncidentPlan

# Every planted incident kind and what it moves.
EFFECTS_OF: dict[str, Callable[[Incident], tuple[Effect, ...]]] = {
    incidents.RULE_CHANGE.kind: incidents.rule_change_effects,
    incidents.COUNTERFEIT_WAVE.kind: extras.wave_effects,
    incidents.MODEL_OUTAGE.kind: incidents.outage_effects,
    incidents.REVIEW_BACKLOG.kind: incidents.backlog_effects,
    incidents.OFFENDER_RING.kind: extras.ring_effects,
    incidents.OVERTURN_SPIKE.kind: incidents.over_aggressive_rule_effects,
    incidents.MISSING_DAY.kind: incidents.missing_day_effects,
}


def _effect_json(effect: Effect) -> dict[str, Any]:
    out: dict[str, Any] = {"metric": effect.metric, "slices": list(effect.slices)}
    if effect.direction is not None:
        out["direction"] = effect.direction
    out["aftermath_days"] = effect.aftermath_days
    return out


def entries(plan: IncidentPlan) -> list[dict[str, Any]]:
    """The ground truth of a plan, in the format of the module docstring."""
    out = []
    for inc in plan.planted:
        start, last = inc.dates(plan.end)
        effects = EFFECTS_OF[inc.kind](inc)
        moved = [_effect_json(e) for e in effects]
        for effect in effects:
            if (label := effect.label) is None:
                continue
            first = start + dt.timedelta(days=label.lag_start)
            entry: dict[str, Any] = {
                "id": f"{inc.kind}-{start.isoformat()}",
                "kind": inc.kind,
                "metric": effect.metric,
                "slice": effect.slices[0],
                "start": first.isoformat(),
                "end": min(last + dt.timedelta(days=label.lag_end), plan.end).isoformat(),
                "direction": effect.direction,
                "description": label.description,
                "shape": label.shape,
            }
            if label.ramp_days is not None:
                ramp_end = first + dt.timedelta(days=label.ramp_days - 1)
                entry["ramp_end"] = min(ramp_end, plan.end).isoformat()
            entry |= {
                "incident_start": start.isoformat(),
                "incident_end": last.isoformat(),
                "effects": moved,
            }
            out.append(entry)
    return out
