"""Liveness and readiness probes (unversioned, unauthenticated)."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.pagination import json_response
from app.core.routing import StrictQueryRoute
from app.health.schemas import Liveness, Readiness

router = APIRouter(prefix="/health", tags=["health"], route_class=StrictQueryRoute)


@router.get("/live", operation_id="getLiveness", response_model=Liveness, responses=problem_responses(422))
async def live() -> Response:
    """Report that the process is up."""
    return json_response({"status": "ok"})


@router.get(
    "/ready",
    operation_id="getReadiness",
    response_model=Readiness,
    responses={
        **problem_responses(422),
        503: {
            "model": Readiness,
            "description": "Not ready: the database does not answer. The body says so.",
            "content": {"application/json": {"example": {"status": "unavailable", "database": "unreachable"}}},
        },
    },
)
async def ready(reads: ReadsDep) -> Response:
    """Report whether the database answers; 503 when it does not."""
    try:
        await reads.fetch("SELECT 1 AS ok")
    except Exception:  # any driver failure means "not ready"
        return json_response({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return json_response({"status": "ok", "database": reads.dialect})
