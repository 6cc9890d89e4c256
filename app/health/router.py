"""Liveness and readiness probes (unversioned, unauthenticated)."""

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from app.core.db import get_engine
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.faults import DatabaseUnavailable, is_database_fault
from app.core.pagination import json_response
from app.core.routing import StrictQueryRoute

router = APIRouter(prefix="/health", tags=["health"], route_class=StrictQueryRoute)


@router.get("/live", operation_id="getLiveness", responses=problem_responses())
async def live() -> Response:
    """Report that the process is up."""
    return json_response({"status": "ok"})


def _write_path_answers() -> None:
    with get_engine().connect() as connection:
        connection.execute(sa.text("SELECT 1"))


@router.get("/ready", operation_id="getReadiness", responses=problem_responses(503))
async def ready(reads: ReadsDep) -> Response:
    """Report whether the database answers on both the read and the write path; a 503 problem when it does not."""
    try:
        await reads.fetch("SELECT 1 AS ok")
        await run_in_threadpool(_write_path_answers)
    except Exception as error:
        if not is_database_fault(error):
            raise
        raise DatabaseUnavailable("The database does not answer; this instance cannot serve requests now.") from error
    return json_response({"status": "ok", "database": reads.dialect})
