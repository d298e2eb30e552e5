"""The DSA report as CSV bytes: one row per figure, long format (pure, no I/O).

Columns: section, indicator, breakdown, value, unit, cases. `value` is a whole number for a
count and hours with two decimals for a median; `not available` when the exports lack what
the row needs (then `cases` is empty) or a median has no case to take (then `cases` is 0).
"""

from __future__ import annotations

import csv
import io

from metrics.transparency.dsa_report import DsaReport, ReportRow

COLUMNS = ("section", "indicator", "breakdown", "value", "unit", "cases")
NOT_AVAILABLE = "not available"


def csv_value(row: ReportRow) -> str:
    if row.value is None:
        return NOT_AVAILABLE
    if row.unit == "hours":
        return f"{row.value:.2f}"
    return str(int(row.value))


def report_csv(report: DsaReport) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report.rows:
        cases = "" if row.cases is None else str(row.cases)
        writer.writerow(
            (row.section, row.indicator, row.breakdown, csv_value(row), row.unit, cases)
        )
    return buffer.getvalue().encode("utf-8")
