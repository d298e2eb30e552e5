"""The id of the run in progress, for log lines: a long-running scheduler's log tells its runs
apart (`--log-format json` writes it as `run_id`)."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator

_run_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("govkpi_run_id", default=None)


@contextlib.contextmanager
def run_id_in_logs(run_id: str) -> Iterator[None]:
    token = _run_id.set(run_id)
    try:
        yield
    finally:
        _run_id.reset(token)


class RunIdFilter(logging.Filter):
    """Adds `run_id` (None outside a run) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _run_id.get()
        return True
