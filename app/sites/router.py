"""HTTP endpoints of sites."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.core.choices import SiteKind
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.http import item_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import sort_query
from app.core.routing import StrictQueryRoute
from app.sites import service
from app.sites.dependencies import SiteDep
from app.sites.schemas import SitePublic

router = APIRouter(prefix="/sites", tags=["sites"], route_class=StrictQueryRoute)


@router.get(
    "",
    operation_id="listSites",
    response_model=Page[SitePublic],
    responses=problem_responses(400, 422),
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
) -> Response:
    """List the places where scanners stand, optionally only those holding a given vendor's scanners."""
    items, next_cursor = await service.list_sites(
        reads, kind=kind, code=code, country=country, vendor=vendor, sort=sort, limit=limit, cursor=cursor
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/{site_id}",
    operation_id="getSite",
    response_model=SitePublic,
    responses=problem_responses(404, 422),
)
async def get_site(request: Request, site: SiteDep) -> Response:
    """Get one site by id."""
    return item_response(request, "site", site)
