"""Threshold rules for the dashboard, read through `alerts.rules.rulebook`.

The rules file is the settings' `rules_file`, the one the alert job judges with, so the
dashboard never shows other thresholds than those that fire. Rules are versioned: a past day is
judged by the threshold in force that day, so a trend's threshold line is a step line over the
days, not one value.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from alerts.rules.rulebook import load_rules
from alerts.state.status_data import rate
from dashboard.data.store import dashboard_settings
from metrics.errors import ConfigError
from metrics.metric_store import file_version

logger = logging.getLogger(__name__)

THRESHOLD_COLUMNS = ["date", "warning", "critical", "side"]


def rulebook() -> Any | None:
    """The RuleBook of the settings' rules_file (else the packaged defaults), or None when
    unavailable."""
    try:
        rules_file = dashboard_settings().rules_file
    except ConfigError as exc:
        logger.warning("settings could not be loaded: %s", exc)
        return None
    return _rulebook(rules_file, file_version(rules_file))


@st.cache_resource(show_spinner=False, max_entries=8)
def _rulebook(rules_file: str | None, version: str) -> Any | None:
    try:
        return load_rules(rules_file)
    except Exception as exc:  # a broken rules file must not take the dashboard down
        logger.warning("threshold rules could not be loaded: %s", exc)
        return None


def threshold(metric: str, slice_key: str, day: date | None) -> Any | None:
    book = rulebook()
    if book is None or day is None:
        return None
    try:
        return book.threshold_for(metric, slice_key, day)
    except Exception as exc:
        logger.warning("threshold_for(%s, %s, %s) failed: %s", metric, slice_key, day, exc)
        return None


def rated(frame: pd.DataFrame) -> pd.DataFrame:
    """`RuleBook.evaluate` of a series frame (metric_id, slice, date, value, denominator): the
    threshold in force and the level the alert job gives each day, minimum-volume guard
    included. Empty when the rules cannot be read."""
    book = rulebook()
    try:
        return rate(frame, book)
    except Exception as exc:  # a broken rules file must not take the page down
        logger.warning("threshold evaluation failed: %s", exc)
        return rate(frame, None)


def thresholds_over(metric: str, slice_key: str, start: date, end: date) -> pd.DataFrame:
    """One row per day with the warning and critical thresholds in force (empty if none)."""
    rows = []
    day = start
    while day <= end:
        rule = threshold(metric, slice_key, day)
        if rule is not None:
            rows.append(
                {
                    "date": day,
                    "warning": getattr(rule, "warning", None),
                    "critical": getattr(rule, "critical", None),
                    "side": getattr(rule, "side", None),
                }
            )
        day += timedelta(days=1)
    return pd.DataFrame(rows, columns=THRESHOLD_COLUMNS)


def rule_versions(metric: str, in_force_on: date) -> pd.DataFrame:
    """Every version of every rule of `metric`: which slices, limits, owner, why, in force."""
    book = rulebook()
    rows = []
    for rule in getattr(book, "rules", ()) if book is not None else ():
        if rule.metric_id != metric:
            continue
        slices = ", ".join(_pattern_text(p) for p in rule.patterns)
        current = max((d for d, _ in rule.versions if d <= in_force_on), default=None)
        for effective_from, version in rule.versions:
            row = {"rule": rule.rule_id, "slices": slices, "in force": effective_from == current}
            if version is None:
                row.update({"effective from": effective_from, "rationale": "retired"})
            else:
                row.update(rule_details(version))
            rows.append(row)
    return pd.DataFrame(rows)


def _pattern_text(pattern: Any) -> str:
    dims = getattr(pattern, "dims", ())
    return ",".join(f"{d}={v}" for d, v in dims) or "all"


def rule_details(rule: Any) -> dict[str, object]:
    """A threshold as a table row for the catalogue page."""
    return {
        "warning": getattr(rule, "warning", None),
        "critical": getattr(rule, "critical", None),
        "bad when": getattr(rule, "side", None),
        "owner": getattr(rule, "owner", None),
        "effective from": getattr(rule, "effective_from", None),
        "rationale": getattr(rule, "rationale", None),
    }
