"""Logging: one JSON object per line (or aligned text for a terminal), for the service and uvicorn.

Built on the standard library's ``logging`` with structlog's ``ProcessorFormatter`` doing the
rendering, so every module keeps ``logging.getLogger(__name__)`` and passes fields with
``extra={...}``. Each line has ``time`` (RFC 3339, UTC), ``level``, ``logger``, ``event`` and
``pid``; lines written while a request is handled also carry its ``request_id``.

uvicorn's own access log is switched off: ``app/core/observability.py`` writes one line per
request with the route template, status, duration and API key id instead. No line carries a
token or a query string.
"""

from __future__ import annotations

import logging
import logging.config
import os
import sys
from typing import Any, TextIO

import orjson
import structlog

from app.core.context import request_context

LEVELS = ("debug", "info", "warning", "error", "critical")


def _add_request_id(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    context = request_context()
    if context is not None:
        event.setdefault("request_id", context.request_id)
    return event


def _add_pid(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    event["pid"] = os.getpid()
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colour codes
    return event


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of each record (a test runner may swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _json_line(event: dict[str, Any], **_options: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def _formatter(log_format: str) -> dict[str, Any]:
    renderer = (
        structlog.processors.JSONRenderer(serializer=_json_line)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False, pad_event_to=24)
    )
    pre_chain = [
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _add_request_id,
        _add_pid,
    ]
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": pre_chain,
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    }


def logging_config(log_format: str = "json", level: str = "info") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service and uvicorn (also passed to uvicorn's ``log_config``,
    which applies it in every worker process)."""
    level = level.upper()
    handler = {"()": StderrHandler, "formatter": log_format}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {log_format: _formatter(log_format)},
        "handlers": {"default": handler},
        # One handler on the root logger; the service's and uvicorn's loggers propagate to it (so a
        # test's log capture sees them too). Other libraries speak from warnings up.
        "root": {"handlers": ["default"], "level": "WARNING"},
        "loggers": {
            "app": {"level": level},
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "alembic": {"level": "WARNING"},
            "alembic.runtime.migration": {"level": level},  # each migration as it runs
        },
    }


def configure_logging(log_format: str = "json", level: str = "info") -> dict[str, Any]:
    """Apply the logging configuration in this process and return it."""
    config = logging_config(log_format, level)
    logging.config.dictConfig(config)
    return config


# Every record would otherwise look up its thread, process and multiprocessing names, which no
# line shows (``pid`` is added by the formatter): a measurable part of the per-request log line.
logging.logThreads = False
logging.logProcesses = False
logging.logMultiprocessing = False
