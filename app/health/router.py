"""Liveness and readiness probes (unversioned, unauthenticated)."""

from fastapi import APIRouter
from starlette.responses import Response

from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.faults import retry_after_seconds
from app.core.pagination import json_response
from app.core.routing import StrictQueryRoute
from app.health import service
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
            "description": "Not ready: the database does not answer, is not migrated to this code's newest "
            "revision, or the process is draining after SIGTERM. The body says which.",
            "content": {
                "application/json": {
                    "example": {
                        "status": "unavailable",
                        "database": "unreachable",
                        "migrations": "unknown",
                        "draining": False,
                    }
                }
            },
        },
    },
)
async def ready(reads: ReadsDep) -> Response:
    """Report whether this process should receive traffic: 200 when ready, 503 (same body shape) when not."""
    report = await service.readiness(reads)
    if report["status"] == "ok":
        return json_response(report)
    return json_response(report, status_code=503, headers={"Retry-After": str(retry_after_seconds())})
