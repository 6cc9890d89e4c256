"""Queries over investigations, and their writes."""

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from app.audits.models import Audit
from app.changes.versions import at_instant, no_such, past
from app.core.choices import InvestigationStatus
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidRequest
from app.core.http import ref_condition
from app.core.links import attach_links, attach_links_in_session, check_ids_exist, delete_links, replace_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date
from app.core.writes import delete_row, exists, expected_version, get_or_404, insert_row, load_item, update_row
from app.investigations.models import Investigation, InvestigationScanner, InvestigationVendor
from app.investigations.schemas import InvestigationCreate, InvestigationUpdate
from app.scanners.models import Scanner
from app.vendors.models import Vendor

_SELECT = (
    "SELECT investigation.id, investigation.title, investigation.conducted_by, investigation.conducted_by_as_stated,"
    " investigation.scope, investigation.scope_as_stated, investigation.status, investigation.status_known_on,"
    " investigation.expected_results, investigation.expected_results_as_stated, investigation.builds_on_audit_id,"
    " investigation.notes, investigation.source, investigation.created_at, investigation.updated_at,"
    " investigation.version FROM investigation"
)
_VENDORS = {"table": "investigation_vendor", "owner": "investigation_id", "target": "vendor_id", "field": "vendor_ids"}
_SCANNERS = {
    "table": "investigation_scanner",
    "owner": "investigation_id",
    "target": "scanner_id",
    "field": "scanner_ids",
}


def shape_investigation(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "conducted_by": row["conducted_by"],
        "conducted_by_as_stated": row["conducted_by_as_stated"],
        "scope": row["scope"],
        "scope_as_stated": row["scope_as_stated"],
        "status": row["status"],
        "status_known_on": iso_date(row["status_known_on"]),
        "expected_results": row["expected_results"],
        "expected_results_as_stated": row["expected_results_as_stated"],
        "builds_on_audit_id": row["builds_on_audit_id"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


INVESTIGATIONS = Listing(
    resource="investigations",
    select=_SELECT,
    id_column="investigation.id",
    sort_fields={
        "id": SortField("investigation.id", "int"),
        "title": SortField("investigation.title"),
        "status": SortField("investigation.status"),
        "created_at": SortField("investigation.created_at", "timestamp"),
        "updated_at": SortField("investigation.updated_at", "timestamp"),
    },
    shape=shape_investigation,
)


async def _with_links(reads: ReadDatabase, items: list[dict[str, Any]], at: datetime | None = None) -> None:
    await attach_links(reads, items, **_VENDORS, past=past(at))
    await attach_links(reads, items, **_SCANNERS, past=past(at))


async def list_investigations(
    reads: ReadDatabase,
    *,
    status: InvestigationStatus | None,
    vendor: str | None,
    scanner: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Investigations matching every given filter, each with its vendors and scanners."""
    filters = Filters()
    if status:
        filters.add("investigation.status = :status", status=status)
    if vendor:
        condition, params = ref_condition(vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
        filters.add(
            "EXISTS (SELECT 1 FROM investigation_vendor iv JOIN vendor ON vendor.id = iv.vendor_id"
            f" WHERE iv.investigation_id = investigation.id AND {condition})",
            **params,
        )
    if scanner is not None:
        filters.add(
            "EXISTS (SELECT 1 FROM investigation_scanner isc WHERE isc.investigation_id = investigation.id"
            " AND isc.scanner_id = :scanner)",
            scanner=scanner,
        )
    items, next_cursor = await fetch_page(
        reads, INVESTIGATIONS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at)
    )
    await _with_links(reads, items, at)
    return items, next_cursor


async def get_investigation(reads: ReadDatabase, investigation_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One investigation by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(
        *at_instant(reads, f"{_SELECT} WHERE investigation.id = :id", {"id": investigation_id}, at)
    )
    if not rows:
        raise no_such("investigation", investigation_id, at)
    item = shape_investigation(reads, rows[0])
    await _with_links(reads, [item], at)
    return item


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def load_investigation(session: Session, investigation_id: int) -> dict[str, Any]:
    """An investigation with its vendors and scanners, read inside the write transaction."""
    item = load_item(session, INVESTIGATIONS, investigation_id)
    attach_links_in_session(session, [item], **_VENDORS)
    attach_links_in_session(session, [item], **_SCANNERS)
    return item


def _duplicate_title(title: str) -> Conflict:
    return Conflict(f"An investigation titled '{title}' already exists.")


def _check(
    session: Session, values: dict[str, Any], vendor_ids: list[int] | None, scanner_ids: list[int] | None
) -> None:
    known_on: date | None = values.get("status_known_on")
    if known_on is not None and known_on > utcnow().date():
        raise InvalidRequest(
            f"status_known_on {known_on.isoformat()} is in the future; give the date of the source.",
            errors=[
                {"location": "body", "field": "status_known_on", "message": "in the future", "type": "value_error"}
            ],
        )
    audit_id = values.get("builds_on_audit_id")
    if audit_id is not None and session.get(Audit, audit_id) is None:
        raise InvalidRequest(
            f"builds_on_audit_id {audit_id} names no audit.",
            errors=[
                {"location": "body", "field": "builds_on_audit_id", "message": "no such audit", "type": "reference"}
            ],
        )
    if vendor_ids:
        check_ids_exist(session, Vendor, vendor_ids, "vendor_ids", "vendor")
    if scanner_ids:
        check_ids_exist(session, Scanner, scanner_ids, "scanner_ids", "scanner")


def _relink(
    session: Session, investigation_id: int, vendor_ids: list[int] | None, scanner_ids: list[int] | None
) -> bool:
    changed = False
    if vendor_ids is not None:
        changed |= replace_links(
            session,
            InvestigationVendor,
            owner="investigation_id",
            owner_id=investigation_id,
            target="vendor_id",
            target_ids=vendor_ids,
        )
    if scanner_ids is not None:
        changed |= replace_links(
            session,
            InvestigationScanner,
            owner="investigation_id",
            owner_id=investigation_id,
            target="scanner_id",
            target_ids=scanner_ids,
        )
    return changed


def create_investigation(session: Session, data: InvestigationCreate) -> dict[str, Any]:
    """Record an investigation and link the vendors and scanners it concerns; a taken title is a 409."""
    values = data.model_dump()
    vendor_ids, scanner_ids = values.pop("vendor_ids"), values.pop("scanner_ids")
    if exists(session, Investigation, title=values["title"]):
        raise _duplicate_title(values["title"])
    _check(session, values, vendor_ids, scanner_ids)
    investigation_id = insert_row(
        session, Investigation(**values), {"uq_investigation_title": _duplicate_title(values["title"])}
    )
    _relink(session, investigation_id, vendor_ids, scanner_ids)
    return load_investigation(session, investigation_id)


def update_investigation(
    session: Session, investigation_id: int, patch: InvestigationUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; the id lists replace the links."""
    investigation = get_or_404(session, Investigation, investigation_id, "investigation")
    version = expected_version(if_match, "investigation", investigation_id, investigation.version)
    sent = patch.model_dump(exclude_unset=True)
    vendor_ids, scanner_ids = sent.pop("vendor_ids", None), sent.pop("scanner_ids", None)
    changes = {name: value for name, value in sent.items() if getattr(investigation, name) != value}
    if "title" in changes and exists(session, Investigation, title=changes["title"]):
        raise _duplicate_title(changes["title"])
    _check(session, changes, vendor_ids, scanner_ids)
    links_changed = _relink(session, investigation_id, vendor_ids, scanner_ids)
    if changes or links_changed:
        update_row(
            session,
            Investigation,
            investigation_id,
            version,
            changes,
            {"uq_investigation_title": _duplicate_title(str(changes.get("title")))},
        )
    return load_investigation(session, investigation_id)


def delete_investigation(session: Session, investigation_id: int, if_match: str | None) -> None:
    """Delete an investigation and its links (the vendors and scanners stay)."""
    investigation = get_or_404(session, Investigation, investigation_id, "investigation")
    version = expected_version(if_match, "investigation", investigation_id, investigation.version)
    delete_links(session, InvestigationVendor, owner="investigation_id", owner_id=investigation_id)
    delete_links(session, InvestigationScanner, owner="investigation_id", owner_id=investigation_id)
    delete_row(session, Investigation, investigation_id, version)
