"""Path resolution for procurements."""

from typing import Annotated, Any

from fastapi import Depends

from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.procurements import service


async def valid_procurement(procurement_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The procurement named by the path, or a 404 problem."""
    return await service.get_procurement(reads, procurement_id)


ProcurementDep = Annotated[dict[str, Any], Depends(valid_procurement)]
