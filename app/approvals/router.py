"""HTTP endpoints of change requests: listing, reading, and deciding on them."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.approvals import service
from app.approvals.dependencies import ChangeRequestDep
from app.approvals.schemas import ChangeRequestPublic, ChangeRequestRejection
from app.auth.dependencies import is_admin, require_approver, require_editor
from app.core.choices import ChangeRequestState
from app.core.constraints import COLLECTION_PATTERN
from app.core.context import current_context
from app.core.db import after_commit
from app.core.deps import SessionDep
from app.core.errors import problem_error_response, problem_responses
from app.core.exports import list_response
from app.core.http import MAX_ID, item_response, updated_response
from app.core.params import DigitsOnly, IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import get_route, list_route
from app.core.routing import StrictQueryRoute

router = APIRouter(prefix="/change-requests", tags=["change-requests"], route_class=StrictQueryRoute)

DECISION_PROBLEMS = (401, 403, 404, 409, 412, 413, 415, 422, 428)
DECISION_ROUTE: dict[str, Any] = {
    "response_model": ChangeRequestPublic,
    "responses": problem_responses(*DECISION_PROBLEMS),
}
"""The contract of a decision on a change request: the request as it now is, or the problem that closed it."""


class ChangeRequestQuery(PageQuery):
    """Filters, sort and page of the change-request listing."""

    state: ChangeRequestState | None = Field(
        default=None, description="Only requests in this state (a pending request past its expiry is `expired`)."
    )
    collection: str | None = Field(
        default=None, max_length=64, pattern=COLLECTION_PATTERN, description="Only requests on this collection."
    )
    target_id: Annotated[int, Field(ge=1, le=MAX_ID), DigitsOnly] | None = Field(
        default=None, description="Only requests on the object with this id (with `collection`)."
    )
    author_key_id: Annotated[int, Field(ge=1, le=MAX_ID), DigitsOnly] | None = Field(
        default=None, description="Only requests made with this API key."
    )
    sort: str | None = sort_query(service.CHANGE_REQUESTS)


def _answer(request: Request, decision: service.Decision) -> Response:
    if decision.item["collection"] == "api-keys" and decision.item["target_id"] is not None:
        # An approved change of a key takes effect at once in this process (others: within the key cache's 5 s).
        after_commit(request, partial(request.app.state.key_cache.forget, decision.item["target_id"]))
    if decision.problem is None:
        return updated_response(service.RESOURCE, decision.item)
    # The request's new state (stale, expired) is stored: this answer commits it.
    return problem_error_response(request, decision.problem)


@router.get("", operation_id="listChangeRequests", **list_route(ChangeRequestPublic, ChangeRequestQuery))
async def list_change_requests(
    request: Request, query: Annotated[ChangeRequestQuery, Depends(query_dependency(ChangeRequestQuery))]
) -> Response:
    """List change requests, newest last, filtered by state, collection, target or author."""
    reads, admin = request.app.state.reads, is_admin(request)
    fetch = lambda page: service.list_change_requests(reads, admin=admin, **page.model_dump())  # noqa: E731
    return await list_response(request, query, fetch, name="change-requests", item_model=ChangeRequestPublic)


@router.get("/{change_request_id}", operation_id="getChangeRequest", **get_route(ChangeRequestPublic))
async def get_change_request(request: Request, change_request: ChangeRequestDep) -> Response:
    """Get one change request by id: what it would change, who asked, and its state."""
    return item_response(request, service.RESOURCE, change_request)


@router.post(
    "/{change_request_id}/approve",
    operation_id="approveChangeRequest",
    **DECISION_ROUTE,
    dependencies=[Depends(require_approver)],
)
def approve_change_request(
    request: Request, change_request_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Approve a pending change request of someone else's and apply it now, if If-Match names its current ETag; a stale one is a 409."""
    decision = service.approve(session, request.state, change_request_id, if_match, current_context().reason)
    return _answer(request, decision)


@router.post(
    "/{change_request_id}/reject",
    operation_id="rejectChangeRequest",
    **DECISION_ROUTE,
    dependencies=[Depends(require_approver)],
)
def reject_change_request(
    request: Request,
    change_request_id: ItemId,
    body: ChangeRequestRejection,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Reject a pending change request of someone else's with a reason, if If-Match names its current ETag; nothing changes."""
    return _answer(request, service.reject(session, request.state, change_request_id, if_match, body.reason))


@router.post(
    "/{change_request_id}/withdraw",
    operation_id="withdrawChangeRequest",
    **DECISION_ROUTE,
    dependencies=[Depends(require_editor)],
)
def withdraw_change_request(
    request: Request, change_request_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Withdraw your own pending change request (an admin: anyone's), if If-Match names its current ETag; nothing changes."""
    decision = service.withdraw(session, request.state, change_request_id, if_match, current_context().reason)
    return _answer(request, decision)
