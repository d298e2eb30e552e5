"""What every page starts from: the store, the catalogue, and how fresh the data is.

`page_context()` renders a friendly "nothing to show yet" page and stops the script when the
store is missing or empty, so pages only deal with a store that has series in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import cast

import streamlit as st

from alerts.rules.completeness import Completeness, metric_tables
from dashboard.builders.plain_text import markdown_literal
from dashboard.data import queries
from dashboard.data.freshness import REQUIRED_EXPORTS, Freshness, compute_freshness
from dashboard.data.store import STORE_ENV, configured_store, dashboard_settings
from metrics.catalogue import Catalogue, MetricDefinition, load_catalogue
from metrics.errors import ConfigError
from metrics.metric_store import MetricStore


@dataclass(frozen=True)
class PageContext:
    store: MetricStore
    catalogue: Catalogue
    meta: dict[str, str]
    first_day: date
    last_day: date
    freshness: Freshness
    # Metrics that have series in the store, headline first.
    metric_ids: list[str]
    slices: dict[str, list[str]]
    # The alert job's verdict on recent days' exports (None: not judged).
    completeness: Completeness | None = None

    @property
    def report_day(self) -> date:
        """The latest complete day: what the overview and drill-down judge by default."""
        return self.freshness.latest_complete_day or self.last_day

    def data_gap(self, metric_id: str, day: date, market: str | None = None) -> str | None:
        """Why the alert job has no usable data for this metric on `day`, or None."""
        definition = self.definition(metric_id)
        if self.completeness is None or definition is None:
            return None
        return self.completeness.reason(metric_tables(definition), day, market)

    def definition(self, metric_id: str) -> MetricDefinition | None:
        return self.catalogue.metrics.get(metric_id)

    def label(self, metric_id: str) -> str:
        definition = self.definition(metric_id)
        return definition.label if definition else metric_id


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    return load_catalogue()


def _metric_order(cat: Catalogue, present: list[str]) -> list[str]:
    headline = [m.id for m in cat if m.headline and m.id in present]
    others = sorted((m for m in present if m not in headline), key=lambda m: m)
    return headline + others


def page_context() -> PageContext:
    try:
        store = configured_store()
    except ConfigError as exc:
        st.error("The settings could not be loaded (`govkpi config show` explains):")
        st.code(str(exc), language=None)  # plain text: the message quotes user input
        st.stop()
    if store is None or not store.exists():
        _nothing_to_show(store, missing=True)
        st.stop()
    assert store is not None
    summary = queries.summary(store)
    if not summary["rows"]:
        _nothing_to_show(store, missing=False)
        st.stop()
    meta = queries.meta(store)
    last_day = cast(date, summary["last_day"])  # summary has rows, so it has a last day
    fresh = compute_freshness(
        meta,
        queries.export_files(store),
        last_day,
        summary["recent_days"],  # type: ignore[arg-type]
    )
    found = _job_completeness(store, fresh)
    recent = cast(list[date], summary["recent_days"])
    fresh = fresh.with_incomplete(_incomplete_days(found, recent))
    slices = queries.metric_slices(store)
    cat = catalogue()
    ctx = PageContext(
        store=store,
        catalogue=cat,
        meta=meta,
        first_day=summary["first_day"],  # type: ignore[arg-type]
        last_day=last_day,
        freshness=fresh,
        metric_ids=_metric_order(cat, list(slices)),
        slices=slices,
        completeness=found,
    )
    _sidebar_freshness(ctx)
    return ctx


# How far back the job's completeness is read: the days the sidebar lists as recent.
RECENT_DAYS = 10


def _job_completeness(store: MetricStore, fresh: Freshness) -> Completeness | None:
    """The alert job's completeness of the recent days (`alerts.rules.completeness`)."""
    if fresh.latest_day is None:
        return None
    lifecycle = dashboard_settings().lifecycle
    start = fresh.latest_day - timedelta(days=RECENT_DAYS)
    return queries.completeness(
        store,
        start,
        fresh.latest_day,
        fresh.timezone,
        lifecycle.incomplete_ratio,
        lifecycle.incomplete_alpha,
    )


def _incomplete_days(found: Completeness | None, recent_days: list[date]) -> dict[date, str]:
    """Recent days on which a required export is missing or short for the whole platform:
    the job judges them `no data`, so the overview does not judge them either."""
    if found is None:
        return {}
    reasons = {day: found.reason(REQUIRED_EXPORTS, day, None) for day in recent_days}
    return {day: why for day, why in reasons.items() if why}


def _sidebar_freshness(ctx: PageContext) -> None:
    fresh = ctx.freshness
    lines = [
        f"**Data as of {fresh.as_of_text()}**",
        f"Days are calendar days in **{fresh.timezone}**.",
        f"Latest complete day: **{ctx.report_day:%a %d %b %Y}**",
    ]
    if fresh.incomplete_days:
        days = ", ".join(
            f"{d:%d %b}"
            + (f" ({fresh.incomplete_reasons[d]})" if d in fresh.incomplete_reasons else "")
            for d in fresh.incomplete_days
        )
        lines.append(f"Incomplete (still arriving): {markdown_literal(days)}")
    st.sidebar.caption("  \n".join(lines))


def _nothing_to_show(store: MetricStore | None, missing: bool) -> None:
    st.title("govkpi dashboard")
    if store is None:
        st.info(
            f"No metric store is configured. Start the dashboard with "
            f"`govkpi dashboard --store PATH` or set {STORE_ENV}."
        )
    elif missing:
        st.info(f"There is no metric store at `{store.path}` yet: nothing to show.")
    else:
        st.info(f"The metric store at `{store.path}` has no indicator series yet.")
    st.markdown("To see the dashboard with realistic sample data, run:")
    st.code("govkpi demo", language="bash")
    st.markdown("To compute the indicators from your own exports, run:")
    target = store.path if store is not None else "PATH"
    st.code(
        f"govkpi compute --data DIR --store {target}\ngovkpi detect --store {target}",
        language="bash",
    )
    st.caption("Then reload this page.")
