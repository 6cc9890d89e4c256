"""``GET /metrics``: Prometheus exposition (not part of the API contract, so not in the OpenAPI document)."""

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.auth.dependencies import _bearer_token
from app.core.config import get_settings
from app.metrics import service

router = APIRouter(include_in_schema=False)


@router.get("/metrics", operation_id="getMetrics")
async def metrics(request: Request) -> Response:
    """The service's metrics for Prometheus; needs the metrics token or an admin API key."""
    state = request.app.state
    token = _bearer_token(request)
    request.state.principal = await service.check_reader(
        state.reads, state.key_cache, token, get_settings().metrics_token
    )
    body, media_type = await service.exposition(state.reads, request.headers.get("accept"))
    return Response(body, headers={"Content-Type": media_type})
