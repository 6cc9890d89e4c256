"""Database access: the SQLAlchemy engine for migrations and writes, and the URL helpers both paths share."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection, Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session
from starlette.requests import Request

from app.core.config import get_settings
from app.core.files import prepare_sqlite_file

# Constraint names are explicit so migrations and error mapping can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@functools.lru_cache(maxsize=1024)
def statement(sql: str) -> sa.TextClause:
    """``sa.text(sql)``, parsed once: ``sa.text`` finds a statement's bind parameters with a regular expression
    on every call, which for the long statements of a write (the item read back, the upkeep of maintained
    values) took about 5% of a write's CPU."""
    return sa.text(sql)


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def format_timestamp(value: datetime) -> str:
    """The one textual form of an instant used in JSON and in SQLite: RFC 3339, UTC, microseconds."""
    # isoformat pads the year to four digits; strftime's %Y does not (year 72 would sort after 2021).
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware instant: ``timestamptz`` on PostgreSQL, fixed-width RFC 3339 text on SQLite.

    The SQLite text form sorts in time order and is exactly what the API returns, so the
    read path serves it without parsing.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(27))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        if dialect.name == "sqlite":
            return format_timestamp(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.strptime(value, SQLITE_TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        instant: datetime = value  # timestamptz: the driver gives an aware datetime
        return instant.astimezone(UTC)


def sync_url(url: str) -> sa.URL:
    """The URL for the synchronous engine: psycopg 3 for PostgreSQL, the stdlib driver for SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite")
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


def sqlite_path(url: str) -> str:
    """The file path of a SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("the SQLite database must be a file (in-memory databases are not shared)")
    return database


def _configure_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(get_settings().sqlite_busy_timeout * 1000)}")
    cursor.close()


def _sqlite_begin_immediate(conn: sa.Connection) -> None:
    # Writers take the write lock up front, so read-then-write transactions never deadlock
    # on a lock upgrade; readers are unaffected under WAL.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_engines: dict[str, Engine] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process-wide synchronous engine for ``url`` (default: the configured database)."""
    url = url or get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        engine = create_engine(url)
        _engines[url] = engine
    return engine


def refresh_statistics(engine: Engine) -> None:
    """PostgreSQL: ANALYZE every table now, after migrations or a seed load.

    Autovacuum analyses a small table only after enough rows changed, so a freshly migrated and
    seeded database would be planned on default estimates (which once made the reports' queries
    look costly enough to JIT-compile, seconds per request). SQLite needs nothing here.
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
        connection.commit()


def create_engine(url: str) -> Engine:
    """A new synchronous engine with this project's connection settings."""
    target = sync_url(url)
    if target.get_backend_name() == "sqlite":
        prepare_sqlite_file(sqlite_path(url))
        engine = sa.create_engine(
            target,
            connect_args={
                "check_same_thread": False,
                "timeout": get_settings().sqlite_busy_timeout,
                "isolation_level": None,
            },
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    from app.core.postgres import postgres_engine  # the driver is loaded only for PostgreSQL

    return postgres_engine(target, get_settings())


def sqlite_reader_engine(url: str) -> Engine:
    """A synchronous SQLite engine for a background reader (the webhook worker's polls): statements run
    in the driver's autocommit, without ``BEGIN IMMEDIATE``, so reading never takes the write lock that
    the API's writers queue for (under WAL a reader runs beside them)."""
    engine = sa.create_engine(
        sync_url(url),
        connect_args={
            "check_same_thread": False,
            "timeout": get_settings().sqlite_busy_timeout,
            "isolation_level": None,
        },
    )
    event.listen(engine, "connect", _configure_sqlite)
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (used at shutdown and between tests)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def before_commit(request: Request, hook: Callable[[Session], None]) -> None:
    """Run ``hook(session)`` in the request's transaction just before it commits (not when it rolls back)."""
    request.state.before_commit = [*getattr(request.state, "before_commit", ()), hook]


def after_commit(request: Request, hook: Callable[[], None]) -> None:
    """Run ``hook()`` once the request's transaction has committed (not when it rolls back)."""
    request.state.after_commit = [*getattr(request.state, "after_commit", ()), hook]


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: the one transaction boundary of the write path.

    Used with ``scope="function"`` (see ``SessionDep``), so it commits when the endpoint
    returns and before the response is sent: a client never sees success for a change that was
    not stored. Any exception rolls everything back. Hooks registered with ``before_commit``
    write in the same transaction (the idempotency record of a POST), so they are stored
    exactly when the change is; ``after_commit`` hooks run once it is stored.
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        for hook in getattr(request.state, "before_commit", ()):
            hook(session)
        session.commit()
        for done in getattr(request.state, "after_commit", ()):
            done()
