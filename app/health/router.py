"""Liveness and readiness probes (unversioned, unauthenticated)."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.pagination import json_response
from app.core.routing import StrictQueryRoute

router = APIRouter(prefix="/health", tags=["health"], route_class=StrictQueryRoute)


@router.get("/live", operation_id="getLiveness", responses=problem_responses())
async def live() -> Response:
    """Report that the process is up."""
    return json_response({"status": "ok"})


@router.get("/ready", operation_id="getReadiness", responses=problem_responses(503))
async def ready(reads: ReadsDep) -> Response:
    """Report whether the database answers; 503 when it does not."""
    try:
        await reads.fetch("SELECT 1 AS ok")
    except Exception:  # any driver failure means "not ready"
        return json_response({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return json_response({"status": "ok", "database": reads.dialect})
