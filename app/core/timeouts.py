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

import sqlalchemy as sa

CLIENT_MARGIN = 0.5
"""Seconds the client waits beyond the server's statement timeout, so the server's cancel arrives first."""

PING_TIMEOUT = 0.5
"""Seconds the pool's liveness check (``SELECT 1`` before reuse) may take."""


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
    from app.core.postgres import DeadlineConnection  # PostgreSQL only: psycopg is loaded by now

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
