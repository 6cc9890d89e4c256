"""Queries over scanners."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.approvals.policy import approval_target, resource_target
from app.assessments.models import AccessOverride, MitigationMeasure, SupplierAccessFact
from app.audits.models import AuditScanner, FindingScanner
from app.audits.status import AUDIT_STATUS, AUDIT_STATUS_IS
from app.changes.resources import ForeignField, Reference, Resource, key_ref_filter, standard_sorts, unique
from app.core.errors import InvalidRequest, invalid_field
from app.core.pagination import Listing
from app.core.reads import ReadDatabase, Row
from app.investigations.models import InvestigationScanner
from app.networks.models import Network
from app.operators.models import OperatorScanner
from app.procurements.models import ProcurementScanner
from app.scanners.models import Scanner
from app.scanners.schemas import ScannerPublic, ScannerUpdate, check_network_rule
from app.sites.models import Site
from app.vendors.models import Vendor

if TYPE_CHECKING:
    from app.scanners.router import ScannerQuery

_SELECT = (
    "SELECT scanner.id, scanner.asset_tag, scanner.site_id, scanner.vendor_id, scanner.network_id,"
    " scanner.network_mode, scanner.status, scanner.use, scanner.model, scanner.count_basis, scanner.notes,"
    " scanner.source, scanner.created_at, scanner.updated_at, scanner.version,"
    " site.code AS site_code, site.name AS site_name, site.kind AS site_kind,"
    " vendor.slug AS vendor_slug, vendor.name AS vendor_name,"
    " network.code AS network_code, network.name AS network_name,"
    f" {AUDIT_STATUS} AS audit_status"
    " FROM scanner"
    " JOIN site ON site.id = scanner.site_id"
    " LEFT JOIN vendor ON vendor.id = scanner.vendor_id"
    " LEFT JOIN network ON network.id = scanner.network_id"
)


def shape_scanner(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    vendor_id = row["vendor_id"]
    network_id = row["network_id"]
    return {
        "id": row["id"],
        "asset_tag": row["asset_tag"],
        "site_id": row["site_id"],
        "vendor_id": vendor_id,
        "network_id": network_id,
        "network_mode": row["network_mode"],
        "status": row["status"],
        "use": row["use"],
        "model": row["model"],
        "count_basis": row["count_basis"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
        "audit_status": row["audit_status"],
        "site": {"id": row["site_id"], "code": row["site_code"], "name": row["site_name"], "kind": row["site_kind"]},
        "vendor": None
        if vendor_id is None
        else {"id": vendor_id, "slug": row["vendor_slug"], "name": row["vendor_name"]},
        "network": None
        if network_id is None
        else {"id": network_id, "code": row["network_code"], "name": row["network_name"]},
    }


SCANNERS = Listing(
    resource="scanners",
    select=_SELECT,
    id_column="scanner.id",
    sort_fields=standard_sorts("scanner", "asset_tag", "status", "use", "network_mode"),
    shape=shape_scanner,
)


def _keep_network_rule(session: Session, scanner: Scanner | None, values: dict[str, Any]) -> None:
    """A scanner is fibre-linked into a named network or standalone without one, after the change too."""
    if scanner is None:
        return  # a new scanner's body is checked by its schema
    mode = values.get("network_mode", scanner.network_mode)
    network_id = values["network_id"] if "network_id" in values else scanner.network_id
    try:
        check_network_rule(mode, network_id)
    except ValueError as error:
        raise invalid_field("network_id", str(error), f"{error}.", kind="network_rule") from None


SCANNER = Resource(
    model=Scanner,
    public=ScannerPublic,
    listing=SCANNERS,
    human_key=unique("asset_tag", ignore_case=True, ascii_only=True),
    foreign=(
        ForeignField("site_id", Site, "site"),
        ForeignField("vendor_id", Vendor, "vendor"),
        ForeignField("network_id", Network, "network"),
    ),
    referenced_by=(
        Reference(ProcurementScanner, "scanner_id", "procurement(s)"),
        Reference(AuditScanner, "scanner_id", "audit scope(s)"),
        Reference(FindingScanner, "scanner_id", "finding(s)"),
        Reference(SupplierAccessFact, "scanner_id", "supplier-access fact(s)"),
        Reference(AccessOverride, "scanner_id", "access override(s)"),
        Reference(MitigationMeasure, "scanner_id", "mitigation measure(s)"),
        Reference(InvestigationScanner, "scanner_id", "investigation(s)"),
    ),
    owned_by=((OperatorScanner, "scanner_id"),),
    check=_keep_network_rule,
    problems={
        "ck_scanner_network_mode_matches_network": InvalidRequest(
            "A fibre_linked scanner must name its network_id and a standalone one must not."
        ),
    },
)
approval_target("scanners", resource_target(SCANNER, update_schema=ScannerUpdate))


async def list_scanners(
    reads: ReadDatabase, query: "ScannerQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Scanners matching every given filter (as they stood at ``at``, with their site, vendor, network and
    audit status then, when given)."""
    filters = SCANNER.filters(query, "network_mode", "status", "use", "count_basis")
    if query.site:
        key_ref_filter(filters, query.site, column="scanner.site_id", table="site", key="code")
    if query.vendor:
        key_ref_filter(filters, query.vendor, column="scanner.vendor_id", table="vendor", key="slug")
    if query.vendor_disclosed is not None:
        filters.add("scanner.vendor_id IS NOT NULL" if query.vendor_disclosed else "scanner.vendor_id IS NULL")
    if query.network:
        key_ref_filter(filters, query.network, column="scanner.network_id", table="network", key="code")
    if query.audit_status:
        filters.add(AUDIT_STATUS_IS, audit_status=query.audit_status)
    return await SCANNER.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
