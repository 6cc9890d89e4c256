"""Path resolution for sites."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.core.params import ItemId
from app.sites import service


async def valid_site(site_id: ItemId, request: Request) -> dict[str, Any]:
    """The site named by the path, or a 404 problem."""
    return await service.get_site(request.app.state.reads, site_id)


SiteDep = Annotated[dict[str, Any], Depends(valid_site)]
