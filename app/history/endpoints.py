"""The work every recorded collection's standard endpoints share: list, item GET, create, update and delete
(one item or, in bulk, many), history and restore.

Each collection declares those endpoints in its own router, one function per endpoint with its own
docstring, so its operation ids are found by grep; the route options and the work are shared here, each
function taking the collection's ``Resource`` and the endpoint's own parameters.
"""

from functools import partial
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlmodel import Session
from starlette.responses import Response

from app.approvals.responses import bulk_update_row, create_or_hold, delete_or_hold, update_or_hold
from app.approvals.service import get_with_pending
from app.auth.dependencies import require_editor
from app.changes import service
from app.changes.resources import Resource, read_version
from app.changes.schemas import ChangeRecordPublic
from app.changes.timeline import AsOfQuery, ListFunction, parse_as_of, run_listing
from app.core.bulk import create_response, delete_rows, update_rows
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.exports import list_response
from app.core.http import created_response, etag_for, etag_matches, item_response, updated_response
from app.core.pagination import Page, json_response, page_response
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.reads import off_loop
from app.core.urls import public_url


async def list_items(
    request: Request,
    query: PageQuery,
    resource: Resource,
    listing: ListFunction[Any],
) -> Response:
    """A collection's list: one page of JSON, or (by ``Accept``) every matching item streamed as CSV or JSON
    Lines; as it stands or (``as_of``) as it stood. ``listing`` is the service's list function."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, cast(AsOfQuery, page), listing)  # noqa: E731  # list queries take as_of
    return await list_response(request, query, fetch, name=resource.name, item_model=resource.public)


async def item_get(
    request: Request, resource: Resource, item_id: int, as_of: str | None, *, pending: bool = False
) -> Response:
    """One item with its ETag, as it stands or (``as_of``) as it stood; 404 when there is none.

    A 304 when If-None-Match already names the current version is answered from the version alone,
    without reading the item. ``pending``: the item lists the change requests waiting on it."""
    reads = request.app.state.reads
    if as_of is not None:
        item = await off_loop(resource.get)(reads, item_id, parse_as_of(as_of))
        return item_response(request, resource.etag, item)
    if_none_match = request.headers.get("if-none-match")
    if if_none_match:
        version = await read_version(reads, resource, item_id)
        etag = None if version is None else etag_for(resource.etag, item_id, version)
        if etag is not None and etag_matches(if_none_match, etag):
            return Response(status_code=304, headers={"ETag": etag})
    item = await get_with_pending(reads, resource, item_id) if pending else await resource.get(reads, item_id)
    return item_response(request, resource.etag, item)


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
    """The options of a ``POST .../{item_id}/restore`` route (refused for a collection that cannot be restored)."""
    if not resource.restorable:
        raise ValueError(f"{resource.name} cannot be restored: its state spans link tables.")
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


# The writes of a collection's standard endpoints: each takes the descriptor and the endpoint's own parameters,
# so a router's write endpoint is its decorator, signature, docstring and one call.


Schema = type[BaseModel]
"""A request body's model."""


def create_item(request: Request, resource: Resource, body: BaseModel, session: Session) -> Response:
    """201 with the new item, its ETag and Location."""
    return created_response(request, resource.etag, resource.create(session, body))


def create_items(request: Request, resource: Resource, schema: Schema, body: Any, session: Session) -> Response:
    """201 with one new item (a JSON object), or with every item of a JSON array or CSV file, all or none."""
    return create_response(request, body, schema, resource.etag, partial(resource.create, session))


def update_item(
    request: Request, resource: Resource, item_id: int, body: BaseModel, session: Session, if_match: str | None
) -> Response:
    """200 with the changed item and its new ETag."""
    return updated_response(resource.etag, resource.update(session, item_id, body, if_match))


def update_items(
    request: Request, resource: Resource, schema: Schema, update_schema: Schema, body: Any, session: Session
) -> Response:
    """200 with every item of a bulk PATCH changed, all or none."""
    return update_rows(request, body, schema, update_schema, resource.etag, partial(resource.update, session))


def delete_item(request: Request, resource: Resource, item_id: int, session: Session, if_match: str | None) -> Response:
    """204 once the item is deleted."""
    resource.delete(session, item_id, if_match)
    return Response(status_code=204)


def delete_items(request: Request, resource: Resource, body: Any, session: Session) -> Response:
    """204 once every item of a bulk DELETE is deleted, all or none."""
    return delete_rows(request, body, resource.etag, partial(resource.delete, session))


# The same for collections the approval policy covers: a covered change waits for approval (202).


def create_item_or_hold(request: Request, resource: Resource, body: BaseModel, session: Session) -> Response:
    """201 with the new item, or 202 with the change request holding the create."""
    return create_or_hold(request, session, resource.name, resource.etag, body)


def update_item_or_hold(
    request: Request, resource: Resource, item_id: int, body: BaseModel, session: Session, if_match: str | None
) -> Response:
    """200 with the changed item, or 202 with the change request holding the update."""
    return update_or_hold(request, session, resource.name, resource.etag, item_id, body, if_match)


def delete_item_or_hold(
    request: Request, resource: Resource, item_id: int, session: Session, if_match: str | None
) -> Response:
    """204 once the item is deleted, or 202 with the change request holding the delete."""
    return delete_or_hold(request, session, resource.name, item_id, if_match)


def update_covered_items(
    request: Request, resource: Resource, schema: Schema, update_schema: Schema, body: Any, session: Session
) -> Response:
    """200 with every item of a bulk PATCH changed, all or none; a row the approval policy covers is refused
    unless an admin gives a reason (a bulk write is never held)."""
    update = partial(bulk_update_row, request, session, resource.name)
    return update_rows(request, body, schema, update_schema, resource.etag, update)
