"""HTTP endpoints of scanners."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.core.choices import CountBasis, NetworkMode, ScannerStatus, ScannerUse
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.http import item_response
from app.core.pagination import CursorParam, LimitParam, Page, page_response
from app.core.params import ref_query, sort_query
from app.core.routing import StrictQueryRoute
from app.scanners import service
from app.scanners.dependencies import ScannerDep
from app.scanners.schemas import ScannerPublic

router = APIRouter(prefix="/scanners", tags=["scanners"], route_class=StrictQueryRoute)


@router.get("", operation_id="listScanners", response_model=Page[ScannerPublic], responses=problem_responses(400, 422))
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
) -> Response:
    """List scanners with their site, vendor and network, filtered by any combination of fields."""
    items, next_cursor = await service.list_scanners(
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
    "/{scanner_id}", operation_id="getScanner", response_model=ScannerPublic, responses=problem_responses(404, 422)
)
async def get_scanner(request: Request, scanner: ScannerDep) -> Response:
    """Get one scanner by id, with its site, vendor and network in brief."""
    return item_response(request, "scanner", scanner)
