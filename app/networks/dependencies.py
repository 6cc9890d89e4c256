"""Path resolution for networks."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.changes.timeline import AsOf, parse_as_of
from app.core.params import ItemId
from app.core.reads import off_loop
from app.networks import service


async def valid_network(network_id: ItemId, request: Request, as_of: AsOf = None) -> dict[str, Any]:
    """The network named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    reads = request.app.state.reads
    if as_of is not None:
        return await off_loop(service.get_network)(reads, network_id, parse_as_of(as_of))
    return await service.get_network(reads, network_id)


NetworkDep = Annotated[dict[str, Any], Depends(valid_network)]
