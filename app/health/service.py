"""The readiness checks: the database answers, is migrated to this code's head, and the process is not draining."""

from __future__ import annotations

from typing import Any

from app.core.lifecycle import is_draining
from app.core.migrate import head_revisions
from app.core.reads import ReadDatabase


async def readiness(reads: ReadDatabase) -> dict[str, Any]:
    """The readiness report; ``status`` is ``ok`` only when every check passes."""
    try:
        rows = await reads.fetch("SELECT version_num FROM alembic_version")
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
