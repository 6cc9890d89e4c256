"""Path resolution for vendors and vendor restrictions."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.core.params import ItemId
from app.vendors import service


async def valid_vendor(vendor_id: ItemId, request: Request) -> dict[str, Any]:
    """The vendor named by the path, or a 404 problem."""
    return await service.get_vendor(request.app.state.reads, vendor_id)


async def valid_restriction(restriction_id: ItemId, request: Request) -> dict[str, Any]:
    """The vendor restriction named by the path, or a 404 problem."""
    return await service.get_restriction(request.app.state.reads, restriction_id)


VendorDep = Annotated[dict[str, Any], Depends(valid_vendor)]
RestrictionDep = Annotated[dict[str, Any], Depends(valid_restriction)]
