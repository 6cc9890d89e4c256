"""The HTTP side of a write the approval policy may cover: the direct answer (201, 200, 204) when it
applied, or ``202 Accepted`` with the change request (and its ``Location``) when it is held."""

from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlmodel import Session
from starlette.responses import Response

from app.approvals.service import RESOURCE, Held, write
from app.core.choices import ChangeRequestOperation
from app.core.http import created_response, etag_for, updated_response
from app.core.pagination import json_response
from app.core.urls import public_url

API_PREFIX = "/api/v1"


def _asks_approval(request: Request) -> bool:
    """Whether the client prefers the change held for approval (RFC 7240 ``Prefer: respond-async``); an admin's
    covered write otherwise applies at once as an emergency change."""
    return any(
        token.strip().lower() == "respond-async"
        for value in request.headers.getlist("prefer")
        for token in value.split(",")
    )


def held_response(item: dict[str, Any]) -> Response:
    """202 with the change request, its ETag and its Location."""
    headers = {
        "ETag": etag_for(RESOURCE, item["id"], item["version"]),
        "Location": public_url(f"{API_PREFIX}/change-requests/{item['id']}"),
    }
    return json_response(item, status_code=202, headers=headers)


def create_or_hold(request: Request, session: Session, collection: str, resource: str, body: BaseModel) -> Response:
    """Create through the collection's service, or hold the create for approval."""
    ask = _asks_approval(request)
    result = write(request.state, session, collection, ChangeRequestOperation.CREATE, None, body, None, ask=ask)
    return held_response(result.item) if isinstance(result, Held) else created_response(request, resource, result)


def update_or_hold(
    request: Request,
    session: Session,
    collection: str,
    resource: str,
    item_id: int,
    body: BaseModel,
    if_match: str | None,
) -> Response:
    """Update through the collection's service, or hold the update for approval."""
    ask = _asks_approval(request)
    result = write(request.state, session, collection, ChangeRequestOperation.UPDATE, item_id, body, if_match, ask=ask)
    return held_response(result.item) if isinstance(result, Held) else updated_response(resource, result)


def delete_or_hold(request: Request, session: Session, collection: str, item_id: int, if_match: str | None) -> Response:
    """Delete through the collection's service, or hold the delete for approval."""
    ask = _asks_approval(request)
    result = write(request.state, session, collection, ChangeRequestOperation.DELETE, item_id, None, if_match, ask=ask)
    return held_response(result.item) if isinstance(result, Held) else Response(status_code=204)


def bulk_update_row(
    request: Request, session: Session, collection: str, item_id: int, body: BaseModel, if_match: str | None
) -> Any:
    """One row of a bulk update: applied directly; a covered row is refused unless an admin gives a reason."""
    return write(request.state, session, collection, ChangeRequestOperation.UPDATE, item_id, body, if_match, bulk=True)
