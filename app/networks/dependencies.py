"""Path resolution for networks."""

from typing import Annotated, Any

from fastapi import Depends

from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.networks import service


async def valid_network(network_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The network named by the path, or a 404 problem."""
    return await service.get_network(reads, network_id)


NetworkDep = Annotated[dict[str, Any], Depends(valid_network)]
