"""Queries over procurements, and their writes."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.versions import at_instant, no_such, past
from app.core.choices import QuickscanStatus
from app.core.errors import InvalidRequest
from app.core.http import ref_condition
from app.core.links import attach_links, attach_links_in_session, check_ids_exist, delete_links, replace_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date
from app.core.writes import delete_row, expected_version, get_or_404, insert_row, load_item, update_row
from app.procurements.models import Procurement, ProcurementScanner
from app.procurements.schemas import ProcurementCreate, ProcurementUpdate
from app.scanners.models import Scanner
from app.vendors.models import Vendor

_SELECT = (
    "SELECT procurement.id, procurement.vendor_id, procurement.reference, procurement.title,"
    " procurement.awarded_on, procurement.legal_basis, procurement.exclusion_grounds_tested,"
    " procurement.exclusion_grounds_note, procurement.national_security_quickscan, procurement.quickscan_note,"
    " procurement.notes, procurement.source, procurement.created_at, procurement.updated_at, procurement.version"
    " FROM procurement JOIN vendor ON vendor.id = procurement.vendor_id"
)
_LINKS = {"table": "procurement_scanner", "owner": "procurement_id", "target": "scanner_id", "field": "scanner_ids"}


def shape_procurement(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "vendor_id": row["vendor_id"],
        "reference": row["reference"],
        "title": row["title"],
        "awarded_on": iso_date(row["awarded_on"]),
        "legal_basis": row["legal_basis"],
        "exclusion_grounds_tested": row["exclusion_grounds_tested"],
        "exclusion_grounds_note": row["exclusion_grounds_note"],
        "national_security_quickscan": row["national_security_quickscan"],
        "quickscan_note": row["quickscan_note"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


PROCUREMENTS = Listing(
    resource="procurements",
    select=_SELECT,
    id_column="procurement.id",
    sort_fields={
        "id": SortField("procurement.id", "int"),
        "title": SortField("procurement.title"),
        "national_security_quickscan": SortField("procurement.national_security_quickscan"),
        "created_at": SortField("procurement.created_at", "timestamp"),
        "updated_at": SortField("procurement.updated_at", "timestamp"),
    },
    shape=shape_procurement,
)


async def list_procurements(
    reads: ReadDatabase,
    *,
    vendor: str | None,
    scanner: int | None,
    national_security_quickscan: QuickscanStatus | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Procurements matching every given filter, each with the scanners it bought."""
    filters = Filters()
    if vendor:
        condition, params = ref_condition(
            vendor, id_column="procurement.vendor_id", key_column="vendor.slug", param="vendor"
        )
        filters.add(condition, **params)
    if scanner is not None:
        filters.add(
            "EXISTS (SELECT 1 FROM procurement_scanner ps WHERE ps.procurement_id = procurement.id"
            " AND ps.scanner_id = :scanner)",
            scanner=scanner,
        )
    if national_security_quickscan:
        filters.add("procurement.national_security_quickscan = :quickscan", quickscan=national_security_quickscan)
    items, next_cursor = await fetch_page(
        reads, PROCUREMENTS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at)
    )
    await attach_links(reads, items, **_LINKS, past=past(at))
    return items, next_cursor


async def get_procurement(reads: ReadDatabase, procurement_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One procurement by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{_SELECT} WHERE procurement.id = :id", {"id": procurement_id}, at))
    if not rows:
        raise no_such("procurement", procurement_id, at)
    item = shape_procurement(reads, rows[0])
    await attach_links(reads, [item], **_LINKS, past=past(at))
    return item


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def load_procurement(session: Session, procurement_id: int) -> dict[str, Any]:
    """A procurement with its scanners, read inside the write transaction."""
    item = load_item(session, PROCUREMENTS, procurement_id)
    attach_links_in_session(session, [item], **_LINKS)
    return item


def _check_references(session: Session, values: dict[str, Any]) -> None:
    if values.get("vendor_id") is not None and session.get(Vendor, values["vendor_id"]) is None:
        raise InvalidRequest(
            f"vendor_id {values['vendor_id']} names no vendor.",
            errors=[{"location": "body", "field": "vendor_id", "message": "no such vendor", "type": "reference"}],
        )
    if values.get("scanner_ids"):
        check_ids_exist(session, Scanner, values["scanner_ids"], "scanner_ids", "scanner")


def create_procurement(session: Session, data: ProcurementCreate) -> dict[str, Any]:
    """Record a procurement of an existing vendor and link the scanners it bought."""
    values = data.model_dump()
    _check_references(session, values)
    scanner_ids = values.pop("scanner_ids")
    procurement_id = insert_row(session, Procurement(**values))
    replace_links(
        session,
        ProcurementScanner,
        owner="procurement_id",
        owner_id=procurement_id,
        target="scanner_id",
        target_ids=scanner_ids,
    )
    return load_procurement(session, procurement_id)


def update_procurement(
    session: Session, procurement_id: int, patch: ProcurementUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; ``scanner_ids`` replaces the list."""
    procurement = get_or_404(session, Procurement, procurement_id, "procurement")
    version = expected_version(if_match, "procurement", procurement_id, procurement.version)
    sent = patch.model_dump(exclude_unset=True)
    scanner_ids = sent.pop("scanner_ids", None)
    changes = {name: value for name, value in sent.items() if getattr(procurement, name) != value}
    _check_references(session, {**changes, "scanner_ids": scanner_ids})
    links_changed = scanner_ids is not None and replace_links(
        session,
        ProcurementScanner,
        owner="procurement_id",
        owner_id=procurement_id,
        target="scanner_id",
        target_ids=scanner_ids,
    )
    if changes or links_changed:
        update_row(session, Procurement, procurement_id, version, changes)
    return load_procurement(session, procurement_id)


def delete_procurement(session: Session, procurement_id: int, if_match: str | None) -> None:
    """Delete a procurement and its links to scanners (the scanners stay)."""
    procurement = get_or_404(session, Procurement, procurement_id, "procurement")
    version = expected_version(if_match, "procurement", procurement_id, procurement.version)
    delete_links(session, ProcurementScanner, owner="procurement_id", owner_id=procurement_id)
    delete_row(session, Procurement, procurement_id, version)
