"""HTTP endpoints of scanners."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.approvals.schemas import ACCEPTED_RESPONSE
from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.bulk import ItemVersion, accepts_csv, bulk_body, create_body
from app.core.choices import CountBasis, NetworkMode, ScannerAuditStatus, ScannerStatus, ScannerUse
from app.core.deps import SessionDep
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import (
    bulk_create_route,
    bulk_update_route,
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
    update_covered_items,
    update_item_or_hold,
)
from app.scanners import service
from app.scanners.schemas import ScannerBulkUpdate, ScannerCreate, ScannerDetail, ScannerPublic, ScannerUpdate

EXAMPLE_CSV = "asset_tag,site_id,network_mode,use\nRTM-CS-09,1,standalone,container_cargo\n"

router = APIRouter(prefix="/scanners", tags=["scanners"], route_class=StrictQueryRoute)


class ScannerQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of the scanner listing."""

    site: str | None = ref_field("Site id or code, e.g. `maasvlakte`.")
    vendor: str | None = ref_field("Vendor id or slug, e.g. `nuctech`.")
    vendor_disclosed: bool | None = Field(
        default=None, description="`false`: only scanners whose vendor the source does not disclose."
    )
    network: str | None = ref_field("Network id or code.")
    network_mode: NetworkMode | None = None
    status: ScannerStatus | None = None
    use: ScannerUse | None = None
    count_basis: CountBasis | None = None
    audit_status: ScannerAuditStatus | None = Field(
        default=None, description="Derived from the audits covering each scanner; see the README."
    )
    sort: str | None = sort_query(service.SCANNERS)


@router.get("", operation_id="listScanners", **list_route(ScannerPublic, ScannerQuery))
async def list_scanners(
    request: Request, query: Annotated[ScannerQuery, Depends(query_dependency(ScannerQuery))]
) -> Response:
    """List scanners with their site, vendor and network, filtered by any combination of fields."""
    return await list_items(request, query, service.SCANNER, service.list_scanners)


@router.get("/{scanner_id}", operation_id="getScanner", **get_route(ScannerDetail))
async def get_scanner(request: Request, scanner_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one scanner by id, with its site, vendor and network in brief and its pending change requests."""
    return await item_get(request, service.SCANNER, scanner_id, as_of, pending=True)


@router.post(
    "",
    operation_id="createScanner",
    dependencies=EDITOR,
    **bulk_create_route(ScannerPublic, ScannerCreate, EXAMPLE_CSV),
)
@accepts_csv
def create_scanner(request: Request, body: create_body(ScannerCreate), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Create a scanner; a fibre-linked one must name its network, a standalone one none; a JSON array or a CSV file creates many, all or none."""
    return create_items(request, service.SCANNER, ScannerCreate, body, session)


@router.patch("", operation_id="updateScanners", dependencies=EDITOR, **bulk_update_route(ScannerPublic))
def update_scanners(request: Request, body: bulk_body(ScannerBulkUpdate, "change"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Change many scanners, each named by id with its current version or ETag: all of them or none."""
    return update_covered_items(request, service.SCANNER, ScannerBulkUpdate, ScannerUpdate, body, session)


@router.delete("", operation_id="deleteScanners", dependencies=EDITOR, **delete_route())
def delete_scanners(request: Request, body: bulk_body(ItemVersion, "delete"), session: SessionDep) -> Response:  # type: ignore[valid-type]  # a body type built by create_body/bulk_body
    """Delete many scanners, each named by id with its current version or ETag: all of them or none."""
    return delete_items(request, service.SCANNER, body, session)


@router.patch(
    "/{scanner_id}", operation_id="updateScanner", dependencies=EDITOR, **update_route(ScannerPublic, ACCEPTED_RESPONSE)
)
def update_scanner(
    request: Request, scanner_id: ItemId, body: ScannerUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a scanner, if If-Match names its current ETag; a change of network mode, network or vendor waits for approval (202)."""
    return update_item_or_hold(request, service.SCANNER, scanner_id, body, session, if_match)


@router.delete("/{scanner_id}", operation_id="deleteScanner", dependencies=EDITOR, **delete_route())
def delete_scanner(request: Request, scanner_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a scanner record, if If-Match names its current ETag."""
    return delete_item(request, service.SCANNER, scanner_id, session, if_match)


@router.get("/{item_id}/history", operation_id="getScannerHistory", **history_route())
async def get_scanner_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one scanner, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the scanner as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.SCANNER, item_id, query)


@router.post("/{item_id}/restore", operation_id="restoreScanner", **restore_route(service.SCANNER))
def restore_scanner(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted scanner from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.SCANNER, item_id, session)
