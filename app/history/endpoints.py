"""What every recorded collection's router needs to declare its history and restore endpoints.

Each collection declares them in its own router, one function per endpoint with its own docstring,
so its operation ids are found by grep; the route options and the work are shared here.
"""

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes import service
from app.changes.resources import Resource
from app.changes.schemas import ChangeRecordPublic
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.http import etag_for
from app.core.pagination import Page, json_response, page_response
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.urls import public_url


class HistoryQuery(PageQuery):
    """Sort and page of one object's history."""

    sort: str | None = sort_query(service.HISTORY, component="HistorySort")


HistoryQueryDep = Annotated[HistoryQuery, Depends(query_dependency(HistoryQuery))]


def history_route() -> dict[str, Any]:
    """The options of a ``GET .../{item_id}/history`` route."""
    return {
        "response_model": Page[ChangeRecordPublic],
        "responses": problem_responses(*READ_PROBLEMS["list"], 404),
        "openapi_extra": query_parameters(HistoryQuery),
    }


def restore_route(resource: Resource) -> dict[str, Any]:
    """The options of a ``POST .../{item_id}/restore`` route."""
    return {
        "status_code": 201,
        "response_model": resource.public,
        "responses": problem_responses(*WRITE_PROBLEMS["create"], 404),
        "dependencies": [Depends(require_editor)],
    }


async def history_response(request: Request, resource: Resource, item_id: int, query: HistoryQuery) -> Response:
    """One page of an object's change records, oldest first; 404 when none was ever recorded."""
    items, next_cursor = await service.object_history(request.app.state.reads, resource, item_id, **query.model_dump())
    return page_response(request, items, next_cursor)


def restore_response(request: Request, resource: Resource, item_id: int, session: Session) -> Response:
    """201 with the restored object, its ETag and Location."""
    from app.approvals.service import restoring  # the policy knows every domain; import it when used

    with restoring(request.state, resource.name):
        item = service.restore(session, resource, item_id)
    headers = {
        "ETag": etag_for(resource.etag, item["id"], item["version"]),
        "Location": public_url(request.url.path.removesuffix("/restore")),
    }
    return json_response(item, status_code=201, headers=headers)
