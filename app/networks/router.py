"""HTTP endpoints of networks."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.bulk import ItemVersion, accepts_csv, bulk_body, create_body
from app.core.choices import NetworkKind
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import (
    bulk_create_route,
    bulk_update_route,
    delete_route,
    get_route,
    list_route,
    ref_field,
    update_route,
)
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    create_items,
    delete_item,
    delete_items,
    history_response,
    history_route,
    item_get,
    list_items,
    restore_response,
    restore_route,
    update_item,
    update_items,
)
from app.networks import service
from app.networks.schemas import NetworkBulkUpdate, NetworkCreate, NetworkPublic, NetworkUpdate

EXAMPLE_CSV = "code,name,kind\nmaasvlakte-fibre-2,Second closed fibre network to Maasvlakte,closed_fibre\n"

router = APIRouter(prefix="/networks", tags=["networks"], route_class=StrictQueryRoute)


class NetworkQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the network listing."""

    kind: NetworkKind | None = None
    code: str | None = ref_field("Exact network code.")
    sort: str | None = sort_query(service.NETWORKS)


@router.get("", operation_id="listNetworks", **list_route(NetworkPublic, NetworkQuery))
async def list_networks(
    request: Request, query: Annotated[NetworkQuery, Depends(query_dependency(NetworkQuery))]
) -> Response:
    """List the closed networks that scanners are linked into."""
    return await list_items(request, query, service.NETWORK, service.list_networks)


@router.get("/{network_id}", operation_id="getNetwork", **get_route(NetworkPublic))
async def get_network(request: Request, network_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one network by id."""
    return await item_get(request, service.NETWORK, network_id, as_of)


@router.post(
    "",
    operation_id="createNetwork",
    dependencies=EDITOR,
    **bulk_create_route(NetworkPublic, NetworkCreate, EXAMPLE_CSV),
)
@accepts_csv
def create_network(request: Request, body: create_body(NetworkCreate), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Create a network; its code must be unique; a JSON array or a CSV file creates many, all or none."""
    return create_items(request, service.NETWORK, NetworkCreate, body, session)


@router.patch("", operation_id="updateNetworks", dependencies=EDITOR, **bulk_update_route(NetworkPublic))
def update_networks(request: Request, body: bulk_body(NetworkBulkUpdate, "change"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Change many networks, each named by id with its current version or ETag: all of them or none."""
    return update_items(request, service.NETWORK, NetworkBulkUpdate, NetworkUpdate, body, session)


@router.delete("", operation_id="deleteNetworks", dependencies=EDITOR, **delete_route())
def delete_networks(request: Request, body: bulk_body(ItemVersion, "delete"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Delete many networks, each named by id with its current version or ETag: all of them or none."""
    return delete_items(request, service.NETWORK, body, session)


@router.patch("/{network_id}", operation_id="updateNetwork", dependencies=EDITOR, **update_route(NetworkPublic))
def update_network(
    request: Request, network_id: ItemId, body: NetworkUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a network, if If-Match names its current ETag."""
    return update_item(request, service.NETWORK, network_id, body, session, if_match)


@router.delete("/{network_id}", operation_id="deleteNetwork", dependencies=EDITOR, **delete_route())
def delete_network(request: Request, network_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a network no scanner is linked into, if If-Match names its current ETag."""
    return delete_item(request, service.NETWORK, network_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getNetworkHistory", **history_route())
async def get_network_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one network, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the network as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.NETWORK, item_id, query)


@router.post("/{item_id}/restore", operation_id="restoreNetwork", **restore_route(service.NETWORK))
def restore_network(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted network from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.NETWORK, item_id, session)
