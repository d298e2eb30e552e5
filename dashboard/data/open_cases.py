"""The complaints open at the end of a day and their SLA clocks, for the Compliance page.

Read from the exports the store was computed from (its `data_dir`), as the rows behind an
indicator are, through `metrics.deadlines` (the deadlines sla_compliance judges). Cached per
store version and day: a new compute is a new store version, and reads the exports again.
"""

from __future__ import annotations

from datetime import date

from dashboard.data.cache import per_store_version
from metrics.deadlines.open_cases import OpenCases, read_open_cases
from metrics.errors import UserError


@per_store_version
def open_cases(path: str, data_dir: str, day: date, tz: str) -> OpenCases | str:
    """The open cases, or why they cannot be read (a sentence for the page)."""
    try:
        return read_open_cases(data_dir, day, tz)
    except UserError as exc:
        return str(exc)
