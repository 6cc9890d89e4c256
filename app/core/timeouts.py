"""Bounds on every wait for PostgreSQL on the write path (psycopg 3 under SQLAlchemy).

Server-side ``statement_timeout`` stops a slow statement, but not a network that has gone
silent: a request whose packets vanish would wait for TCP to give up (minutes). So every
round trip of a write connection also has a client-side deadline: ``DeadlineConnection``
bounds psycopg's single wait loop, which every execute, commit, rollback and ping goes
through; when it expires the connection is closed, SQLAlchemy sees a disconnect, discards it
and the pool reconnects on the next checkout. ``idle_in_transaction_session_timeout`` lets the
server end a transaction whose client vanished mid-way, so its locks (rows, idempotency keys)
are freed without waiting for TCP keepalives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import Settings

CLIENT_MARGIN = 0.5
"""Seconds the client waits beyond the server's statement timeout, so the server's cancel arrives first."""

PING_TIMEOUT = 0.5
"""Seconds the pool's liveness check (``SELECT 1`` before reuse) may take."""


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


@contextmanager
def without_timeouts(connection: sa.Connection, seconds: float | None = None) -> Iterator[None]:
    """Lift the statement timeout (server side) and the round-trip deadline (client side) on this
    connection's current transaction, for maintenance work that is long by nature: a migration that
    builds data from a large table, a bulk load; with ``seconds``, raise both to that bound instead
    (work in a request that is long at scale, which must still end). Restored afterwards. SQLite has
    neither."""
    if connection.dialect.name != "postgresql":
        yield
        return
    raw = connection.connection.dbapi_connection
    previous_deadline = getattr(raw, "io_timeout", None)
    previous = connection.execute(sa.text("SHOW statement_timeout")).scalar_one()
    connection.execute(sa.text(f"SET LOCAL statement_timeout = {0 if seconds is None else int(seconds * 1000)}"))
    if isinstance(raw, DeadlineConnection):
        raw.io_timeout = None if seconds is None else seconds + CLIENT_MARGIN
    try:
        yield
    finally:
        if isinstance(raw, DeadlineConnection):
            raw.io_timeout = previous_deadline
        if not connection.closed and connection.in_transaction():
            connection.execute(sa.text("SELECT set_config('statement_timeout', :value, true)"), {"value": previous})
