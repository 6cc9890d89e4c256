"""Authentication and role checks as dependencies.

Each protected route has exactly one auth dependency (``require_reader``, ``require_editor`` or
``require_admin``) that parses the bearer token itself: every dependency node FastAPI resolves
costs time on every request, and this check sits on the hot read path. The bearer scheme is
declared in the OpenAPI document by ``declare_bearer_security``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from app.auth import service
from app.auth.service import Principal
from app.core.choices import Role
from app.core.db import get_engine, utcnow
from app.core.errors import Forbidden, Unauthorized

logger = logging.getLogger("app.auth")

SCHEME_NAME = "ApiKey"


def _touch(key_id: int) -> None:
    with Session(get_engine()) as session, session.begin():
        service.touch(session, key_id, utcnow())


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _client_address(request: Request) -> str:
    client = request.client
    return client.host if client else "unknown"


async def authenticate(request: Request) -> Principal:
    """The API key of the request (also left on ``request.state.principal``), or the one 401 problem.

    Rate limits apply here (``app/core/ratelimit.py``): an address over its failed-authentication
    limit gets a 429 before its token is looked up (unless this process has just verified that
    token), each failure counts against its address, and each authenticated request against its key."""
    state = request.app.state
    limiter = state.rate_limiter
    token = _bearer_token(request)
    if limiter.auth_failures and not service.recently_verified(state.key_cache, token):
        await limiter.refuse_blocked_address(_client_address(request))
    try:
        principal = await service.authenticate(state.reads, state.key_cache, token)
    except Unauthorized:
        await limiter.record_auth_failure(_client_address(request))
        raise
    request.state.principal = principal
    await limiter.admit_key(principal.key_id)
    if state.key_cache.touch_due(principal.key_id):
        try:
            await run_in_threadpool(_touch, principal.key_id)
        except Exception:  # bookkeeping only: never fail a request over last_used_at
            logger.warning("could not record last use of API key %s", principal.key_id, exc_info=True)
    return principal


async def current_key(request: Request) -> Principal:
    """The request's API key, authenticated once per request whichever dependency asks first."""
    return getattr(request.state, "principal", None) or await authenticate(request)


CurrentKey = Annotated[Principal, Depends(current_key)]


def require(role: Role):
    """A dependency admitting keys of ``role`` or higher (401 without a valid key, 403 below the role)."""

    async def check(request: Request) -> Principal:
        principal = await current_key(request)
        if not principal.allows(role):
            raise Forbidden(f"This operation needs the {role.value} role; this API key has {principal.role.value}.")
        return principal

    check.__name__ = f"require_{role.value}"
    check.runs_before_input = True  # type: ignore[attr-defined]  # see app.core.routing.StrictQueryRoute
    return check


def is_admin(request: Request) -> bool:
    """Whether the request was authenticated with an admin key (records of API keys are for admins only)."""
    principal = getattr(request.state, "principal", None)
    return principal is not None and principal.allows(Role.ADMIN)


require_reader = require(Role.READER)
require_editor = require(Role.EDITOR)
require_approver = require(Role.APPROVER)
require_admin = require(Role.ADMIN)

EDITOR = [Depends(require_editor)]
"""The ``dependencies`` of a route that changes the inventory: an editor key or above."""


def declare_bearer_security(schema: dict[str, Any], prefix: str) -> None:
    """Declare the bearer scheme, and require it on every operation under ``prefix``."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME_NAME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key minted with `inventory create-key` or `POST /api/v1/api-keys`: "
        "`Authorization: Bearer csi_...`.",
    }
    for path, methods in schema.get("paths", {}).items():
        if path.startswith(prefix):
            for operation in methods.values():
                operation["security"] = [{SCHEME_NAME: []}]
