"""HTTP endpoints of vendors and vendor restrictions."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.core.choices import RestrictionKind
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.http import item_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import ref_query, sort_query
from app.core.routing import StrictQueryRoute
from app.vendors import service
from app.vendors.dependencies import RestrictionDep, VendorDep
from app.vendors.schemas import VendorPublic, VendorRestrictionPublic

CountryParam = Annotated[str | None, Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2.")]

router = APIRouter(tags=["vendors"], route_class=StrictQueryRoute)


@router.get(
    "/vendors", operation_id="listVendors", response_model=Page[VendorPublic], responses=problem_responses(400, 422)
)
async def list_vendors(
    request: Request,
    reads: ReadsDep,
    country: CountryParam = None,
    slug: Annotated[str | None, Query(max_length=64, description="Exact vendor slug.")] = None,
    restricted_by: Annotated[
        str | None,
        Query(min_length=2, max_length=2, description="Only vendors a given state (ISO alpha-2) restricted."),
    ] = None,
    sort: Annotated[str | None, sort_query(service.VENDORS)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Response:
    """List scanner manufacturers with their country, ownership and foreign restrictions."""
    items, next_cursor = await service.list_vendors(
        reads, country=country, slug=slug, restricted_by=restricted_by, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/vendors/{vendor_id}", operation_id="getVendor", response_model=VendorPublic, responses=problem_responses(404, 422)
)
async def get_vendor(request: Request, vendor: VendorDep) -> Response:
    """Get one vendor by id, with its restrictions."""
    return item_response(request, "vendor", vendor)


@router.get(
    "/vendor-restrictions",
    operation_id="listVendorRestrictions",
    response_model=Page[VendorRestrictionPublic],
    responses=problem_responses(400, 422),
)
async def list_vendor_restrictions(
    request: Request,
    reads: ReadsDep,
    vendor: Annotated[str | None, ref_query("Vendor id or slug.")] = None,
    country: CountryParam = None,
    kind: RestrictionKind | None = None,
    sort: Annotated[str | None, sort_query(service.RESTRICTIONS)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Response:
    """List foreign governments' decisions and findings about vendors."""
    items, next_cursor = await service.list_restrictions(
        reads, vendor=vendor, country=country, kind=kind, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/vendor-restrictions/{restriction_id}",
    operation_id="getVendorRestriction",
    response_model=VendorRestrictionPublic,
    responses=problem_responses(404, 422),
)
async def get_vendor_restriction(request: Request, restriction: RestrictionDep) -> Response:
    """Get one vendor restriction by id."""
    return item_response(request, "vendor-restriction", restriction)
