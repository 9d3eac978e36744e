"""The served process logs JSON, one object per line on stderr: the request lines of api/middleware.py and any
warning or error, each with ``ts``, ``level`` and ``event``. Only the fields named here are written: a record's
other attributes (arguments, a request, a token someone passed by mistake) never reach the line."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

__all__ = ["JsonLines", "configure_logging"]

FIELDS = ("request_id", "method", "path", "status", "duration_ms", "user_id")


class JsonLines(logging.Formatter):
    """A log record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
            "logger": record.name,
            "pid": record.process,
        }
        for name in FIELDS:
            if name in record.__dict__:
                line[name] = record.__dict__[name]
        if record.exc_info and record.exc_info[0] is not None:
            line["exception"] = record.exc_info[0].__name__
            line["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(line).decode()


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for the negotiation loggers, and for uvicorn's own (its warning about a request it cannot
    parse, its errors) in place of its plain text (idempotent)."""
    logger = logging.getLogger("negotiation")
    if any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    server = logging.getLogger("uvicorn")  # "uvicorn.error" logs through it; its level is uvicorn's to set
    server.handlers = [handler]
    server.propagate = False
