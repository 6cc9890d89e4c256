"""Path resolution for investigations."""

from typing import Annotated, Any

from fastapi import Depends

from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.investigations import service


async def valid_investigation(investigation_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The investigation named by the path, or a 404 problem."""
    return await service.get_investigation(reads, investigation_id)


InvestigationDep = Annotated[dict[str, Any], Depends(valid_investigation)]
