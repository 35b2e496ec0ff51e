"""Log lines as JSON objects, one a line, or as text; for every process of a server.

The standard library's logging with a formatter of our own: a JSON line is one
orjson.dumps of the record's few fields, and a library for it would add a dependency
for these twenty lines. What is logged is chosen where it is logged: no code, secret,
password or API key is ever passed to a logger (tests/observe/test_log_secrets.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson

FORMATS = ("json", "text")
# How `onetime serve` tells the processes it starts (the sealer's) its --log-format.
FORMAT_ENV = "ONETIME_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"
# Set on a record by `logger.info(..., extra={FIELDS: {...}})`: its own JSON fields.
FIELDS = "onetime_fields"


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, process, message, its fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC)
                .isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name,
                "pid": record.process, "message": record.getMessage()}
        fields = getattr(record, FIELDS, None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """TEXT_FORMAT, then the record's fields as name=value."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, FIELDS, None)
        if fields:
            text += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return text


def formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {FORMATS}, not {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def uvicorn_config(fmt: str, level: str) -> dict:
    """uvicorn's `log_config` (logging.config.dictConfig) for every process of a server:
    ours and uvicorn's loggers, in one format, to stderr."""
    formatter_class = f"{__name__}.{'JsonFormatter' if fmt == 'json' else 'TextFormatter'}"
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": formatter_class}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own handlers would print a second, unformatted line.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            # Replaced by onetime.access (a request ID, the duration, one format).
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # The access log is INFO; it has its own switch (--no-access-log).
            "onetime.access": {"level": "INFO"},
        },
    }


def configure(fmt: str, level: str) -> None:
    """This process's logging as uvicorn_config sets up the server's."""
    import logging.config
    logging.config.dictConfig(uvicorn_config(fmt, level))
