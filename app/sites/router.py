"""HTTP endpoints of sites."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes.timeline import AsOf, parse_as_of
from app.core.choices import SiteKind
from app.core.deps import ReadsDep, SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.http import created_response, item_response, updated_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import IfMatch, ItemId, sort_query
from app.core.routing import StrictQueryRoute
from app.sites import service
from app.sites.dependencies import SiteDep
from app.sites.schemas import SiteCreate, SitePublic, SiteUpdate

router = APIRouter(prefix="/sites", tags=["sites"], route_class=StrictQueryRoute)


@router.get(
    "", operation_id="listSites", response_model=Page[SitePublic], responses=problem_responses(*READ_PROBLEMS["list"])
)
async def list_sites(
    request: Request,
    reads: ReadsDep,
    kind: SiteKind | None = None,
    code: Annotated[str | None, Query(max_length=64, description="Exact site code.")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2.")] = None,
    vendor: Annotated[
        str | None, Query(max_length=64, description="Only sites holding scanners of this vendor (id or slug).")
    ] = None,
    sort: Annotated[str | None, sort_query(service.SITES)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
    as_of: AsOf = None,
) -> Response:
    """List the places where scanners stand, optionally only those holding a given vendor's scanners."""
    listing = service.list_sites if as_of is None else partial(service.list_sites_as_of, at=parse_as_of(as_of))
    items, next_cursor = await listing(
        reads, kind=kind, code=code, country=country, vendor=vendor, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/{site_id}", operation_id="getSite", response_model=SitePublic, responses=problem_responses(*READ_PROBLEMS["get"])
)
async def get_site(request: Request, site: SiteDep) -> Response:
    """Get one site by id."""
    return item_response(request, "site", site)


@router.post(
    "",
    status_code=201,
    operation_id="createSite",
    response_model=SitePublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_site(request: Request, body: SiteCreate, session: SessionDep) -> Response:
    """Create a site; its code must be unique."""
    return created_response(request, "site", service.create_site(session, body))


@router.patch(
    "/{site_id}",
    operation_id="updateSite",
    response_model=SitePublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_site(site_id: ItemId, body: SiteUpdate, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent of a site, if If-Match names its current ETag."""
    return updated_response("site", service.update_site(session, site_id, body, if_match))


@router.delete(
    "/{site_id}",
    status_code=204,
    operation_id="deleteSite",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_site(site_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a site that holds no scanners, if If-Match names its current ETag."""
    service.delete_site(session, site_id, if_match)
    return Response(status_code=204)
