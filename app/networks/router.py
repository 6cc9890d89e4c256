"""HTTP endpoints of networks."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.core.choices import NetworkKind
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.http import item_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import sort_query
from app.core.routing import StrictQueryRoute
from app.networks import service
from app.networks.dependencies import NetworkDep
from app.networks.schemas import NetworkPublic

router = APIRouter(prefix="/networks", tags=["networks"], route_class=StrictQueryRoute)


@router.get("", operation_id="listNetworks", response_model=Page[NetworkPublic], responses=problem_responses(400, 422))
async def list_networks(
    request: Request,
    reads: ReadsDep,
    kind: NetworkKind | None = None,
    code: Annotated[str | None, Query(max_length=64, description="Exact network code.")] = None,
    sort: Annotated[str | None, sort_query(service.NETWORKS)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Response:
    """List the closed networks that scanners are linked into."""
    items, next_cursor = await service.list_networks(
        reads, kind=kind, code=code, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/{network_id}", operation_id="getNetwork", response_model=NetworkPublic, responses=problem_responses(404, 422)
)
async def get_network(request: Request, network: NetworkDep) -> Response:
    """Get one network by id."""
    return item_response(request, "network", network)
