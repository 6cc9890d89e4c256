"""Running Alembic migrations from code (the CLI, the service's start-up and the tests).

Alembic (with Mako and Pygments) is imported only by the functions that migrate: a serving worker
needs just the head revision for its readiness check, which ``head_revisions`` reads from the
migration files' ``revision``/``down_revision`` lines (a test compares it with Alembic's answer).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]

logger = logging.getLogger("app.migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config for this project's migrations against ``database_url``."""
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([0-9A-Za-z_]+)[\"']")


@lru_cache
def head_revisions() -> frozenset[str]:
    """The newest revision(s) of the migrations shipped with this code: those no migration revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        for name, values in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else revised).update(_QUOTED.findall(values))
    return frozenset(revisions - revised)


def applied_revisions(database_url: str) -> frozenset[str]:
    """The revision(s) the database is migrated to (empty for a new database)."""
    from app.core.db import get_engine

    with get_engine(database_url).connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return frozenset()
        return frozenset(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    from alembic import command

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
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)
