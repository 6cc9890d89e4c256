"""HTTP endpoints of operators."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.choices import Answer, OperatorKind, ScanDirection
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
from app.operators import service
from app.operators.schemas import OperatorCreate, OperatorPublic, OperatorUpdate

router = APIRouter(prefix="/operators", tags=["operators"], route_class=StrictQueryRoute)


class OperatorQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of operators."""

    kind: OperatorKind | None = None
    code: str | None = ref_field("Exact operator code.")
    uses_nuctech: Answer | None = None
    scan_direction: ScanDirection | None = None
    site: str | None = ref_field("Only operators at this site (id or code).")
    scanner: int | None = id_field("Only operators of this scanner.")
    sort: str | None = sort_query(service.OPERATORS)


@router.get("", operation_id="listOperators", **list_route(OperatorPublic, OperatorQuery))
async def list_operators(
    request: Request, query: Annotated[OperatorQuery, Depends(query_dependency(OperatorQuery))]
) -> Response:
    """List the organisations that operate scanners and sites, and what the source says of those it does not name."""
    return await list_items(request, query, service.OPERATOR, service.list_operators)


@router.get("/{operator_id}", operation_id="getOperator", **get_route(OperatorPublic))
async def get_operator(request: Request, operator_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one operator by id, with the sites and scanners it operates."""
    return await item_get(request, service.OPERATOR, operator_id, as_of)


@router.post("", operation_id="createOperator", dependencies=EDITOR, **create_route(OperatorPublic))
def create_operator(request: Request, body: OperatorCreate, session: SessionDep) -> Response:
    """Record an operator and the sites and scanners it operates; its code must be unique."""
    return create_item(request, service.OPERATOR, body, session)


@router.patch("/{operator_id}", operation_id="updateOperator", dependencies=EDITOR, **update_route(OperatorPublic))
def update_operator(
    request: Request, operator_id: ItemId, body: OperatorUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of an operator, if If-Match names its current ETag."""
    return update_item(request, service.OPERATOR, operator_id, body, session, if_match)


@router.delete("/{operator_id}", operation_id="deleteOperator", dependencies=EDITOR, **delete_route())
def delete_operator(request: Request, operator_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete an operator record (the sites and scanners stay), if If-Match names its current ETag."""
    return delete_item(request, service.OPERATOR, operator_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getOperatorHistory", **history_route())
async def get_operator_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one operator, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the operator as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.OPERATOR, item_id, query)
