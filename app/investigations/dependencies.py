"""Path resolution for investigations."""

from typing import Annotated, Any

from fastapi import Depends

from app.changes.timeline import AsOf, parse_as_of
from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.core.reads import off_loop
from app.investigations import service


async def valid_investigation(investigation_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The investigation named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_investigation)(reads, investigation_id, parse_as_of(as_of))
    return await service.get_investigation(reads, investigation_id)


InvestigationDep = Annotated[dict[str, Any], Depends(valid_investigation)]
