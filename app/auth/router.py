"""HTTP endpoints of API keys (admin role only)."""

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.approvals.responses import update_or_hold
from app.approvals.schemas import ACCEPTED_RESPONSE
from app.approvals.service import with_pending
from app.auth import service
from app.auth.dependencies import require_admin
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyDetail, ApiKeyPublic, ApiKeyUpdate
from app.core.choices import Role
from app.core.db import after_commit
from app.core.deps import ReadsDep, SessionDep
from app.core.exports import list_response
from app.core.http import created_response, item_response
from app.core.idempotency import exclude_from_replay
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import create_route, delete_route, get_route, list_route, update_route
from app.core.routing import StrictQueryRoute

router = APIRouter(
    prefix="/api-keys", tags=["api-keys"], route_class=StrictQueryRoute, dependencies=[Depends(require_admin)]
)


async def valid_api_key(api_key_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The API key named by the path, or a 404 problem."""
    return await service.get_api_key(reads, api_key_id)


ApiKeyDep = Annotated[dict[str, Any], Depends(valid_api_key)]


def _forget_after_commit(request: Request, api_key_id: int) -> None:
    # This process stops trusting its cached copy as soon as the change is stored; other
    # processes and replicas re-read the key within KeyCache's CACHE_SECONDS.
    after_commit(request, partial(request.app.state.key_cache.forget, api_key_id))


class ApiKeyQuery(PageQuery):
    """Filters, sort and page of the API-key listing."""

    role: Role | None = None
    revoked: bool | None = Field(default=None, description="`false`: only keys not revoked; `true`: only revoked.")
    sort: str | None = sort_query(service.API_KEYS)


@router.get("", operation_id="listApiKeys", **list_route(ApiKeyPublic, ApiKeyQuery))
async def list_api_keys(
    request: Request, query: Annotated[ApiKeyQuery, Depends(query_dependency(ApiKeyQuery))]
) -> Response:
    """List API keys with their role, expiry, revocation and last use; never their tokens. No `as_of`: keys are
    access control, not inventory; their past is in the change log (`/changes?object_type=api-keys`, admin)."""
    reads = request.app.state.reads
    fetch = lambda page: service.list_api_keys(reads, **page.model_dump())  # noqa: E731
    return await list_response(request, query, fetch, name="api-keys", item_model=ApiKeyPublic)


@router.get("/{api_key_id}", operation_id="getApiKey", **get_route(ApiKeyDetail))
async def get_api_key(request: Request, api_key: ApiKeyDep) -> Response:
    """Get one API key by id, revoked ones included, with its pending change requests; never its token. No
    `as_of`: its past is in the change log (`/changes?object_type=api-keys`, admin)."""
    return item_response(request, "api-key", await with_pending(request, "api-keys", api_key))


@router.post("", operation_id="createApiKey", **create_route(ApiKeyCreated))
def create_api_key(request: Request, body: ApiKeyCreate, session: SessionDep) -> Response:
    """Mint an API key; the response shows its token once (only a keyed hash of it is stored)."""
    exclude_from_replay(request, "token")
    return created_response(request, "api-key", service.create_api_key(session, body))


@router.patch("/{api_key_id}", operation_id="updateApiKey", **update_route(ApiKeyPublic, ACCEPTED_RESPONSE))
def update_api_key(
    request: Request, api_key_id: ItemId, body: ApiKeyUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the name, owner, role, expiry or source of an API key, if If-Match names its current ETag; raising it to admin is an emergency change (X-Change-Reason) or a change request."""
    response = update_or_hold(request, session, "api-keys", "api-key", api_key_id, body, if_match)
    _forget_after_commit(request, api_key_id)
    return response


@router.delete("/{api_key_id}", operation_id="revokeApiKey", **delete_route())
def revoke_api_key(request: Request, api_key_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Revoke an API key at once (the record is kept, with revoked_at), if If-Match names its current ETag."""
    service.revoke_api_key(session, api_key_id, if_match)
    _forget_after_commit(request, api_key_id)
    return Response(status_code=204)
