"""HTTP endpoints of the change log, per-object history and restore."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes import service
from app.changes.schemas import ChainVerification, ChangeRecordPublic
from app.changes.timeline import parse_instant
from app.core.choices import ChangeAction
from app.core.deps import ReadsDep, SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.http import MAX_ID, etag_for
from app.core.pagination import CursorParam, LimitParam, Page, json_response, page_response
from app.core.params import ItemId, sort_query
from app.core.routing import StrictQueryRoute

router = APIRouter(tags=["history"], route_class=StrictQueryRoute)

InstantParam = Annotated[str | None, Query(max_length=64, description="RFC 3339 timestamp with a timezone.")]


@router.get(
    "/changes",
    operation_id="listChanges",
    response_model=Page[ChangeRecordPublic],
    responses=problem_responses(*READ_PROBLEMS["list"]),
)
async def list_changes(
    request: Request,
    reads: ReadsDep,
    object_type: Annotated[str | None, Query(max_length=64, description="Collection, e.g. `scanners`.")] = None,
    object_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Object id (with object_type).")] = None,
    action: ChangeAction | None = None,
    api_key_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only changes made with this API key.")
    ] = None,
    request_id: Annotated[str | None, Query(max_length=128, description="Only changes of this request.")] = None,
    since: Annotated[str | None, Query(max_length=64, description="Recorded at or after (RFC 3339).")] = None,
    until: Annotated[str | None, Query(max_length=64, description="Recorded before (RFC 3339).")] = None,
    sort: Annotated[str | None, sort_query(service.CHANGES)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Response:
    """List recorded changes, oldest first, filtered by object, action, API key, request or time."""
    items, next_cursor = await service.list_changes(
        reads,
        object_type=object_type,
        object_id=object_id,
        action=action,
        api_key_id=api_key_id,
        request_id=request_id,
        since=parse_instant(since, "since"),
        until=parse_instant(until, "until"),
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/changes/verify",
    operation_id="verifyChanges",
    response_model=ChainVerification,
    responses=problem_responses(401, 403),
)
async def verify_changes(reads: ReadsDep) -> Response:
    """Check the whole change log's hash chain and report the first record where it does not hold."""
    return json_response(await service.verify_chain(reads))


@router.get(
    "/changes/{change_id}",
    operation_id="getChange",
    response_model=ChangeRecordPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_change(change_id: ItemId, reads: ReadsDep) -> Response:
    """Get one change record by id."""
    return json_response(await service.get_change(reads, change_id))


def _history_endpoint(collection: service.Collection) -> Any:
    async def history(
        request: Request,
        item_id: ItemId,
        reads: ReadsDep,
        sort: Annotated[str | None, sort_query(collection.history)] = None,
        limit: LimitParam = 50,
        cursor: CursorParam = None,
    ) -> Response:
        items, next_cursor = await service.object_history(
            reads, collection, item_id, sort=sort, limit=limit, cursor=cursor
        )
        return page_response(request, items, next_cursor)

    return history


def _restore_endpoint(collection: service.Collection) -> Any:
    def restore(request: Request, item_id: ItemId, session: SessionDep) -> Response:
        item = service.restore(session, collection, item_id)
        headers = {
            "ETag": etag_for(collection.resource, item["id"], item["version"]),
            "Location": request.url.path.removesuffix("/restore"),
        }
        return json_response(item, status_code=201, headers=headers)

    return restore


def _operation_name(collection: service.Collection) -> str:
    return "".join(part.capitalize() for part in collection.resource.split("-"))


for _collection in service.COLLECTIONS:
    _name = _operation_name(_collection)
    router.add_api_route(
        f"/{_collection.name}/{{item_id}}/history",
        _history_endpoint(_collection),
        methods=["GET"],
        operation_id=f"get{_name}History",
        description=f"List the recorded changes of one {_collection.label}, oldest first; "
        "a deleted one's history still answers.",
        response_model=Page[ChangeRecordPublic],
        responses=problem_responses(*READ_PROBLEMS["list"], 404),
        tags=[_collection.tag],
    )
    router.add_api_route(
        f"/{_collection.name}/{{item_id}}/restore",
        _restore_endpoint(_collection),
        methods=["POST"],
        status_code=201,
        operation_id=f"restore{_name}",
        description=f"Recreate a deleted {_collection.label} from its last recorded state, with the same id; "
        "409 if that would break a constraint.",
        response_model=_collection.public,
        responses=problem_responses(*WRITE_PROBLEMS["create"], 404),
        dependencies=[Depends(require_editor)],
        tags=[_collection.tag],
    )
