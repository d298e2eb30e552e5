"""The detail of the most urgent digest cards: the chart and the top contributing slices.

Both are computed once per series, whoever receives it. Contributors explain the last breached
day and, when the detector flagged it, the run of anomalous days that ends on it
(detection.drivers.top_contributors: those days against the 28 days before them), so a
recovering alert still shows why it fired and a lasting change is explained as a whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from alerts.detection.drivers import MIN_CASES, top_contributors
from alerts.notify.chart_data import chart_history
from alerts.notify.charts import render_chart
from alerts.notify.contributor_text import (
    cases_text,
    change_is_material,
    contributor_label,
    pattern_sentence,
)
from alerts.rules.rulebook import RuleBook
from metrics.catalogue import Catalogue
from metrics.errors import UserError
from metrics.presentation import format_delta, format_percent, format_value
from metrics.settings import Settings

if TYPE_CHECKING:  # digest imports this module: the class is needed for annotations only
    from alerts.notify.digest import SeriesView

log = logging.getLogger(__name__)

# top_contributors(con, metric_definition, slice, day, *, n=5, period_days=1) -> DataFrame
ContributorsFn = Callable[..., object]


def add_details(
    con: duckdb.DuckDBPyConnection,
    views: list,  # list[SeriesView]; untyped to avoid a cycle with alerts.notify.digest
    as_of: date,
    config: Settings,
    catalogue: Catalogue,
    rulebook: RuleBook | None,
    contributors: ContributorsFn | None,
) -> None:
    if not views:
        return
    keys = [(v.metric_id, v.slice) for v in views]
    kinds = {m.id: (m.kind, m.case_noun) for m in catalogue.metrics.values()}
    histories = chart_history(con, keys, as_of, config.digest.chart_days, rulebook, kinds)
    for view, key in zip(views, keys, strict=True):
        view.chart_png = render_chart(histories[key], view.kind, as_of)
    if config.digest.contributors:
        fn = contributors or top_contributors
        for view in views:
            view.contributors, view.drivers_sentence = top_slices(
                con, fn, view, catalogue, config.digest.contributors
            )


def top_slices(
    con: duckdb.DuckDBPyConnection,
    fn: ContributorsFn,
    view: SeriesView,
    catalogue: Catalogue,
    n: int,
) -> tuple[list[dict], str]:
    """The card's contributors, each with its cases, and the sentence on where the change
    sits (`contributor_text`): the same words as the Drill-down page."""
    definition = catalogue.metrics[view.metric_id]
    try:
        frame = fn(con, definition, view.slice, view.focus_day, n=n, period_days=view.focus_days)
    except UserError as exc:  # e.g. the finest slice has no children to break it down by
        log.debug("no contributors for %s / %s: %s", view.metric_id, view.slice, exc)
        return [], ""
    except Exception:  # an email without contributors beats no email
        log.exception("top contributors failed for %s / %s", view.metric_id, view.slice)
        return [], ""
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        return [], ""
    dimension = str(frame.attrs.get("dimension", ""))
    min_cases = float(frame.attrs.get("min_cases", MIN_CASES))
    records = frame.to_dict("records")
    grouped = [r for r in records if not isinstance(r.get("child_slice"), str)]
    ranked = [r for r in records if isinstance(r.get("child_slice"), str)][:n] + grouped
    rows = []
    for rec in ranked:
        rows.append(
            {
                "slice": contributor_label(rec, dimension, definition, min_cases),
                "cases": cases_text(definition, rec),
                "value": format_value(definition.kind, rec.get("value")),
                "baseline": format_value(definition.kind, rec.get("baseline_value")),
                # The signed contribution in the metric's unit: shares of the change exceed
                # 100% when children move in opposite directions, which reads as an error.
                "share": format_delta(definition.kind, rec.get("contribution")),
                "explains": format_percent(rec.get("explains")),
                # The row of slices under the minimum volume has no value of its own.
                "grouped": not isinstance(rec.get("child_slice"), str),
            }
        )
    sentence = ""
    if change_is_material(frame.attrs):
        sentence = pattern_sentence(
            frame.attrs.get("pattern"), records, dimension, definition, min_cases
        )
    return rows, sentence
