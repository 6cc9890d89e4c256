"""Queries over scanners."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.assessments.models import AccessOverride, MitigationMeasure, SupplierAccessFact
from app.audits.models import AuditScanner, FindingScanner
from app.audits.status import AUDIT_STATUS_SQL
from app.changes.versions import at_instant, no_such, past
from app.core.choices import CountBasis, NetworkMode, ScannerAuditStatus, ScannerStatus, ScannerUse
from app.core.errors import Conflict, InvalidRequest
from app.core.http import ref_condition
from app.core.links import delete_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row
from app.core.writes import (
    changed_fields,
    count_references,
    delete_row,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    same_key_ignoring_case,
    update_row,
)
from app.investigations.models import InvestigationScanner
from app.networks.models import Network
from app.operators.models import OperatorScanner
from app.procurements.models import ProcurementScanner
from app.scanners.models import Scanner
from app.scanners.schemas import ScannerCreate, ScannerUpdate, check_network_rule
from app.sites.models import Site
from app.vendors.models import Vendor

_SELECT = (
    "SELECT scanner.id, scanner.asset_tag, scanner.site_id, scanner.vendor_id, scanner.network_id,"
    " scanner.network_mode, scanner.status, scanner.use, scanner.model, scanner.count_basis, scanner.notes,"
    " scanner.source, scanner.created_at, scanner.updated_at, scanner.version,"
    " site.code AS site_code, site.name AS site_name, site.kind AS site_kind,"
    " vendor.slug AS vendor_slug, vendor.name AS vendor_name,"
    " network.code AS network_code, network.name AS network_name,"
    f" {AUDIT_STATUS_SQL} AS audit_status"
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
    sort_fields={
        "id": SortField("scanner.id", "int"),
        "asset_tag": SortField("scanner.asset_tag"),
        "status": SortField("scanner.status"),
        "use": SortField("scanner.use"),
        "network_mode": SortField("scanner.network_mode"),
        "created_at": SortField("scanner.created_at", "timestamp"),
        "updated_at": SortField("scanner.updated_at", "timestamp"),
    },
    shape=shape_scanner,
)


async def list_scanners(
    reads: ReadDatabase,
    *,
    site: str | None,
    vendor: str | None,
    vendor_disclosed: bool | None,
    network: str | None,
    network_mode: NetworkMode | None,
    status: ScannerStatus | None,
    use: ScannerUse | None,
    count_basis: CountBasis | None,
    audit_status: ScannerAuditStatus | None = None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Scanners matching every given filter (as they stood at ``at``, with their site, vendor, network and
    audit status then, when given)."""
    filters = Filters()
    if site:
        condition, params = ref_condition(site, id_column="scanner.site_id", key_column="site.code", param="site")
        filters.add(condition, **params)
    if vendor:
        condition, params = ref_condition(
            vendor, id_column="scanner.vendor_id", key_column="vendor.slug", param="vendor"
        )
        filters.add(condition, **params)
    if vendor_disclosed is not None:
        filters.add("scanner.vendor_id IS NOT NULL" if vendor_disclosed else "scanner.vendor_id IS NULL")
    if network:
        condition, params = ref_condition(
            network, id_column="scanner.network_id", key_column="network.code", param="network"
        )
        filters.add(condition, **params)
    if network_mode:
        filters.add("scanner.network_mode = :network_mode", network_mode=network_mode)
    if status:
        filters.add("scanner.status = :status", status=status)
    if use:
        filters.add("scanner.use = :use", use=use)
    if count_basis:
        filters.add("scanner.count_basis = :count_basis", count_basis=count_basis)
    if audit_status:
        filters.add(f"{AUDIT_STATUS_SQL} = :audit_status", audit_status=audit_status)
    return await fetch_page(reads, SCANNERS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_scanner(reads: ReadDatabase, scanner_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One scanner by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{_SELECT} WHERE scanner.id = :id", {"id": scanner_id}, at))
    if not rows:
        raise no_such("scanner", scanner_id, at)
    return shape_scanner(reads, rows[0])


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _duplicate_tag(asset_tag: str) -> Conflict:
    return Conflict(f"A scanner with asset tag '{asset_tag}' already exists (asset tags are unique ignoring case).")


def _reference_error(field: str, value: int, kind: str) -> InvalidRequest:
    return InvalidRequest(
        f"{field} {value} names no {kind}.",
        errors=[{"location": "body", "field": field, "message": f"no such {kind}", "type": "reference"}],
    )


def _check_references(session: Session, values: dict[str, Any]) -> None:
    for field, model, kind in (
        ("site_id", Site, "site"),
        ("vendor_id", Vendor, "vendor"),
        ("network_id", Network, "network"),
    ):
        value = values.get(field)
        if value is not None and session.get(model, value) is None:
            raise _reference_error(field, value, kind)


def _check_network_rule(network_mode: NetworkMode, network_id: int | None) -> None:
    try:
        check_network_rule(network_mode, network_id)
    except ValueError as error:
        raise InvalidRequest(
            f"{error}.",
            errors=[{"location": "body", "field": "network_id", "message": str(error), "type": "network_rule"}],
        ) from None


_CONSTRAINT_PROBLEMS = {
    "ck_scanner_network_mode_matches_network": InvalidRequest(
        "A fibre_linked scanner must name its network_id and a standalone one must not."
    ),
}


def create_scanner(session: Session, data: ScannerCreate) -> dict[str, Any]:
    """Create a scanner at an existing site; a taken asset tag is a 409."""
    values = data.model_dump()
    _check_references(session, values)
    taken = same_key_ignoring_case(session, Scanner, "asset_tag", data.asset_tag, ascii_only=True)
    if taken:
        raise _duplicate_tag(taken)
    problems = {**_CONSTRAINT_PROBLEMS, "uq_scanner_asset_tag": _duplicate_tag(data.asset_tag)}
    scanner_id = insert_row(session, Scanner(**values), problems)
    return load_item(session, SCANNERS, scanner_id)


def update_scanner(session: Session, scanner_id: int, patch: ScannerUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; the result must keep the network rule."""
    scanner = get_or_404(session, Scanner, scanner_id, "scanner")
    version = expected_version(if_match, "scanner", scanner_id, scanner.version)
    changes = changed_fields(scanner, patch)
    _check_references(session, changes)
    _check_network_rule(
        changes.get("network_mode", scanner.network_mode), changes.get("network_id", scanner.network_id)
    )
    if "asset_tag" in changes:
        taken = same_key_ignoring_case(
            session, Scanner, "asset_tag", changes["asset_tag"], exclude_id=scanner_id, ascii_only=True
        )
        if taken:
            raise _duplicate_tag(taken)
    if changes:
        problems = {**_CONSTRAINT_PROBLEMS, "uq_scanner_asset_tag": _duplicate_tag(str(changes.get("asset_tag")))}
        update_row(session, Scanner, scanner_id, version, changes, problems)
    return load_item(session, SCANNERS, scanner_id)


_REFERENCES = (
    (ProcurementScanner, "procurement(s)"),
    (AuditScanner, "audit scope(s)"),
    (FindingScanner, "finding(s)"),
    (SupplierAccessFact, "supplier-access fact(s)"),
    (AccessOverride, "access override(s)"),
    (MitigationMeasure, "mitigation measure(s)"),
    (InvestigationScanner, "investigation(s)"),
)


def delete_scanner(session: Session, scanner_id: int, if_match: str | None) -> None:
    """Delete a scanner record no procurement, audit, finding, assessment or investigation refers to (409 otherwise).

    Its operators' links to it go with it (who operates a scanner is a fact about that scanner)."""
    scanner = get_or_404(session, Scanner, scanner_id, "scanner")
    version = expected_version(if_match, "scanner", scanner_id, scanner.version)
    references = [
        f"{count} {label}"
        for model, label in _REFERENCES
        if (count := count_references(session, model, "scanner_id", scanner_id))
    ]
    if references:
        raise Conflict(
            f"Scanner '{scanner.asset_tag}' is still referenced by {', '.join(references)}; remove those references first."
        )
    delete_links(session, OperatorScanner, owner="scanner_id", owner_id=scanner_id)
    delete_row(session, Scanner, scanner_id, version)
