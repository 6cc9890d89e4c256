"""HTTP endpoints of the change log, per-object history and restore."""

from enum import Enum
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.responses import Response, StreamingResponse

from app.auth.dependencies import is_admin, require_admin
from app.changes import service, verification
from app.changes.schemas import ChainVerification, ChainWalkLine, ChangePage, ChangeRecordPublic
from app.changes.timeline import parse_instant
from app.core.choices import ChangeAction
from app.core.constraints import COLLECTION_PATTERN
from app.core.deps import ReadsDep
from app.core.errors import READ_PROBLEMS, problem_responses
from app.core.http import MAX_ID
from app.core.pagination import json_response
from app.core.params import DigitsOnly, ItemId
from app.core.query import INSTANT, PageQuery, query_dependency, query_parameters, sort_query
from app.core.routing import StrictQueryRoute
from app.core.urls import with_query_params

# The change log's own operations are tagged "history"; each collection's history and restore only
# with its collection's tag (listed twice, the operations made Swagger UI stop drawing the page).
LOG_TAGS: list[str | Enum] = ["history"]
router = APIRouter(route_class=StrictQueryRoute, tags=LOG_TAGS)

InstantParam = Annotated[str | None, Query(max_length=64, description="RFC 3339 timestamp with a timezone.")]


class ChangeQuery(PageQuery):
    """Filters, sort and page of the change log."""

    object_type: str | None = Field(
        default=None, max_length=64, pattern=COLLECTION_PATTERN, description="Collection, e.g. `scanners`."
    )
    object_id: Annotated[int, Field(ge=1, le=MAX_ID), DigitsOnly] | None = Field(
        default=None, description="Object id (with object_type)."
    )
    action: ChangeAction | None = None
    api_key_id: Annotated[int, Field(ge=1, le=MAX_ID), DigitsOnly] | None = Field(
        default=None, description="Only changes made with this API key."
    )
    request_id: str | None = Field(default=None, max_length=128, description="Only changes of this request.")
    since: str | None = Field(
        default=None, max_length=64, description="Recorded at or after (RFC 3339).", json_schema_extra=INSTANT
    )
    until: str | None = Field(
        default=None, max_length=64, description="Recorded before (RFC 3339).", json_schema_extra=INSTANT
    )
    sort: str | None = sort_query(service.CHANGES)
    after: Annotated[int, Field(ge=0, le=MAX_ID), DigitsOnly] | None = Field(
        default=None,
        description="The change feed: only records with an id greater than this, in commit (id) order, and a "
        "`position` to pass here next time. `0` starts at the first record. Only with `sort` `id` (the default).",
        examples=[1],
    )
    wait: Annotated[int, Field(ge=0, le=service.MAX_WAIT_SECONDS), DigitsOnly] = Field(
        default=0,
        description=f"With `after`: when nothing matches yet, wait up to this many seconds (at most "
        f"{service.MAX_WAIT_SECONDS}) and answer as soon as a matching record is committed (long polling).",
        examples=[20],
    )


@router.get(
    "/changes",
    operation_id="listChanges",
    response_model=ChangePage,
    responses=problem_responses(*READ_PROBLEMS["list"]),
    openapi_extra=query_parameters(ChangeQuery),
)
async def list_changes(
    request: Request, query: Annotated[ChangeQuery, Depends(query_dependency(ChangeQuery))]
) -> Response:
    """List recorded changes, oldest first, filtered by object, action, API key, request or time; with `after`, follow them as a feed (records of API keys: admin keys only). No `as_of`: records never change once written; `since` and `until` select them by time."""
    params = query.model_dump()
    params["since"] = parse_instant(query.since, "since")
    params["until"] = parse_instant(query.until, "until")
    items, next_cursor, position = await service.read_changes(
        request.app.state.reads, **params, admin=is_admin(request)
    )
    body = {"items": items, "next_cursor": next_cursor, "position": position}
    if query.after is None:
        return json_response(body, headers=_next(request, cursor=next_cursor))
    return json_response(body, headers=_next(request, after=str(position)))


def _next(request: Request, **params: str | None) -> dict[str, str]:
    """A ``Link: rel="next"`` header to the request with ``params`` set, when they have a value."""
    given = {name: value for name, value in params.items() if value is not None}
    if len(given) < len(params):
        return {}
    return {"Link": f'<{with_query_params(request, **given)}>; rel="next"'}


@router.get(
    "/changes/verify",
    operation_id="verifyChanges",
    response_model=ChainVerification,
    responses=problem_responses(401, 403),
)
async def verify_changes(request: Request, reads: ReadsDep) -> Response:
    """Check the hash chain from the newest signed checkpoint to the head, then advance the checkpoint."""
    return json_response(await verification.verify_routine(reads, admin=is_admin(request)))


NDJSON = "application/x-ndjson"


@router.get(
    "/changes/verify/full",
    operation_id="verifyChangesFull",
    response_model=ChainWalkLine,
    responses={
        **problem_responses(401, 403),
        200: {
            "description": "JSON Lines: a progress line every 50,000 records, then one line with the result.",
            "content": {NDJSON: {"schema": {"$ref": "#/components/schemas/ChainWalkLine"}}},
        },
    },
    dependencies=[Depends(require_admin)],
)
async def verify_changes_full(reads: ReadsDep) -> StreamingResponse:
    """Re-hash the whole change log from its first record (admin), streamed as JSON Lines with progress."""

    async def lines():
        async for line in verification.verify_full(reads):
            yield orjson.dumps(line) + b"\n"

    return StreamingResponse(lines(), media_type=NDJSON)


@router.get(
    "/changes/{change_id}",
    operation_id="getChange",
    response_model=ChangeRecordPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_change(request: Request, change_id: ItemId, reads: ReadsDep) -> Response:
    """Get one change record by id (records of API keys: admin keys only)."""
    return json_response(await service.get_change(reads, change_id, admin=is_admin(request)))
