"""HTTP endpoints of vendors and vendor restrictions."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes.timeline import AsOf, parse_as_of
from app.core.choices import RestrictionKind
from app.core.deps import ReadsDep, SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.http import created_response, item_response, updated_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import IfMatch, ItemId, ref_query, sort_query
from app.core.routing import StrictQueryRoute
from app.vendors import service
from app.vendors.dependencies import RestrictionDep, VendorDep
from app.vendors.schemas import (
    VendorCreate,
    VendorPublic,
    VendorRestrictionCreate,
    VendorRestrictionPublic,
    VendorRestrictionUpdate,
    VendorUpdate,
)

CountryParam = Annotated[str | None, Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2.")]

router = APIRouter(tags=["vendors"], route_class=StrictQueryRoute)


@router.get(
    "/vendors",
    operation_id="listVendors",
    response_model=Page[VendorPublic],
    responses=problem_responses(*READ_PROBLEMS["list"]),
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
    as_of: AsOf = None,
) -> Response:
    """List scanner manufacturers with their country, ownership and foreign restrictions."""
    listing = service.list_vendors if as_of is None else partial(service.list_vendors_as_of, at=parse_as_of(as_of))
    items, next_cursor = await listing(
        reads, country=country, slug=slug, restricted_by=restricted_by, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/vendors/{vendor_id}",
    operation_id="getVendor",
    response_model=VendorPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_vendor(request: Request, vendor: VendorDep) -> Response:
    """Get one vendor by id, with its restrictions."""
    return item_response(request, "vendor", vendor)


@router.get(
    "/vendor-restrictions",
    operation_id="listVendorRestrictions",
    response_model=Page[VendorRestrictionPublic],
    responses=problem_responses(*READ_PROBLEMS["list"]),
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
    as_of: AsOf = None,
) -> Response:
    """List foreign governments' decisions and findings about vendors."""
    listing = (
        service.list_restrictions if as_of is None else partial(service.list_restrictions_as_of, at=parse_as_of(as_of))
    )
    items, next_cursor = await listing(
        reads, vendor=vendor, country=country, kind=kind, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/vendor-restrictions/{restriction_id}",
    operation_id="getVendorRestriction",
    response_model=VendorRestrictionPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_vendor_restriction(request: Request, restriction: RestrictionDep) -> Response:
    """Get one vendor restriction by id."""
    return item_response(request, "vendor-restriction", restriction)


@router.post(
    "/vendors",
    status_code=201,
    operation_id="createVendor",
    response_model=VendorPublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_vendor(request: Request, body: VendorCreate, session: SessionDep) -> Response:
    """Create a vendor; its slug must be unique."""
    return created_response(request, "vendor", service.create_vendor(session, body))


@router.patch(
    "/vendors/{vendor_id}",
    operation_id="updateVendor",
    response_model=VendorPublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_vendor(vendor_id: ItemId, body: VendorUpdate, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent of a vendor, if If-Match names its current ETag."""
    return updated_response("vendor", service.update_vendor(session, vendor_id, body, if_match))


@router.delete(
    "/vendors/{vendor_id}",
    status_code=204,
    operation_id="deleteVendor",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_vendor(vendor_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a vendor no scanner or restriction refers to, if If-Match names its current ETag."""
    service.delete_vendor(session, vendor_id, if_match)
    return Response(status_code=204)


@router.post(
    "/vendor-restrictions",
    status_code=201,
    operation_id="createVendorRestriction",
    response_model=VendorRestrictionPublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_vendor_restriction(request: Request, body: VendorRestrictionCreate, session: SessionDep) -> Response:
    """Record a foreign government's decision or finding about a vendor."""
    return created_response(request, "vendor-restriction", service.create_restriction(session, body))


@router.patch(
    "/vendor-restrictions/{restriction_id}",
    operation_id="updateVendorRestriction",
    response_model=VendorRestrictionPublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_vendor_restriction(
    restriction_id: ItemId, body: VendorRestrictionUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a vendor restriction, if If-Match names its current ETag."""
    return updated_response("vendor-restriction", service.update_restriction(session, restriction_id, body, if_match))


@router.delete(
    "/vendor-restrictions/{restriction_id}",
    status_code=204,
    operation_id="deleteVendorRestriction",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_vendor_restriction(restriction_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a vendor restriction, if If-Match names its current ETag."""
    service.delete_restriction(session, restriction_id, if_match)
    return Response(status_code=204)
