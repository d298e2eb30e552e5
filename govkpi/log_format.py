"""`--log-format json`: one JSON object a line, for long-running use under a log collector.

Each line has the time (UTC, ISO 8601), the level, the logger, the message, the id of the run
in progress (`run_id`, null between runs) and, for an error, its traceback.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from alerts.run_log import RunIdFilter

LOG_FORMATS = ("text", "json")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def use_log_format(name: str) -> None:
    """Switches the root logger's handlers to `name` ("text" leaves them as they are)."""
    if name != "json":
        return
    for handler in logging.getLogger().handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RunIdFilter())
