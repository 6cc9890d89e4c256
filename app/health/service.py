"""The readiness checks: the database answers, is migrated to this code's head, and the process is not draining."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.concurrency import run_in_threadpool

from app.core.db import get_engine
from app.core.lifecycle import is_draining
from app.core.migrate import head_revisions
from app.core.reads import ReadDatabase


def _write_path_answers() -> None:
    with get_engine().connect() as connection:
        connection.execute(sa.text("SELECT 1"))


async def readiness(reads: ReadDatabase) -> dict[str, Any]:
    """The readiness report; ``status`` is ``ok`` only when every check passes.

    Both paths to the database are checked: the read pool and the write engine (their timeouts
    bound each check, so a database that does not answer gives ``unreachable``, never a hang).
    """
    try:
        rows = await reads.fetch("SELECT version_num FROM alembic_version")
        await run_in_threadpool(_write_path_answers)
    except Exception:  # any driver failure (or no version table) means "not ready"
        database, migrations = "unreachable", "unknown"
        try:
            await reads.fetch("SELECT 1 AS ok")
            database, migrations = reads.dialect, "behind"  # it answers, but was never migrated
        except Exception:
            pass
    else:
        database = reads.dialect
        migrations = "current" if {row["version_num"] for row in rows} == head_revisions() else "behind"
    draining = is_draining()
    ready = database != "unreachable" and migrations == "current" and not draining
    return {
        "status": "ok" if ready else "unavailable",
        "database": database,
        "migrations": migrations,
        "draining": draining,
    }
