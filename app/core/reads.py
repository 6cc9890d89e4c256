"""The hot read path: plain SQL on the raw drivers (sqlite3, asyncpg), no ORM.

Why: on this service's target hardware the ORM read path serves roughly a third of what the
raw drivers do (see docs/architecture.md). Reads are simple, indexed, parameterised SELECTs, so
they are written once in portable SQL with ``:name`` parameters and run on whichever driver
the configured database needs. Writes keep the ORM (SQLModel), where validation matters more
than microseconds.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, Protocol

from app.core.config import get_settings
from app.core.db import SQLITE_TIMESTAMP_FORMAT, sqlite_path
from app.core.files import prepare_sqlite_file

Row = Mapping[str, Any]

_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


@lru_cache(maxsize=1024)
def to_numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """Rewrite ``:name`` parameters as asyncpg's ``$1, $2`` and return the names in order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PARAM.sub(number, sql), tuple(names)


class ReadDatabase(Protocol):
    """What every read-path backend offers."""

    dialect: str

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]: ...

    async def close(self) -> None: ...

    def timestamp(self, value: Any) -> str | None: ...

    def timestamp_param(self, value: str) -> Any: ...

    def boolean(self, value: Any) -> bool | None: ...

    def pool_stats(self) -> tuple[int, int, int]:
        """Connections (open, idle, at most), for the metrics."""
        ...


class SQLiteReads:
    """Reads on one sqlite3 connection, used from the event loop's thread only.

    SQLite answers an indexed SELECT in microseconds, faster than a hop to a worker thread,
    so queries run inline. WAL mode lets them proceed while a writer holds its lock.
    """

    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        prepare_sqlite_file(sqlite_path(url))
        self._connection = sqlite3.connect(sqlite_path(url), check_same_thread=False, isolation_level=None)
        self._connection.execute(f"PRAGMA busy_timeout={int(get_settings().sqlite_busy_timeout * 1000)}")

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        # Plain dicts: sqlite3.Row finds a column by name with a linear scan, which made shaping a
        # 50-row page ten times slower than building the dicts here.
        cursor = self._connection.execute(sql, params or {})
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    async def close(self) -> None:
        self._connection.close()

    def timestamp(self, value: Any) -> str | None:
        return value

    def timestamp_param(self, value: str) -> Any:
        return value

    def boolean(self, value: Any) -> bool | None:
        return None if value is None else bool(value)

    def pool_stats(self) -> tuple[int, int, int]:
        return 1, 1, 1  # one connection, used only for the instant of a query on the event loop


def _broken_connection_errors() -> tuple[type[Exception], ...]:
    import asyncpg

    return (asyncpg.ConnectionDoesNotExistError, asyncpg.InternalClientError, asyncpg.exceptions.AdminShutdownError)


class PostgresReads:
    """Reads on an asyncpg connection pool, every one bounded in time (see ``app/core/faults.py``).

    A read waits at most ``acquire_timeout`` for a pooled connection (a new connection at most the
    connect timeout) and ``statement_timeout`` for its answer; ``deadline`` bounds the whole, release
    included, so a silent network gives a timeout, never a hang. Broken connections are dropped
    by the pool, which reconnects on the next acquire.
    """

    dialect = "postgresql"

    def __init__(self, pool, *, acquire_timeout: float, statement_timeout: float) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout
        self._statement_timeout = statement_timeout
        self._deadline = max(acquire_timeout, statement_timeout) + 0.5
        self._broken = _broken_connection_errors()

    @classmethod
    async def connect(cls, url: str, size: int) -> PostgresReads:
        import asyncpg

        settings = get_settings()
        dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=size,
            init=_use_text_timestamps,
            timeout=settings.db_connect_timeout,
            command_timeout=settings.db_statement_timeout,
            server_settings={
                "TimeZone": "UTC",
                "DateStyle": "ISO",
                "statement_timeout": str(int(settings.db_statement_timeout * 1000)),
            },
        )
        return cls(pool, acquire_timeout=settings.db_acquire_timeout, statement_timeout=settings.db_statement_timeout)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        text, names = to_numbered(sql)
        values = [params[name] for name in names] if names else []
        async with asyncio.timeout(self._deadline):
            for attempt in (1, 2):
                async with self._pool.acquire(timeout=self._acquire_timeout) as connection:
                    try:
                        return await connection.fetch(text, *values, timeout=self._statement_timeout)
                    except self._broken:
                        # The server ended this pooled connection (restart, failover, terminated
                        # backend) while it sat idle: drop it and run the SELECT once more on a new one.
                        connection.terminate()
                        if attempt == 2:
                            raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=self._deadline)
        except TimeoutError:
            self._pool.terminate()

    def timestamp(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return value.astimezone(UTC).strftime(SQLITE_TIMESTAMP_FORMAT)

    def timestamp_param(self, value: str) -> Any:
        return value

    def boolean(self, value: Any) -> bool | None:
        return value

    def pool_stats(self) -> tuple[int, int, int]:
        return self._pool.get_size(), self._pool.get_idle_size(), self._pool.get_max_size()


def _api_timestamp(text: str) -> str:
    """PostgreSQL's ISO output in UTC (``2021-04-19 00:00:00+00``, fraction only when non-zero) as the
    API's fixed form (``2021-04-19T00:00:00.000000Z``)."""
    day, _, time = text[:-3].partition(" ")
    clock, _, fraction = time.partition(".")
    return f"{day}T{clock}.{fraction:0<6}Z"


async def _use_text_timestamps(connection) -> None:
    # timestamptz arrives as PostgreSQL's own text (session in UTC) and leaves as the API's
    # string: formatting a datetime in Python per value was the largest cost of shaping a page.
    await connection.set_type_codec(
        "timestamptz", schema="pg_catalog", format="text", decoder=_api_timestamp, encoder=_timestamp_text
    )


def _timestamp_text(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


def iso_date(value: Any) -> str | None:
    """A DATE column as ``YYYY-MM-DD`` whichever driver read it."""
    if isinstance(value, date):
        return value.isoformat()
    return value


async def open_reads(url: str, pool_size: int) -> ReadDatabase:
    """Open the read backend that fits ``url``."""
    if url.startswith("sqlite"):
        return SQLiteReads(url)
    return await PostgresReads.connect(url, pool_size)
