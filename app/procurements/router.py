"""HTTP endpoints of procurements."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.choices import QuickscanStatus
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
from app.procurements import service
from app.procurements.schemas import ProcurementCreate, ProcurementPublic, ProcurementUpdate

router = APIRouter(prefix="/procurements", tags=["procurements"], route_class=StrictQueryRoute)


class ProcurementQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of procurements."""

    vendor: str | None = ref_field("Vendor id or slug, e.g. `nuctech`.")
    scanner: int | None = id_field("Only procurements that bought this scanner.")
    national_security_quickscan: QuickscanStatus | None = None
    sort: str | None = sort_query(service.PROCUREMENTS)


@router.get("", operation_id="listProcurements", **list_route(ProcurementPublic, ProcurementQuery))
async def list_procurements(
    request: Request, query: Annotated[ProcurementQuery, Depends(query_dependency(ProcurementQuery))]
) -> Response:
    """List procurements with the checks made before each purchase and the scanners it bought."""
    return await list_items(request, query, service.PROCUREMENT, service.list_procurements)


@router.get("/{procurement_id}", operation_id="getProcurement", **get_route(ProcurementPublic))
async def get_procurement(request: Request, procurement_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one procurement by id, with the scanners it bought."""
    return await item_get(request, service.PROCUREMENT, procurement_id, as_of)


@router.post("", operation_id="createProcurement", dependencies=EDITOR, **create_route(ProcurementPublic))
def create_procurement(request: Request, body: ProcurementCreate, session: SessionDep) -> Response:
    """Record a procurement and the scanners it bought."""
    return create_item(request, service.PROCUREMENT, body, session)


@router.patch(
    "/{procurement_id}", operation_id="updateProcurement", dependencies=EDITOR, **update_route(ProcurementPublic)
)
def update_procurement(
    request: Request, procurement_id: ItemId, body: ProcurementUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a procurement, if If-Match names its current ETag."""
    return update_item(request, service.PROCUREMENT, procurement_id, body, session, if_match)


@router.delete("/{procurement_id}", operation_id="deleteProcurement", dependencies=EDITOR, **delete_route())
def delete_procurement(
    request: Request, procurement_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a procurement record (the scanners it bought stay), if If-Match names its current ETag."""
    return delete_item(request, service.PROCUREMENT, procurement_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getProcurementHistory", **history_route())
async def get_procurement_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one procurement, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the procurement as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.PROCUREMENT, item_id, query)
