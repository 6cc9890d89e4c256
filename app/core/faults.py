"""Database faults: every way the database can fail to answer becomes one 503 problem with ``Retry-After``.

A refused or dropped connection, a timed-out connect, statement or pool checkout, a backend
terminated by the server, a locked SQLite file: to a client these are all "the database is
unavailable right now, retry shortly", never a 500 and never a hang. Both drivers are bounded
by the timeouts in ``Settings`` (see ``app/core/db.py`` and ``app/core/reads.py``), so a fault
is reported within a few seconds, and both pools reconnect on the next request once the
database is back: no restart is needed.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
import sys
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from starlette.responses import Response

from app.core.config import get_settings
from app.core.errors import _STATUS_DESCRIPTIONS, PROBLEM_MEDIA_TYPE, ProblemError, problem_response

logger = logging.getLogger("app.faults")


class DatabaseUnavailable(ProblemError):
    status, slug, title = 503, "database-unavailable", "The database is unavailable"

    def __init__(self, detail: str = "The database did not answer; nothing was changed. Retry shortly.") -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_seconds())})


def retry_after_seconds() -> int:
    """What ``Retry-After`` advises: about the time a reconnect attempt takes."""
    return max(1, math.ceil(get_settings().db_connect_timeout))


_SQLITE_FAULTS = ("database is locked", "database table is locked", "unable to open database", "disk i/o error")


def driver_faults() -> tuple[type[Exception], ...]:
    """The PostgreSQL drivers' fault classes, of the drivers this process has loaded: a driver that was
    never imported raised nothing, and a worker serving SQLite does not load either.

    asyncpg: the connection-level errors and the server's "go away" classes (57P01 admin shutdown,
    57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections, 57014 statement
    timeout). psycopg: operational and interface errors (SQLAlchemy wraps most of them)."""
    faults: list[type[Exception]] = []
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is not None:
        faults += [
            asyncpg.PostgresConnectionError,
            asyncpg.ConnectionDoesNotExistError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,  # a connection whose backend went away mid-protocol
            asyncpg.CannotConnectNowError,
            asyncpg.TooManyConnectionsError,
            asyncpg.OperatorInterventionError,
            asyncpg.QueryCanceledError,
            asyncpg.exceptions.InsufficientResourcesError,
        ]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        faults += [psycopg.OperationalError, psycopg.InterfaceError]
    return tuple(faults)


def is_database_fault(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached or did not answer in time."""
    if isinstance(error, sqlalchemy.exc.TimeoutError):  # no pooled connection free within the acquire timeout
        return True
    if isinstance(error, sqlalchemy.exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig if error.orig is not None else error
    if isinstance(error, driver_faults()):
        return True
    if isinstance(error, sqlite3.OperationalError):
        return str(error).lower().startswith(_SQLITE_FAULTS)
    return isinstance(error, (OSError, TimeoutError, asyncio.TimeoutError))


async def _database_error(request: Request, exc: Exception) -> Response:
    if not is_database_fault(exc):
        raise exc  # to the generic 500 handler
    logger.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    fault = DatabaseUnavailable()
    return problem_response(
        request, status=fault.status, slug=fault.slug, title=fault.title, detail=fault.detail, headers=fault.headers
    )


FAULT_TYPES: tuple[type[Exception], ...] = (
    sqlalchemy.exc.DBAPIError,
    sqlalchemy.exc.TimeoutError,
    sqlite3.Error,
    OSError,
    TimeoutError,
)


def install_fault_handlers(app: FastAPI, *, postgres: bool) -> None:
    """Answer database faults with the 503 problem (other errors of these types stay 500s). With
    ``postgres``, the drivers are loaded now, so that their own fault classes are handled too."""
    if postgres:
        import asyncpg  # noqa: F401  # the read path's driver
        import psycopg  # noqa: F401  # the write path's driver
    for kind in FAULT_TYPES + driver_faults():
        app.add_exception_handler(kind, _database_error)


def declare_unavailable(schema: dict[str, Any]) -> None:
    """In the OpenAPI document: every operation that reads or writes the database may answer 503."""
    for path, methods in schema.get("paths", {}).items():
        if path == "/health/live":
            continue
        for operation in methods.values():
            response = operation.setdefault("responses", {}).setdefault("503", {})
            response.setdefault("description", _STATUS_DESCRIPTIONS[503])
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
            # /health/ready declares its own 503 body (the readiness report); every other 503 is the problem.
            response.setdefault(
                "content", {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}}
            )
