"""HTTP endpoints of audits and findings."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.approvals.schemas import ACCEPTED_RESPONSE
from app.audits import service
from app.audits.schemas import (
    AuditCreate,
    AuditDetail,
    AuditPublic,
    AuditUpdate,
    FindingCreate,
    FindingDetail,
    FindingPublic,
    FindingUpdate,
)
from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.choices import AuditStatus, FindingSeverity, FindingStatus
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import create_route, delete_route, get_route, id_field, list_route, ref_field, update_route
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    create_item_or_hold,
    delete_item,
    delete_item_or_hold,
    history_response,
    history_route,
    item_get,
    list_items,
    update_item_or_hold,
)

router = APIRouter(tags=["audits"], route_class=StrictQueryRoute)


class AuditQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of audits."""

    status: AuditStatus | None = None
    scanner: int | None = id_field("Only audits covering this scanner (by id).")
    site: str | None = ref_field("Only audits covering scanners at this site (id or code).")
    sort: str | None = sort_query(service.AUDITS)


@router.get("/audits", operation_id="listAudits", **list_route(AuditPublic, AuditQuery))
async def list_audits(
    request: Request, query: Annotated[AuditQuery, Depends(query_dependency(AuditQuery))]
) -> Response:
    """List security audits with their scope, status and stated dates."""
    return await list_items(request, query, service.AUDIT, service.list_audits)


@router.get("/audits/{audit_id}", operation_id="getAudit", **get_route(AuditDetail))
async def get_audit(request: Request, audit_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one audit by id, with its scope and the statuses it may move to next, and its pending change requests."""
    return await item_get(request, service.AUDIT, audit_id, as_of, pending=True)


@router.post("/audits", operation_id="createAudit", dependencies=EDITOR, **create_route(AuditPublic, ACCEPTED_RESPONSE))
def create_audit(request: Request, body: AuditCreate, session: SessionDep) -> Response:
    """Record an audit with its scope and dates as the source states them; a change the approval policy covers waits for approval (202)."""
    return create_item_or_hold(request, service.AUDIT, body, session)


@router.patch(
    "/audits/{audit_id}",
    operation_id="updateAudit",
    dependencies=EDITOR,
    **update_route(AuditPublic, ACCEPTED_RESPONSE),
)
def update_audit(
    request: Request, audit_id: ItemId, body: AuditUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of an audit (status one step forward only), if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_item_or_hold(request, service.AUDIT, audit_id, body, session, if_match)


@router.delete("/audits/{audit_id}", operation_id="deleteAudit", dependencies=EDITOR, **delete_route())
def delete_audit(request: Request, audit_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete an audit without findings, if If-Match names its current ETag."""
    return delete_item(request, service.AUDIT, audit_id, session, if_match)


class FindingQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of findings."""

    audit: int | None = id_field("Audit id.")
    status: FindingStatus | None = None
    severity: FindingSeverity | None = None
    scanner: int | None = id_field("Only findings concerning this scanner.")
    sort: str | None = sort_query(service.FINDINGS)


@router.get("/findings", operation_id="listFindings", **list_route(FindingPublic, FindingQuery))
async def list_findings(
    request: Request, query: Annotated[FindingQuery, Depends(query_dependency(FindingQuery))]
) -> Response:
    """List audit findings with their severity, status, due date and the scanners they concern."""
    return await list_items(request, query, service.FINDING, service.list_findings)


@router.get("/findings/{finding_id}", operation_id="getFinding", **get_route(FindingDetail))
async def get_finding(request: Request, finding_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one audit finding by id, with its pending change requests."""
    return await item_get(request, service.FINDING, finding_id, as_of, pending=True)


@router.post(
    "/findings", operation_id="createFinding", dependencies=EDITOR, **create_route(FindingPublic, ACCEPTED_RESPONSE)
)
def create_finding(request: Request, body: FindingCreate, session: SessionDep) -> Response:
    """Record a finding of an audit, concerning scanners within its scope; a change the approval policy covers waits for approval (202)."""
    return create_item_or_hold(request, service.FINDING, body, session)


@router.patch(
    "/findings/{finding_id}",
    operation_id="updateFinding",
    dependencies=EDITOR,
    **update_route(FindingPublic, ACCEPTED_RESPONSE),
)
def update_finding(
    request: Request, finding_id: ItemId, body: FindingUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a finding, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_item_or_hold(request, service.FINDING, finding_id, body, session, if_match)


@router.delete(
    "/findings/{finding_id}", operation_id="deleteFinding", dependencies=EDITOR, **delete_route(ACCEPTED_RESPONSE)
)
def delete_finding(request: Request, finding_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a finding, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_item_or_hold(request, service.FINDING, finding_id, session, if_match)


@router.get("/audits/{item_id}/history", operation_id="getAuditHistory", **history_route())
async def get_audit_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one audit, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the audit as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.AUDIT, item_id, query)


@router.get("/findings/{item_id}/history", operation_id="getFindingHistory", **history_route())
async def get_finding_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one finding, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the finding as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.FINDING, item_id, query)
