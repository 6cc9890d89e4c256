"""Path resolution for change requests."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.approvals import service
from app.auth.dependencies import is_admin
from app.core.deps import ReadsDep
from app.core.params import ItemId


async def valid_change_request(change_request_id: ItemId, request: Request, reads: ReadsDep) -> dict[str, Any]:
    """The change request named by the path, or a 404 problem (requests on API keys: admin keys only)."""
    return await service.get_change_request(reads, change_request_id, admin=is_admin(request))


ChangeRequestDep = Annotated[dict[str, Any], Depends(valid_change_request)]
