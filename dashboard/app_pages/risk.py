"""Risk matrix: where risk sits across markets x categories, and which cells rose most."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard.builders.compliance.risk_figure import risk_heatmap
from dashboard.builders.plain_text import markdown_literal
from dashboard.context import page_context
from dashboard.data.risk import risk_for_day, risk_problem
from metrics.errors import UserError
from metrics.risk.matrix import SCORE_FORMULA, WINDOW_DAYS
from metrics.risk.report import window_text
from metrics.risk.severity import load_severity

RISERS_SHOWN = 10


def _url_day(first: date, last: date) -> date | None:
    """The `day` URL parameter when it is a date in range (untrusted: else a plain warning)."""
    raw = st.query_params.get("day")
    if raw is None:
        return None
    try:
        day = date.fromisoformat(str(raw))
    except ValueError:
        day = None
    if day is None or not first <= day <= last:
        st.warning(
            f"“{markdown_literal(str(raw)[:40])}” is not a day between {first} and {last}; "
            "showing the latest complete day."
        )
        return None
    return day


ctx = page_context()
st.title("Risk matrix")
problem = risk_problem(ctx.store)
if problem:
    st.info(f"The risk matrix is read from the exports, but {markdown_literal(problem)}.")
    st.stop()

day = st.date_input(
    "Window ends on",
    value=_url_day(ctx.first_day, ctx.last_day) or ctx.report_day,
    min_value=ctx.first_day,
    max_value=ctx.last_day,
    key="risk_day",
)
assert isinstance(day, date)
if st.query_params.get("day") != day.isoformat():
    st.query_params["day"] = day.isoformat()

try:
    with st.spinner("Reading the exports…"):
        matrix = risk_for_day(ctx.store, day, WINDOW_DAYS)
except UserError as exc:
    st.error(markdown_literal(str(exc)))
    st.stop()
cells = matrix.cells
first = day - timedelta(days=WINDOW_DAYS - 1)
st.caption(
    f"{WINDOW_DAYS} days, {window_text(matrix)}, against the {WINDOW_DAYS} days before. "
    "**Likelihood**: violations (complaints upheld plus listings removed) per 10,000 live "
    "listings (their mean over the window). **Severity**: the mean weight of those violations "
    "(EU Safety Gate levels, below). "
    f"**Exposure**: {matrix.exposure_unit} in the window. **{SCORE_FORMULA}**: the "
    f"severity-weighted {matrix.exposure_unit} that met a violating listing."
)
if not matrix.prior_complete:
    st.warning(
        f"The exports start after {first - timedelta(days=WINDOW_DAYS)}: the change compares "
        "with part of the window before."
    )

risers = cells[cells["change"] > 0].head(RISERS_SHOWN)
st.subheader(f"Rose most ({len(risers)} of {len(cells)} cells)")
if risers.empty:
    st.info("No cell's score rose against the window before.")
else:
    st.dataframe(
        risers.rename(
            columns={
                "market": "Market",
                "category_l1": "Category",
                "score": "Score",
                "change": "Change",
                "change_pct": "Change %",
                "violations": "Violations",
                "prior_violations": "Before",
                "live_listings": "Live listings",
                "likelihood": "Per 10k live",
                "severity": "Severity",
                "exposure": f"Exposure ({matrix.exposure_unit})",
            }
        )[
            [
                "Market",
                "Category",
                "Score",
                "Change",
                "Change %",
                "Violations",
                "Before",
                "Live listings",
                "Per 10k live",
                "Severity",
                f"Exposure ({matrix.exposure_unit})",
            ]
        ],  # fmt: skip
        hide_index=True,
        width="stretch",
        column_config={
            "Score": st.column_config.NumberColumn(format="%.0f"),
            "Change": st.column_config.NumberColumn(format="%+.0f"),
            "Change %": st.column_config.NumberColumn(format="%+.0f %%"),
            "Violations": st.column_config.NumberColumn(format="%d"),
            "Before": st.column_config.NumberColumn(format="%d"),
            "Live listings": st.column_config.NumberColumn(format="%.0f"),
            "Per 10k live": st.column_config.NumberColumn(format="%.1f"),
            "Severity": st.column_config.NumberColumn(format="%.2f"),
            f"Exposure ({matrix.exposure_unit})": st.column_config.NumberColumn(format="%.0f"),
        },
    )

shown = st.radio("Colour the matrix by", ["change", "score"], horizontal=True, key="risk_value")
st.plotly_chart(
    risk_heatmap(
        cells,
        shown,
        f"{'Change of score' if shown == 'change' else 'Score'} by market and category",
        matrix.exposure_unit,
    ),
    width="stretch",
)
st.download_button(
    f"Download all {len(cells)} cells (CSV)",
    cells.to_csv(index=False).encode(),
    file_name=f"risk-matrix-{day.isoformat()}.csv",
    mime="text/csv",
)

st.subheader("Severity grading")
severity = load_severity()
st.caption(
    "Each issue type graded on the EU Safety Gate risk levels; the packaged grading "
    "(`govkpi risk --severity FILE` writes the matrix with your own)."
)
st.dataframe(
    [{"Issue type": t, "Level": lvl, "Weight": w} for t, lvl, w in severity.rows()],
    hide_index=True,
)
