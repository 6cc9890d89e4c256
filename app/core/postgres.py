"""The PostgreSQL write engine (psycopg 3 under SQLAlchemy), every round trip bounded in time.

Imported only when the configured database is PostgreSQL, so a worker serving SQLite never loads the
driver (see ``app/core/timeouts.py`` for the bounds and how maintenance work lifts them).
"""

from __future__ import annotations

from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import Settings
from app.core.timeouts import CLIENT_MARGIN, PING_TIMEOUT


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose every round trip has a deadline (``io_timeout`` seconds)."""

    io_timeout: float | None = None

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        try:
            return super().wait(gen, interval=interval, timeout=timeout if timeout is not None else self.io_timeout)
        except psycopg.errors.OperationalError as error:
            if type(error).__name__ != "_WaitTimeout":
                raise
            # The connection's state is unknown (a reply may still arrive): it cannot be reused.
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {self.io_timeout} s; connection closed"
            ) from error


def postgres_engine(target: sa.URL, settings: Settings) -> sa.Engine:
    """The write engine for PostgreSQL, bounded by the connect, statement and acquire timeouts."""
    statement_ms = int(settings.db_statement_timeout * 1000)
    engine = sa.create_engine(
        target,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=settings.db_acquire_timeout,
        connect_args={
            "connect_timeout": settings.db_connect_timeout,
            "options": f"-c jit=off -c statement_timeout={statement_ms} -c lock_timeout={statement_ms}"
            f" -c idle_in_transaction_session_timeout={max(statement_ms * 5, 10_000)}",
        },
    )
    io_timeout = settings.db_statement_timeout + CLIENT_MARGIN

    @event.listens_for(engine, "do_connect")
    def _connect(
        _dialect: Dialect, _record: ConnectionPoolEntry, cargs: list[Any], cparams: dict[str, Any]
    ) -> DeadlineConnection:
        connection = DeadlineConnection.connect(*cargs, **cparams)
        connection.io_timeout = io_timeout
        return connection

    ping = engine.dialect.do_ping

    def bounded_ping(dbapi_connection: DBAPIConnection) -> bool:
        # Every connection of this engine is made by ``_connect``. (SQLAlchemy's DB-API protocol and
        # psycopg's typed Connection do not match structurally, so isinstance could not narrow.)
        connection = cast(DeadlineConnection, dbapi_connection)
        connection.io_timeout = PING_TIMEOUT
        try:
            return ping(dbapi_connection)
        finally:
            connection.io_timeout = io_timeout

    engine.dialect.do_ping = bounded_ping  # type: ignore[method-assign]
    return engine
