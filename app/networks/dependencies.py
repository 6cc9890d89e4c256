"""Path resolution for networks."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.core.params import ItemId
from app.networks import service


async def valid_network(network_id: ItemId, request: Request) -> dict[str, Any]:
    """The network named by the path, or a 404 problem."""
    return await service.get_network(request.app.state.reads, network_id)


NetworkDep = Annotated[dict[str, Any], Depends(valid_network)]
