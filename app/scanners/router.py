"""HTTP endpoints of scanners."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from app.auth.dependencies import require_editor
from app.changes.timeline import AsOf, parse_as_of
from app.core.choices import CountBasis, NetworkMode, ScannerStatus, ScannerUse
from app.core.deps import ReadsDep, SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.http import created_response, item_response, updated_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import IfMatch, ItemId, ref_query, sort_query
from app.core.routing import StrictQueryRoute
from app.scanners import service
from app.scanners.dependencies import ScannerDep
from app.scanners.schemas import ScannerCreate, ScannerPublic, ScannerUpdate

router = APIRouter(prefix="/scanners", tags=["scanners"], route_class=StrictQueryRoute)


@router.get(
    "",
    operation_id="listScanners",
    response_model=Page[ScannerPublic],
    responses=problem_responses(*READ_PROBLEMS["list"]),
)
async def list_scanners(
    request: Request,
    reads: ReadsDep,
    site: Annotated[str | None, ref_query("Site id or code, e.g. `maasvlakte`.")] = None,
    vendor: Annotated[str | None, ref_query("Vendor id or slug, e.g. `nuctech`.")] = None,
    vendor_disclosed: Annotated[
        bool | None, Query(description="`false`: only scanners whose vendor the source does not disclose.")
    ] = None,
    network: Annotated[str | None, ref_query("Network id or code.")] = None,
    network_mode: NetworkMode | None = None,
    status: ScannerStatus | None = None,
    use: ScannerUse | None = None,
    count_basis: CountBasis | None = None,
    sort: Annotated[str | None, sort_query(service.SCANNERS)] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
    as_of: AsOf = None,
) -> Response:
    """List scanners with their site, vendor and network, filtered by any combination of fields."""
    listing = service.list_scanners if as_of is None else partial(service.list_scanners_as_of, at=parse_as_of(as_of))
    items, next_cursor = await listing(
        reads,
        site=site,
        vendor=vendor,
        vendor_disclosed=vendor_disclosed,
        network=network,
        network_mode=network_mode,
        status=status,
        use=use,
        count_basis=count_basis,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    return page_response(request, items, next_cursor)


@router.get(
    "/{scanner_id}",
    operation_id="getScanner",
    response_model=ScannerPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_scanner(request: Request, scanner: ScannerDep) -> Response:
    """Get one scanner by id, with its site, vendor and network in brief."""
    return item_response(request, "scanner", scanner)


@router.post(
    "",
    status_code=201,
    operation_id="createScanner",
    response_model=ScannerPublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_scanner(request: Request, body: ScannerCreate, session: SessionDep) -> Response:
    """Create a scanner; a fibre-linked one must name its network, a standalone one none."""
    return created_response(request, "scanner", service.create_scanner(session, body))


@router.patch(
    "/{scanner_id}",
    operation_id="updateScanner",
    response_model=ScannerPublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_scanner(scanner_id: ItemId, body: ScannerUpdate, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Change the fields sent of a scanner, if If-Match names its current ETag."""
    return updated_response("scanner", service.update_scanner(session, scanner_id, body, if_match))


@router.delete(
    "/{scanner_id}",
    status_code=204,
    operation_id="deleteScanner",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_scanner(scanner_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a scanner record, if If-Match names its current ETag."""
    service.delete_scanner(session, scanner_id, if_match)
    return Response(status_code=204)
