"""Authentication and role checks as dependencies."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.auth import service
from app.auth.service import Principal
from app.core.choices import Role
from app.core.db import get_engine, utcnow
from app.core.deps import ReadsDep
from app.core.errors import Forbidden

logger = logging.getLogger("app.auth")

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key minted with `inventory create-key` or `POST /api/v1/api-keys`: "
    "`Authorization: Bearer csi_...`.",
)


def _touch(key_id: int) -> None:
    with Session(get_engine()) as session, session.begin():
        service.touch(session, key_id, utcnow())


async def authenticate(
    request: Request,
    reads: ReadsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Principal:
    """The API key of the request, or the one 401 problem."""
    token = credentials.credentials if credentials and credentials.scheme.lower() == "bearer" else None
    principal = await service.authenticate(reads, request.app.state.key_cache, token)
    request.state.principal = principal
    if request.app.state.key_cache.touch_due(principal.key_id):
        try:
            await run_in_threadpool(_touch, principal.key_id)
        except Exception:  # bookkeeping only: never fail a request over last_used_at
            logger.warning("could not record last use of API key %s", principal.key_id, exc_info=True)
    return principal


CurrentKey = Annotated[Principal, Depends(authenticate)]


def require(role: Role):
    """A dependency admitting keys of ``role`` or higher; others get 403."""

    async def check(principal: CurrentKey) -> Principal:
        if not principal.allows(role):
            raise Forbidden(f"This operation needs the {role.value} role; this API key has {principal.role.value}.")
        return principal

    check.__name__ = f"require_{role.value}"
    return check


require_reader = require(Role.READER)
require_editor = require(Role.EDITOR)
require_admin = require(Role.ADMIN)
