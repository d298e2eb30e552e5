"""The rows of the Alerts page's "Firing now" table (pure): each alert's state in the words
the digest uses, the day and value that breached beside what they breached, and today's value
labelled as today's. Every word comes from `alerts.state.alert_status`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd

from alerts.rules.observations import ANOMALY_RULE
from alerts.state.alert_status import breach_sentence, ledger_lifecycle
from metrics.presentation import describe_slice, format_day, format_value

Facts = Mapping[tuple[str, str, date], dict]


def _day(value: object) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()  # type: ignore[call-overload,arg-type]


def rule_name(rule_id: str, metric_id: str) -> str:
    """A threshold rule's own name (`headline` for `missing_qualification_rate.headline`): the
    metric is already in the row, and the long id squeezed the table's sentences."""
    prefix = f"{metric_id}."
    return rule_id[len(prefix) :] if rule_id.startswith(prefix) else rule_id


def breach_requests(firing: pd.DataFrame) -> list[tuple[str, str, date]]:
    """(metric, slice, last breached day) of every alert: the days whose facts a row shows."""
    out = []
    for rec in firing.to_dict("records"):
        day = _day(rec.get("last_breach"))
        if day is not None:
            out.append((rec["metric_id"], rec["slice"], day))
    return out


def firing_rows(
    firing: pd.DataFrame,
    facts: Facts,
    definition: Callable[[str], object | None],
    stories: Mapping[tuple[str, str, date], str] | None = None,
) -> pd.DataFrame:
    """`firing` as read by `alert_store.firing_alerts`; `facts` from `status_data.day_facts`
    of `breach_requests(firing)`; `definition(metric_id)` -> catalogue entry or None;
    `stories` (optional: a "Change" column) which test fired on each detector alert's last
    breached day and since when (`alerts.notify.change_story`), keyed like `facts`."""
    rows = []
    for rec in firing.reset_index(drop=True).to_dict("records"):
        entry = definition(rec["metric_id"])
        kind = getattr(entry, "kind", "rate")
        noun = getattr(entry, "case_noun", "case")
        as_of = _day(rec.get("as_of")) or date.min
        state = ledger_lifecycle(rec, as_of)
        last = _day(rec.get("last_breach"))
        found = facts.get((rec["metric_id"], rec["slice"], last), {}) if last else {}
        rows.append(
            {
                "Indicator": getattr(entry, "label", rec["metric_id"]),
                "Slice": describe_slice(rec["slice"]),
                "State": state.label,
                "Today": f"{format_value(kind, rec.get('observed'))} on {format_day(as_of)}",
                "Last breach": breach_sentence(rec["rule_id"], last, found, kind, noun),
                **({"Change": _story(stories, rec, last)} if stories is not None else {}),
                "Firing since": format_day(_day(rec.get("firing_since"))),
                "Acknowledged by": rec.get("acknowledged_by") or "",
                "Rule": rule_name(rec["rule_id"], rec["metric_id"]),
            }
        )
    return pd.DataFrame(rows)


def _story(stories: Mapping[tuple[str, str, date], str], rec: dict, last: date | None) -> str:
    """The detector alert's test and run ("Shift since ..."); threshold alerts have none."""
    if rec["rule_id"] != ANOMALY_RULE or last is None:
        return ""
    return stories.get((rec["metric_id"], rec["slice"], last), "")
