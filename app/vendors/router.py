"""HTTP endpoints of vendors and vendor restrictions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.bulk import ItemVersion, accepts_csv, bulk_body, create_body
from app.core.choices import RestrictionKind
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import (
    bulk_create_route,
    bulk_update_route,
    country_field,
    create_route,
    delete_route,
    get_route,
    list_route,
    ref_field,
    update_route,
)
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    create_item,
    create_items,
    delete_item,
    delete_items,
    history_response,
    history_route,
    item_get,
    list_items,
    restore_response,
    restore_route,
    update_item,
    update_items,
)
from app.vendors import service
from app.vendors.schemas import (
    VendorBulkUpdate,
    VendorCreate,
    VendorPublic,
    VendorRestrictionCreate,
    VendorRestrictionPublic,
    VendorRestrictionUpdate,
    VendorUpdate,
)

EXAMPLE_CSV = "slug,name,country\nrapiscan,Rapiscan Systems,US\n"

router = APIRouter(tags=["vendors"], route_class=StrictQueryRoute)


class VendorQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the vendor listing."""

    country: str | None = country_field("ISO 3166-1 alpha-2.")
    slug: str | None = ref_field("Exact vendor slug.")
    restricted_by: str | None = country_field("Only vendors a given state (ISO alpha-2) restricted.")
    sort: str | None = sort_query(service.VENDORS)


@router.get("/vendors", operation_id="listVendors", **list_route(VendorPublic, VendorQuery))
async def list_vendors(
    request: Request, query: Annotated[VendorQuery, Depends(query_dependency(VendorQuery))]
) -> Response:
    """List scanner manufacturers with their country, ownership and foreign restrictions."""
    return await list_items(request, query, service.VENDOR, service.list_vendors)


@router.get("/vendors/{vendor_id}", operation_id="getVendor", **get_route(VendorPublic))
async def get_vendor(request: Request, vendor_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one vendor by id, with its restrictions."""
    return await item_get(request, service.VENDOR, vendor_id, as_of)


class VendorRestrictionQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the vendor-restriction listing."""

    vendor: str | None = ref_field("Vendor id or slug.")
    country: str | None = country_field("ISO 3166-1 alpha-2.")
    kind: RestrictionKind | None = None
    sort: str | None = sort_query(service.RESTRICTIONS)


@router.get(
    "/vendor-restrictions",
    operation_id="listVendorRestrictions",
    **list_route(VendorRestrictionPublic, VendorRestrictionQuery),
)
async def list_vendor_restrictions(
    request: Request, query: Annotated[VendorRestrictionQuery, Depends(query_dependency(VendorRestrictionQuery))]
) -> Response:
    """List foreign governments' decisions and findings about vendors."""
    return await list_items(request, query, service.RESTRICTION, service.list_restrictions)


@router.get(
    "/vendor-restrictions/{restriction_id}", operation_id="getVendorRestriction", **get_route(VendorRestrictionPublic)
)
async def get_vendor_restriction(request: Request, restriction_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one vendor restriction by id."""
    return await item_get(request, service.RESTRICTION, restriction_id, as_of)


@router.post(
    "/vendors",
    operation_id="createVendor",
    dependencies=EDITOR,
    **bulk_create_route(VendorPublic, VendorCreate, EXAMPLE_CSV),
)
@accepts_csv
def create_vendor(request: Request, body: create_body(VendorCreate), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Create a vendor; its slug must be unique; a JSON array or a CSV file creates many, all or none."""
    return create_items(request, service.VENDOR, VendorCreate, body, session)


@router.patch("/vendors", operation_id="updateVendors", dependencies=EDITOR, **bulk_update_route(VendorPublic))
def update_vendors(request: Request, body: bulk_body(VendorBulkUpdate, "change"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Change many vendors, each named by id with its current version or ETag: all of them or none."""
    return update_items(request, service.VENDOR, VendorBulkUpdate, VendorUpdate, body, session)


@router.delete("/vendors", operation_id="deleteVendors", dependencies=EDITOR, **delete_route())
def delete_vendors(request: Request, body: bulk_body(ItemVersion, "delete"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Delete many vendors, each named by id with its current version or ETag: all of them or none."""
    return delete_items(request, service.VENDOR, body, session)


@router.patch("/vendors/{vendor_id}", operation_id="updateVendor", dependencies=EDITOR, **update_route(VendorPublic))
def update_vendor(
    request: Request, vendor_id: ItemId, body: VendorUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a vendor, if If-Match names its current ETag."""
    return update_item(request, service.VENDOR, vendor_id, body, session, if_match)


@router.delete("/vendors/{vendor_id}", operation_id="deleteVendor", dependencies=EDITOR, **delete_route())
def delete_vendor(request: Request, vendor_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a vendor no scanner or restriction refers to, if If-Match names its current ETag."""
    return delete_item(request, service.VENDOR, vendor_id, session, if_match)


@router.post(
    "/vendor-restrictions",
    operation_id="createVendorRestriction",
    dependencies=EDITOR,
    **create_route(VendorRestrictionPublic),
)
def create_vendor_restriction(request: Request, body: VendorRestrictionCreate, session: SessionDep) -> Response:
    """Record a foreign government's decision or finding about a vendor."""
    return create_item(request, service.RESTRICTION, body, session)


@router.patch(
    "/vendor-restrictions/{restriction_id}",
    operation_id="updateVendorRestriction",
    dependencies=EDITOR,
    **update_route(VendorRestrictionPublic),
)
def update_vendor_restriction(
    request: Request,
    restriction_id: ItemId,
    body: VendorRestrictionUpdate,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Change the fields sent of a vendor restriction, if If-Match names its current ETag."""
    return update_item(request, service.RESTRICTION, restriction_id, body, session, if_match)


@router.delete(
    "/vendor-restrictions/{restriction_id}",
    operation_id="deleteVendorRestriction",
    dependencies=EDITOR,
    **delete_route(),
)
def delete_vendor_restriction(
    request: Request, restriction_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a vendor restriction, if If-Match names its current ETag."""
    return delete_item(request, service.RESTRICTION, restriction_id, session, if_match)


@router.get("/vendors/{item_id}/history", operation_id="getVendorHistory", **history_route())
async def get_vendor_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one vendor, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the vendor as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.VENDOR, item_id, query)


@router.post("/vendors/{item_id}/restore", operation_id="restoreVendor", **restore_route(service.VENDOR))
def restore_vendor(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted vendor from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.VENDOR, item_id, session)


@router.get("/vendor-restrictions/{item_id}/history", operation_id="getVendorRestrictionHistory", **history_route())
async def get_vendor_restriction_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one vendor restriction, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the vendor restriction as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.RESTRICTION, item_id, query)


@router.post(
    "/vendor-restrictions/{item_id}/restore",
    operation_id="restoreVendorRestriction",
    **restore_route(service.RESTRICTION),
)
def restore_vendor_restriction(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted vendor restriction from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.RESTRICTION, item_id, session)
