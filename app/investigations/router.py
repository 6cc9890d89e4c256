"""HTTP endpoints of investigations."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.choices import InvestigationStatus
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import create_route, delete_route, get_route, id_field, list_route, ref_field, update_route
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    create_item,
    delete_item,
    history_response,
    history_route,
    item_get,
    list_items,
    update_item,
)
from app.investigations import service
from app.investigations.schemas import InvestigationCreate, InvestigationPublic, InvestigationUpdate

router = APIRouter(prefix="/investigations", tags=["investigations"], route_class=StrictQueryRoute)


class InvestigationQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of investigations."""

    status: InvestigationStatus | None = None
    vendor: str | None = ref_field("Vendor id or slug, e.g. `nuctech`.")
    scanner: int | None = id_field("Only investigations that concern this scanner.")
    sort: str | None = sort_query(service.INVESTIGATIONS)


@router.get("", operation_id="listInvestigations", **list_route(InvestigationPublic, InvestigationQuery))
async def list_investigations(
    request: Request, query: Annotated[InvestigationQuery, Depends(query_dependency(InvestigationQuery))]
) -> Response:
    """List announced and running research: who, scope, status as of its source, expected results."""
    return await list_items(request, query, service.INVESTIGATION, service.list_investigations)


@router.get("/{investigation_id}", operation_id="getInvestigation", **get_route(InvestigationPublic))
async def get_investigation(request: Request, investigation_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one investigation by id, with the vendors and scanners it concerns."""
    return await item_get(request, service.INVESTIGATION, investigation_id, as_of)


@router.post("", operation_id="createInvestigation", dependencies=EDITOR, **create_route(InvestigationPublic))
def create_investigation(request: Request, body: InvestigationCreate, session: SessionDep) -> Response:
    """Record an investigation and the vendors and scanners it concerns; its title must be unique."""
    return create_item(request, service.INVESTIGATION, body, session)


@router.patch(
    "/{investigation_id}", operation_id="updateInvestigation", dependencies=EDITOR, **update_route(InvestigationPublic)
)
def update_investigation(
    request: Request, investigation_id: ItemId, body: InvestigationUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of an investigation, if If-Match names its current ETag."""
    return update_item(request, service.INVESTIGATION, investigation_id, body, session, if_match)


@router.delete("/{investigation_id}", operation_id="deleteInvestigation", dependencies=EDITOR, **delete_route())
def delete_investigation(
    request: Request, investigation_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete an investigation record (the vendors and scanners stay), if If-Match names its current ETag."""
    return delete_item(request, service.INVESTIGATION, investigation_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getInvestigationHistory", **history_route())
async def get_investigation_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one investigation, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the investigation as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.INVESTIGATION, item_id, query)
