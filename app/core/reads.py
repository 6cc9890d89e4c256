"""The hot read path: plain SQL on the raw drivers (sqlite3, asyncpg), no ORM.

Why: on this service's target hardware the ORM read path serves roughly a third of what the
raw drivers do (see docs/architecture.md). Reads are simple, indexed, parameterised SELECTs, so
they are written once in portable SQL with ``:name`` parameters and run on whichever driver
the configured database needs. Writes keep the ORM (SQLModel), where validation matters more
than microseconds.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

from app.core.db import format_timestamp, sqlite_path
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


class SQLiteReads:
    """Reads on one sqlite3 connection, used from the event loop's thread only.

    SQLite answers an indexed SELECT in microseconds, faster than a hop to a worker thread,
    so queries run inline. WAL mode lets them proceed while a writer holds its lock.
    """

    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        prepare_sqlite_file(sqlite_path(url))
        self._connection = sqlite3.connect(sqlite_path(url), check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA busy_timeout=10000")

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


class PostgresReads:
    """Reads on an asyncpg connection pool."""

    dialect = "postgresql"

    def __init__(self, pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, url: str, size: int) -> PostgresReads:
        import asyncpg

        dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=size,
            init=_use_text_timestamps,
            server_settings={"TimeZone": "UTC", "DateStyle": "ISO"},
        )
        return cls(pool)

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None) -> Sequence[Row]:
        text, names = to_numbered(sql)
        values = [params[name] for name in names] if names else []
        async with self._pool.acquire() as connection:
            return await connection.fetch(text, *values)

    async def close(self) -> None:
        await self._pool.close()

    def timestamp(self, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return format_timestamp(value)

    def timestamp_param(self, value: str) -> Any:
        return value

    def boolean(self, value: Any) -> bool | None:
        return value


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
