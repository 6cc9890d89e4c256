"""HTTP endpoints of sites."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.bulk import ItemVersion, accepts_csv, bulk_body, create_body
from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import (
    bulk_create_route,
    bulk_update_route,
    country_field,
    delete_route,
    get_route,
    list_route,
    ref_field,
    update_route,
)
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
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
from app.sites import service
from app.sites.schemas import SiteBulkUpdate, SiteCreate, SitePublic, SiteUpdate

EXAMPLE_CSV = "code,name,kind,country\nmaasvlakte-2,Maasvlakte 2,seaport,NL\n"

router = APIRouter(prefix="/sites", tags=["sites"], route_class=StrictQueryRoute)


class SiteQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the site listing."""

    kind: SiteKind | None = None
    code: str | None = ref_field("Exact site code.")
    country: str | None = country_field("ISO 3166-1 alpha-2.")
    scanner_list: ScannerListCompleteness | None = Field(
        default=None, description="Only sites whose scanner list the source gives as complete, partial, or unknown."
    )
    vendor: str | None = ref_field("Only sites holding scanners of this vendor (id or slug).")
    sort: str | None = sort_query(service.SITES)


@router.get("", operation_id="listSites", **list_route(SitePublic, SiteQuery))
async def list_sites(request: Request, query: Annotated[SiteQuery, Depends(query_dependency(SiteQuery))]) -> Response:
    """List the places where scanners stand, optionally only those holding a given vendor's scanners."""
    return await list_items(request, query, service.SITE, service.list_sites)


@router.get("/{site_id}", operation_id="getSite", **get_route(SitePublic))
async def get_site(request: Request, site_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one site by id."""
    return await item_get(request, service.SITE, site_id, as_of)


@router.post(
    "", operation_id="createSite", dependencies=EDITOR, **bulk_create_route(SitePublic, SiteCreate, EXAMPLE_CSV)
)
@accepts_csv
def create_site(request: Request, body: create_body(SiteCreate), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Create a site; its code must be unique; a JSON array or a CSV file creates many, all or none."""
    return create_items(request, service.SITE, SiteCreate, body, session)


@router.patch("", operation_id="updateSites", dependencies=EDITOR, **bulk_update_route(SitePublic))
def update_sites(request: Request, body: bulk_body(SiteBulkUpdate, "change"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Change many sites, each named by id with its current version or ETag: all of them or none."""
    return update_items(request, service.SITE, SiteBulkUpdate, SiteUpdate, body, session)


@router.delete("", operation_id="deleteSites", dependencies=EDITOR, **delete_route())
def delete_sites(request: Request, body: bulk_body(ItemVersion, "delete"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Delete many sites, each named by id with its current version or ETag: all of them or none."""
    return delete_items(request, service.SITE, body, session)


@router.patch("/{site_id}", operation_id="updateSite", dependencies=EDITOR, **update_route(SitePublic))
def update_site(
    request: Request, site_id: ItemId, body: SiteUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a site, if If-Match names its current ETag."""
    return update_item(request, service.SITE, site_id, body, session, if_match)


@router.delete("/{site_id}", operation_id="deleteSite", dependencies=EDITOR, **delete_route())
def delete_site(request: Request, site_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a site that holds no scanners, if If-Match names its current ETag."""
    return delete_item(request, service.SITE, site_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getSiteHistory", **history_route())
async def get_site_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one site, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the site as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.SITE, item_id, query)


@router.post("/{item_id}/restore", operation_id="restoreSite", **restore_route(service.SITE))
def restore_site(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted site from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.SITE, item_id, session)
