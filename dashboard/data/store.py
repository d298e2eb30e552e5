"""Which metric store the dashboard reads: the GOVKPI_STORE environment variable.

`govkpi dashboard --store PATH` sets it for the streamlit process; nothing is read at import.
"""

from __future__ import annotations

import os

from metrics.metric_store import MetricStore

STORE_ENV = "GOVKPI_STORE"
DASHBOARD_URL_ENV = "GOVKPI_DASHBOARD_URL"


def configured_store() -> MetricStore | None:
    """The store named by GOVKPI_STORE, or None when the variable is unset."""
    path = os.environ.get(STORE_ENV, "").strip()
    return MetricStore(path) if path else None
