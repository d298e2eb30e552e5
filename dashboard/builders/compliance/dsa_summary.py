"""The DSA report's headline rows (breakdown `all`) as the Compliance page lists them."""

from __future__ import annotations

import pandas as pd

from metrics.transparency.dsa_indicators import INDICATORS, SECTIONS
from metrics.transparency.dsa_report import DsaReport
from metrics.transparency.report_csv import csv_value


def dsa_summary(report: DsaReport) -> pd.DataFrame:
    """One row an indicator: section, what it is, value with its unit, cases behind it."""
    titles = {(i.section, i.name): i.title for i in INDICATORS}
    sections = {s.name: s.title for s in SECTIONS}
    rows = []
    for row in report.rows:
        if row.breakdown != "all":
            continue
        value = "no cases" if row.value is None and row.cases == 0 else csv_value(row)
        if row.value is not None:
            value = f"{row.value:,.1f} h" if row.unit == "hours" else f"{row.value:,.0f}"
        rows.append(
            {
                "Section": sections.get(row.section, row.section),
                "Indicator": titles.get((row.section, row.indicator), row.indicator),
                "Value": value,
                "Unit": row.unit,
                "Cases": "" if row.cases is None else f"{row.cases:,}",
            }
        )
    return pd.DataFrame(rows, columns=["Section", "Indicator", "Value", "Unit", "Cases"])
