"""HTTP endpoints of networks."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes.timeline import AsOfQuery, run_listing
from app.core.choices import NetworkKind
from app.core.constraints import REF_PATTERN
from app.core.deps import SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.exports import EXPORT_RESPONSE, list_response
from app.core.http import created_response, item_response, updated_response
from app.core.pagination import Page
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.reads import off_loop
from app.core.routing import StrictQueryRoute
from app.networks import service
from app.networks.dependencies import NetworkDep
from app.networks.schemas import NetworkCreate, NetworkPublic, NetworkUpdate

router = APIRouter(prefix="/networks", tags=["networks"], route_class=StrictQueryRoute)


class NetworkQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the network listing."""

    kind: NetworkKind | None = None
    code: str | None = Field(default=None, max_length=64, pattern=REF_PATTERN, description="Exact network code.")
    sort: str | None = sort_query(service.NETWORKS)


@router.get(
    "",
    operation_id="listNetworks",
    response_model=Page[NetworkPublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
    openapi_extra=query_parameters(NetworkQuery),
)
async def list_networks(
    request: Request, query: Annotated[NetworkQuery, Depends(query_dependency(NetworkQuery))]
) -> Response:
    """List the closed networks that scanners are linked into."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, page, service.list_networks, off_loop(service.list_networks_as_of))  # noqa: E731
    return await list_response(request, query, fetch, name="networks", item_model=NetworkPublic)


@router.get(
    "/{network_id}",
    operation_id="getNetwork",
    response_model=NetworkPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_network(request: Request, network: NetworkDep) -> Response:
    """Get one network by id."""
    return item_response(request, "network", network)


@router.post(
    "",
    status_code=201,
    operation_id="createNetwork",
    response_model=NetworkPublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_network(request: Request, body: NetworkCreate, session: SessionDep) -> Response:
    """Create a network; its code must be unique."""
    return created_response(request, "network", service.create_network(session, body))


@router.patch(
    "/{network_id}",
    operation_id="updateNetwork",
    response_model=NetworkPublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_network(network_id: ItemId, body: NetworkUpdate, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent of a network, if If-Match names its current ETag."""
    return updated_response("network", service.update_network(session, network_id, body, if_match))


@router.delete(
    "/{network_id}",
    status_code=204,
    operation_id="deleteNetwork",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_network(network_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a network no scanner is linked into, if If-Match names its current ETag."""
    service.delete_network(session, network_id, if_match)
    return Response(status_code=204)
