"""Alembic environment: migrates the database named by the Alembic config or INVENTORY_DATABASE_URL."""

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on the metadata)
from app.core.config import get_settings
from app.core.db import create_engine

config = context.config

# Batch migrations on SQLite reflect a table to copy it; SQLite cannot reflect the lower(...) unique
# indexes and SQLAlchemy warns on stderr (the CLI's output is JSON lines). The warning is noise here:
# a batch copy keeps the indexes of tables it does not alter, and those it alters are recreated by
# the migration itself (tests/service/test_migrations.py checks the indexes after every upgrade).
warnings.filterwarnings(
    "ignore", message="Skipped unsupported reflection of expression-based index", category=SAWarning
)
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration alters a SQLite table by copying it and dropping the old one, which fails while
        # rows of other tables refer to it (scanners to a site, idempotency records to an API key). So
        # enforcement is off while migrating, and every reference is checked before the migration commits.
        # The pragma is set on the driver's connection before any transaction: inside one SQLite ignores it.
        _foreign_keys(connection, on=False)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_references(connection)
    finally:
        if sqlite:
            _foreign_keys(connection, on=True)


def _foreign_keys(connection, *, on: bool) -> None:
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_references(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        shown = ", ".join(f"{row[0]} row {row[1]} -> {row[2]}" for row in broken[:10])
        raise RuntimeError(f"The migration would leave {len(broken)} broken reference(s): {shown}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
