"""Running Alembic migrations from code (the CLI, the service's start-up and the tests)."""

import logging
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

PROJECT_ROOT = Path(__file__).resolve().parents[2]

logger = logging.getLogger("app.migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this project's migrations against ``database_url``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


@lru_cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of the migrations shipped with this code."""
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    return frozenset(script.get_heads())


def applied_revisions(database_url: str) -> frozenset[str]:
    """The revision(s) the database is migrated to (empty for a new database)."""
    from app.core.db import get_engine

    with get_engine(database_url).connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    before = applied_revisions(database_url)
    command.upgrade(alembic_config(database_url), revision)
    from app.core.db import get_engine, refresh_statistics

    refresh_statistics(get_engine(database_url))
    after = applied_revisions(database_url)
    logger.info(
        "migrated" if before != after else "migrations already applied",
        extra={"from_revision": sorted(before) or None, "to_revision": sorted(after)},
    )


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)
