"""Path resolution for scanners."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.core.params import ItemId
from app.scanners import service


async def valid_scanner(scanner_id: ItemId, request: Request) -> dict[str, Any]:
    """The scanner named by the path, or a 404 problem."""
    return await service.get_scanner(request.app.state.reads, scanner_id)


ScannerDep = Annotated[dict[str, Any], Depends(valid_scanner)]
