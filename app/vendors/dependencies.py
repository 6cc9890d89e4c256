"""Path resolution for vendors and vendor restrictions."""

from typing import Annotated, Any

from fastapi import Depends, Request

from app.changes.timeline import AsOf, parse_as_of
from app.core.params import ItemId
from app.core.reads import off_loop
from app.vendors import service


async def valid_vendor(vendor_id: ItemId, request: Request, as_of: AsOf = None) -> dict[str, Any]:
    """The vendor named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    reads = request.app.state.reads
    if as_of is not None:
        return await off_loop(service.get_vendor)(reads, vendor_id, parse_as_of(as_of))
    return await service.get_vendor(reads, vendor_id)


async def valid_restriction(restriction_id: ItemId, request: Request, as_of: AsOf = None) -> dict[str, Any]:
    """The vendor restriction named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    reads = request.app.state.reads
    if as_of is not None:
        return await off_loop(service.get_restriction)(reads, restriction_id, parse_as_of(as_of))
    return await service.get_restriction(reads, restriction_id)


VendorDep = Annotated[dict[str, Any], Depends(valid_vendor)]
RestrictionDep = Annotated[dict[str, Any], Depends(valid_restriction)]
