"""Path resolution for scanners."""

from typing import Annotated, Any

from fastapi import Depends

from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.scanners import service


async def valid_scanner(scanner_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The scanner named by the path, or a 404 problem."""
    return await service.get_scanner(reads, scanner_id)


ScannerDep = Annotated[dict[str, Any], Depends(valid_scanner)]
