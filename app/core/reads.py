"""The hot read path: plain SQL on the raw drivers (sqlite3, asyncpg), no ORM.

Why: on this service's target hardware the ORM read path serves roughly a third of what the
raw drivers do (see docs/architecture.md). Reads are simple, indexed, parameterised SELECTs, so
they are written once in portable SQL with ``:name`` parameters and run on whichever driver
the configured database needs. Writes keep the ORM (SQLModel), where validation matters more
than microseconds.
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from app.core.config import get_settings
from app.core.db import format_timestamp, sqlite_path
from app.core.files import prepare_sqlite_file

Row = Mapping[str, Any]
T = TypeVar("T")

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

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        """The rows of a query, bounded in time (see ``app/core/faults.py``)."""

    async def fetch_heavy(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        """Like ``fetch``, for a query that may take long: it never holds the event loop."""

    def stream(
        self, sql: str, params: Mapping[str, Any] | None = None, *, batch: int = 1000
    ) -> AsyncIterator[Sequence[Row]]:
        """The rows of a query in batches, read from a server-side cursor: memory stays flat."""

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run one statement in its own (auto-committed) transaction, off the event loop."""

    async def close(self) -> None:
        """Close every connection of the backend (at shutdown)."""

    def timestamp(self, value: Any) -> str | None:
        """A timestamp as the driver returned it, in the API's text form (None stays None)."""

    def timestamp_param(self, value: str) -> Any:
        """A timestamp in the API's text form, as the driver takes it as a parameter."""

    def boolean(self, value: Any) -> bool | None:
        """A boolean as the driver returned it (SQLite gives 0 or 1)."""

    def pool_stats(self) -> tuple[int, int, int]:
        """Connections (open, idle, at most), for the metrics."""


def _dicts(cursor: sqlite3.Cursor, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    # Plain dicts: sqlite3.Row finds a column by name with a linear scan, which made shaping a
    # 50-row page ten times slower than building the dicts here.
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in rows]


class SQLiteReads:
    """Reads on sqlite3: indexed lookups inline on the event loop, anything heavy on worker threads.

    SQLite answers an indexed SELECT in microseconds, faster than a hop to a worker thread, so the
    hot path (``fetch``) runs inline on one connection. sqlite3 holds the event loop while a query
    runs, so reports, exports, verification and ``as_of`` use ``fetch_heavy``/``stream``/``execute``:
    a small pool of threads, each with its own connection, so other requests go on meanwhile.
    WAL mode lets reads proceed while a writer holds its lock.
    """

    dialect = "sqlite"
    HEAVY_THREADS = 4

    def __init__(self, url: str) -> None:
        self._path = sqlite_path(url)
        prepare_sqlite_file(self._path)
        self._connection = self._connect()
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(self.HEAVY_THREADS, thread_name_prefix="sqlite-reads")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        connection.execute(f"PRAGMA busy_timeout={int(get_settings().sqlite_busy_timeout * 1000)}")
        return connection

    def _worker_connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
            with self._lock:
                self._opened.append(connection)
        return connection

    async def _off_loop(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        cursor = self._connection.execute(sql, params or {})
        return _dicts(cursor, cursor.fetchall())

    def _fetch_on_worker(self, sql: str, params: Mapping[str, Any] | None) -> list[dict[str, Any]]:
        cursor = self._worker_connection().execute(sql, params or {})
        return _dicts(cursor, cursor.fetchall())

    async def fetch_heavy(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        return await self._off_loop(self._fetch_on_worker, sql, params)

    async def stream(
        self, sql: str, params: Mapping[str, Any] | None = None, *, batch: int = 1000
    ) -> AsyncIterator[Sequence[Row]]:
        # A connection of its own: the cursor stays open between batches while the client reads.
        connection = await self._off_loop(self._connect)
        try:
            cursor = await self._off_loop(connection.execute, sql, params or {})
            while True:
                rows = await self._off_loop(cursor.fetchmany, batch)
                if not rows:
                    break
                yield _dicts(cursor, rows)
        finally:
            await self._off_loop(connection.close)

    def _execute_on_worker(self, sql: str, params: Mapping[str, Any] | None) -> None:
        self._worker_connection().execute(sql, params or {})

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        await self._off_loop(self._execute_on_worker, sql, params)

    async def close(self) -> None:
        self._executor.shutdown(wait=True)
        for connection in self._opened:
            connection.close()
        self._connection.close()

    def timestamp(self, value: Any) -> str | None:
        text: str | None = value  # SQLite stores an instant as its RFC 3339 text (UTCDateTime)
        return text

    def timestamp_param(self, value: str) -> Any:
        return value

    def boolean(self, value: Any) -> bool | None:
        return None if value is None else bool(value)

    def pool_stats(self) -> tuple[int, int, int]:
        return 1, 1, 1  # one connection, used only for the instant of a query on the event loop


class InstantsAsText:
    """The instant converters of a reader whose driver may hand an instant back as a ``datetime``
    (asyncpg, SQLAlchemy): text passes as it is, a ``datetime`` leaves in the API's form."""

    def timestamp(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return format_timestamp(value)

    def timestamp_param(self, value: str) -> Any:
        return value


def _numbered(sql: str, params: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """asyncpg's form of a statement and its parameters: the SQL with ``$n`` and the values in order."""
    text, names = to_numbered(sql)
    return text, [params[name] for name in names] if names and params else []


def _broken_connection_errors() -> tuple[type[Exception], ...]:
    import asyncpg

    return (asyncpg.ConnectionDoesNotExistError, asyncpg.InternalClientError, asyncpg.exceptions.AdminShutdownError)


class PostgresReads(InstantsAsText):
    """Reads on an asyncpg connection pool, every one bounded in time (see ``app/core/faults.py``).

    A read waits at most ``acquire_timeout`` for a pooled connection (a new connection at most the
    connect timeout) and ``statement_timeout`` for its answer; ``deadline`` bounds the whole, release
    included, so a silent network gives a timeout, never a hang. Broken connections are dropped
    by the pool, which reconnects on the next acquire.
    """

    dialect = "postgresql"

    def __init__(self, pool: Any, *, acquire_timeout: float, statement_timeout: float) -> None:  # asyncpg.Pool
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
            reset=_keep_session,
            timeout=settings.db_connect_timeout,
            command_timeout=settings.db_statement_timeout,
            server_settings={
                "TimeZone": "UTC",
                # JIT compiling the reports' wide CASE expressions took seconds (and, on small tables
                # without statistics, thousands of times longer than the query): never worth it here.
                "jit": "off",
                "DateStyle": "ISO",
                "statement_timeout": str(int(settings.db_statement_timeout * 1000)),
            },
        )
        return cls(pool, acquire_timeout=settings.db_acquire_timeout, statement_timeout=settings.db_statement_timeout)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        text, values = _numbered(sql, params)
        async with asyncio.timeout(self._deadline):
            for attempt in (1, 2):
                # The acquire's own bound as a timeout scope: asyncpg's acquire(timeout=) runs the wait
                # as a separate task (asyncio.wait_for), a cost paid on every read of the hot path.
                async with asyncio.timeout(self._acquire_timeout):
                    connection = await self._pool.acquire()
                try:
                    rows: Sequence[Row] = await connection.fetch(text, *values, timeout=self._statement_timeout)
                    return rows
                except self._broken:
                    # The server ended this pooled connection (restart, failover, terminated
                    # backend) while it sat idle: drop it and run the SELECT once more on a new one.
                    connection.terminate()
                    if attempt == 2:
                        raise
                finally:
                    await self._pool.release(connection)
        raise AssertionError("unreachable")

    # Reports, exports and verification may legitimately run longer than the hot path's statement
    # timeout; asyncpg waits for the server without holding the event loop, so they only need a
    # longer bound (still a bound: a database that stops answering is a 503, never a hang).
    HEAVY_STATEMENT_TIMEOUT = 60.0

    @asynccontextmanager
    async def _heavy_connection(self) -> AsyncIterator[Any]:  # an asyncpg Connection
        """A pooled connection in a read-only transaction whose statements may take the heavy bound."""
        async with (
            self._pool.acquire(timeout=self._acquire_timeout) as connection,
            connection.transaction(readonly=True),
        ):
            await connection.execute(f"SET LOCAL statement_timeout = {int(self.HEAVY_STATEMENT_TIMEOUT * 1000)}")
            yield connection

    async def fetch_heavy(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        text, values = _numbered(sql, params)
        async with self._heavy_connection() as connection:
            rows: Sequence[Row] = await connection.fetch(text, *values, timeout=self.HEAVY_STATEMENT_TIMEOUT)
            return rows

    async def stream(
        self, sql: str, params: Mapping[str, Any] | None = None, *, batch: int = 1000
    ) -> AsyncIterator[Sequence[Row]]:
        text, values = _numbered(sql, params)
        async with self._heavy_connection() as connection:
            cursor = await connection.cursor(text, *values, timeout=self.HEAVY_STATEMENT_TIMEOUT)
            while rows := await cursor.fetch(batch, timeout=self.HEAVY_STATEMENT_TIMEOUT):
                yield rows

    async def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        text, values = _numbered(sql, params)
        async with self._pool.acquire(timeout=self._acquire_timeout) as connection:
            await connection.execute(text, *values, timeout=self._statement_timeout)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), timeout=self._deadline)
        except TimeoutError:
            self._pool.terminate()

    def boolean(self, value: Any) -> bool | None:
        flag: bool | None = value  # asyncpg decodes a boolean column as bool
        return flag

    def pool_stats(self) -> tuple[int, int, int]:
        return self._pool.get_size(), self._pool.get_idle_size(), self._pool.get_max_size()


def _api_timestamp(text: str) -> str:
    """PostgreSQL's ISO output in UTC (``2021-04-19 00:00:00+00``, fraction only when non-zero) as the
    API's fixed form (``2021-04-19T00:00:00.000000Z``)."""
    day, _, time = text[:-3].partition(" ")
    clock, _, fraction = time.partition(".")
    return f"{day}T{clock}.{fraction:0<6}Z"


async def _keep_session(connection: Any) -> None:  # an asyncpg Connection
    """What a read connection needs on its way back to the pool beyond asyncpg's own housekeeping (which rolls
    back a transaction left open and drops listeners): nothing. asyncpg's default sends a reset query (RESET ALL,
    CLOSE ALL, UNLISTEN, advisory unlocks) on every release, a round trip per read; reads never change session
    state (their settings are SET LOCAL inside a transaction, their cursors close with it, they take no locks and
    listen to nothing), so there is nothing to reset."""


async def _use_text_timestamps(connection: Any) -> None:  # an asyncpg Connection
    # timestamptz arrives as PostgreSQL's own text (session in UTC) and leaves as the API's
    # string: formatting a datetime in Python per value was the largest cost of shaping a page.
    await connection.set_type_codec(
        "timestamptz", schema="pg_catalog", format="text", decoder=_api_timestamp, encoder=_timestamp_text
    )


def _timestamp_text(value: Any) -> str:
    return value if isinstance(value, str) else value.isoformat()


class OffLoopReads:
    """A view of a read backend on which every ``fetch`` runs as ``fetch_heavy`` (off the event loop)."""

    def __init__(self, reads: ReadDatabase) -> None:
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reads, name)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        return await self._reads.fetch_heavy(sql, params)


def off_loop(function: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """``function(reads, ...)`` with its queries run off the event loop: for reads that can take long
    (``as_of``), so they never stall the requests served meanwhile."""

    @functools.wraps(function)
    async def call(reads: ReadDatabase, *args: Any, **kwargs: Any) -> T:
        return await function(OffLoopReads(reads), *args, **kwargs)

    return call


def iso_date(value: Any) -> str | None:
    """A DATE column as ``YYYY-MM-DD`` whichever driver read it."""
    if isinstance(value, date):
        return value.isoformat()
    text: str | None = value  # SQLite stores a DATE as its text
    return text


async def open_reads(url: str, pool_size: int) -> ReadDatabase:
    """Open the read backend that fits ``url``."""
    if url.startswith("sqlite"):
        return SQLiteReads(url)
    return await PostgresReads.connect(url, pool_size)
