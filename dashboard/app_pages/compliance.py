"""Compliance: the SLA clocks of the complaints still open at the end of a day (by time left,
per market and channel), the cases at risk of missing their deadline, and the accuracy of
enforcement over a period.

The page is a sequence of sections: each is a function of the `CompliancePage` (the page
context, the view the URL and controls chose, the open cases) and they run in SECTIONS order.
A new section (the DSA transparency report for the period, say) is one more function appended
to SECTIONS; the period controls are already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from dashboard.builders.compliance.compliance_view import (
    WINDOWS,
    ComplianceView,
    parse_compliance_view,
)
from dashboard.builders.compliance.dsa_summary import dsa_summary
from dashboard.builders.compliance.time_left import (
    accuracy_rows,
    at_risk_view,
    time_left_figure,
    time_left_table,
)
from dashboard.builders.link_table import link_table_markdown
from dashboard.builders.plain_text import markdown_literal as literal
from dashboard.builders.tables import to_csv_bytes
from dashboard.context import PageContext, page_context
from dashboard.data import queries, raw_rows
from dashboard.data.dsa import dsa_report_for
from dashboard.data.open_cases import open_cases
from dashboard.data.store import dashboard_settings
from dashboard.view_state import DEFAULT_PERIOD_DAYS, REMEMBERED
from metrics.deadlines.open_cases import OpenCases
from metrics.deadlines.time_left import (
    BUCKET_LABELS,
    at_risk,
    at_risk_csv,
    at_risk_table,
    time_left_counts,
)
from metrics.errors import UserError
from metrics.presentation import format_day, format_period, format_time, plural
from metrics.transparency.report_csv import report_csv
from metrics.transparency.report_html import report_html

# The indicators of the accuracy section: DSA Art. 15(1)(e) and the Product Safety Pledge.
ACCURACY_METRICS = (
    "appeal_overturn_rate_automated",
    "appeal_overturn_rate_review",
    "appeal_overturn_rate_notice",
    "appeal_overturn_rate",
    "safety_pledge_compliance",
)
VIEW_KEYS = ("day", "start", "end", "market", "hours")


@dataclass(frozen=True)
class CompliancePage:
    ctx: PageContext
    view: ComplianceView
    # The open cases at the end of view.day, or why they cannot be read.
    clocks: OpenCases | str

    @property
    def zone(self) -> str:
        return self.ctx.freshness.timezone

    def cases(self) -> pd.DataFrame:
        """The open cases of the chosen market (all markets when none is chosen)."""
        assert isinstance(self.clocks, OpenCases)
        cases = self.clocks.cases
        return cases if self.view.market is None else cases[cases["market"] == self.view.market]


def _defaults(ctx: PageContext) -> ComplianceView:
    end = ctx.report_day
    start = max(ctx.first_day, end - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    return ComplianceView(day=end, start=start, end=end)


def _resolve(ctx: PageContext) -> ComplianceView:
    """The URL's view (untrusted: warnings as plain text), else the one last shown."""
    url = st.query_params.to_dict()
    given = {k: url[k] for k in VIEW_KEYS if k in url}
    remembered = st.session_state.get(REMEMBERED, {})
    params = given or {k: remembered[k] for k in ("day", "start", "end") if k in remembered}
    view, warnings = parse_compliance_view(params, _defaults(ctx), ctx.first_day, ctx.last_day)
    if given:
        for warning in warnings:
            st.warning(literal(warning), icon=":material/warning:")
    return view


def _markets(ctx: PageContext, clocks: OpenCases | str) -> list[str]:
    """Markets with data: the indicators' market slices and the open cases' markets."""
    found = {s.removeprefix("market=") for s in ctx.slices.get("sla_compliance", [])
             if s.startswith("market=") and "," not in s}  # fmt: skip
    if isinstance(clocks, OpenCases):
        found |= {str(m) for m in clocks.cases["market"]}
    return sorted(found)


def _controls(ctx: PageContext, view: ComplianceView) -> tuple[ComplianceView, OpenCases | str]:
    """The controls row; returns the view chosen and the open cases at the end of its day."""
    a, b, c, d = st.columns([1.2, 2, 1.2, 1])
    with a:
        day = st.date_input(
            "Clocks at the end of",
            value=view.day,
            min_value=ctx.first_day,
            max_value=ctx.last_day,
            key="comp_day",
            format="YYYY-MM-DD",
            help="The SLA clocks are read at midnight at the end of this day, in "
            f"{ctx.freshness.timezone}.",
        )
    with b:
        picked = st.date_input(
            "Period",
            value=(view.start, view.end),
            min_value=ctx.first_day,
            max_value=ctx.last_day,
            key="comp_period",
            format="YYYY-MM-DD",
            help="The days the figures over time cover (both ends included).",
        )
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (
        view.start, view.end)  # fmt: skip
    clocks = _clocks(ctx, day)
    markets = _markets(ctx, clocks)
    market = view.market
    if market is not None and market not in markets:
        st.warning(
            literal(f"There is no data for market {market}; showing every market."),
            icon=":material/warning:",
        )
        market = None
    options = ["", *markets]
    with c:
        chosen = st.selectbox(
            "Market",
            options,
            index=options.index(market or ""),
            format_func=lambda m: f"market {m}" if m else "All markets",
            key="comp_market",
        )
    with d:
        hours = st.selectbox(
            "At risk within",
            WINDOWS,
            index=WINDOWS.index(view.hours),
            format_func=lambda h: f"{h} h",
            key="comp_hours",
            help="How far after the end of the day a deadline counts as at risk.",
        )
    return ComplianceView(day, start, end, chosen or None, hours), clocks


def _clocks(ctx: PageContext, day: date) -> OpenCases | str:
    data_dir = ctx.meta.get("data_dir")
    problem = raw_rows.data_folder_problem(data_dir, "complaints")
    if problem or not data_dir:
        return problem or "the store does not record its data folder"
    return open_cases(ctx.store, data_dir, day, ctx.freshness.timezone)


def _write(view: ComplianceView) -> None:
    params = view.to_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    remembered = dict(st.session_state.get(REMEMBERED, {}))
    remembered.update({k: v for k, v in params.items() if k in ("day", "start", "end")})
    st.session_state[REMEMBERED] = remembered


def sla_clocks(page: CompliancePage) -> None:
    st.subheader("SLA clocks of open complaints")
    if isinstance(page.clocks, str):
        st.info(literal(f"The open complaints cannot be read: {page.clocks}."))
        return
    cases = page.cases()
    found = page.clocks
    as_of = found.data_as_of.replace(tzinfo=UTC)
    where = f"market {page.view.market}" if page.view.market else "every market"
    st.caption(
        f"Complaints received by the end of {format_day(found.day)} and still open then, in "
        f"{where}, by the time left before their SLA deadline at midnight "
        f"({literal(page.zone)}). Read from the exports in {literal(page.ctx.meta['data_dir'])}; "
        f"the complaints export ends {format_time(as_of, ZoneInfo(page.zone))}."
    )
    counts = time_left_counts(cases, ["market", "channel"])
    totals = {b: int(counts[b].sum()) if not counts.empty else 0 for b in BUCKET_LABELS}
    labels = ("Overdue", "Due within 24 h", "24–48 h left", "Over 48 h left")
    for column, bucket, label in zip(
        st.columns(len(BUCKET_LABELS)), BUCKET_LABELS, labels, strict=True
    ):
        column.metric(f"{label} (complaints)", f"{totals[bucket]:,}")
    if cases.empty:
        st.success("No complaint is open at the end of this day.")
        return
    by_channel = time_left_figure(time_left_counts(cases, ["channel"]), "channel")
    if page.view.market is None:
        left, right = st.columns(2)
        with left:
            st.markdown("**By market**")
            by_market = time_left_counts(cases, ["market"])
            st.plotly_chart(time_left_figure(by_market, "market"), key="comp_by_market")
        with right:
            st.markdown("**By channel**")
            st.plotly_chart(by_channel, key="comp_by_channel")
    else:
        st.markdown("**By channel**")
        st.plotly_chart(by_channel, key="comp_by_channel")
    table = time_left_table(counts)
    st.dataframe(table, hide_index=True, key="comp_counts")
    st.download_button(
        "Download these counts (CSV)",
        to_csv_bytes(table),
        file_name=f"open_complaints_by_time_left_{found.day.isoformat()}.csv",
        mime="text/csv",
        key="comp_counts_csv",
    )


def _case_table(table: pd.DataFrame, key: str) -> None:
    st.dataframe(
        at_risk_view(table),
        hide_index=True,
        key=key,
        column_config={
            "hours_left": st.column_config.NumberColumn("hours left", format="%.1f h"),
            "complaint_id": "complaint",
            "listing_id": "listing",
            "issue_type": "issue type",
            "received_at": "received",
        },
    )


def at_risk_list(page: CompliancePage) -> None:
    st.subheader("At risk")
    if isinstance(page.clocks, str):
        return
    hours = page.view.hours
    table = at_risk_table(at_risk(page.cases(), hours), page.zone)
    due = table[table["status"] == "at_risk"]
    late = table[table["status"] == "overdue"]
    st.caption(
        f"Open complaints whose SLA deadline falls within {hours} h after the end of "
        f"{format_day(page.view.day)}, and those already past it: they need action first. "
        f"Times in {literal(page.zone)} with their UTC offset, hours left counted from "
        "midnight, rows in deadline order; sort by any column. The download holds both "
        "tables, as the file `govkpi sla at-risk --overdue` writes."
    )
    st.markdown(f"**Due within {hours} h** ({plural(len(due), 'complaint')})")
    if due.empty:
        st.success(f"No open complaint is due within {hours} h.")
    else:
        _case_table(due, "comp_due")
    st.markdown(f"**Already overdue** ({plural(len(late), 'complaint')})")
    if late.empty:
        st.caption("None.")
    else:
        _case_table(late, "comp_overdue")
    st.download_button(
        "Download the at-risk list (CSV)",
        at_risk_csv(table),
        file_name=f"at_risk_{page.view.day.isoformat()}_{hours}h.csv",
        mime="text/csv",
        key="comp_at_risk_csv",
        disabled=table.empty,
    )


def accuracy(page: CompliancePage) -> None:
    st.subheader("Accuracy of enforcement")
    view = page.view
    slice_key = f"market={view.market}" if view.market else "all"
    definitions = [d for m in ACCURACY_METRICS if (d := page.ctx.definition(m)) is not None]
    series = {
        d.id: queries.series(page.ctx.store, d.id, slice_key, view.start, view.end)
        for d in definitions
    }
    st.caption(
        f"{format_period(view.start, view.end)}, "
        + (f"market {literal(view.market)}" if view.market else "whole platform")
        + ". Appeals overturned, split by how the removal was found (DSA Art. 15(1)(e): the "
        "accuracy of automated means beside human review and notices), and the Product Safety "
        "Pledge: authority safety notices acted on within 2 working days. Shares pooled over "
        "the period, with the cases behind them."
    )
    rows = accuracy_rows(definitions, series, slice_key, view.start, view.end)
    st.markdown(link_table_markdown(rows, {"Trend": "Open trend"}), unsafe_allow_html=True)
    skipped = page.ctx.meta.get("skipped_metrics") or ""
    if any(m in skipped for m in ACCURACY_METRICS):
        st.caption("n/a: not computed; the appeals export is needed (Data page).")


def dsa_report(page: CompliancePage) -> None:
    """The period's DSA transparency report: the headline rows, and the full files."""
    st.subheader("DSA transparency report")
    view = page.view
    if isinstance(page.clocks, str):  # the same exports: say why once, above
        st.info("The report is read from the exports, which cannot be read (above).")
        return
    try:
        with st.spinner("Reading the exports…"):
            report = dsa_report_for(
                page.ctx.store, view.start, view.end, dashboard_settings().dsa_mapping
            )
    except UserError as exc:
        st.error(literal(str(exc)))
        return
    st.caption(
        f"{format_period(view.start, view.end)} ({literal(report.timezone)}), whole platform, "
        "both days included: the figures `govkpi report dsa` writes (docs/compliance.md), "
        "here without breakdowns. Every figure is also split by DSA statement category in "
        "the files."
    )
    for note in report.notes:
        st.caption("Note: " + literal(note))
    st.dataframe(dsa_summary(report), hide_index=True, width="stretch")
    if report.absent:
        st.caption("Not available: " + literal(", ".join(report.absent)) + ".")
    name = f"dsa-report-{view.start.isoformat()}-{view.end.isoformat()}"
    left, right = st.columns(2)
    left.download_button(
        "Download the report (CSV, every breakdown)",
        report_csv(report),
        file_name=f"{name}.csv",
        mime="text/csv",
    )
    right.download_button(
        "Download the readable report (HTML)",
        report_html(report, datetime.now(UTC), page.ctx.meta.get("data_dir", "")).encode(),
        file_name=f"{name}.html",
        mime="text/html",
    )


# The page, section by section; append a function to add one.
SECTIONS: list[Callable[[CompliancePage], None]] = [
    sla_clocks,
    at_risk_list,
    accuracy,
    dsa_report,
]

ctx = page_context()
st.title("Compliance")
view, clocks = _controls(ctx, _resolve(ctx))
_write(view)
page = CompliancePage(ctx, view, clocks)
for section in SECTIONS:
    section(page)
