"""Queries over vendors and their restrictions."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.versions import at_instant, no_such, past
from app.core.errors import Conflict, InvalidRequest
from app.core.http import ref_condition
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date
from app.core.writes import (
    SessionReads,
    changed_fields,
    count_references,
    delete_row,
    exists,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    update_row,
)
from app.investigations.models import InvestigationVendor
from app.scanners.models import Scanner
from app.vendors.models import Vendor, VendorRestriction
from app.vendors.schemas import VendorCreate, VendorRestrictionCreate, VendorRestrictionUpdate, VendorUpdate

_VENDOR_COLUMNS = (
    "vendor.id, vendor.slug, vendor.name, vendor.country, vendor.ownership, vendor.ownership_note,"
    " vendor.notes, vendor.source, vendor.created_at, vendor.updated_at, vendor.version"
)
_RESTRICTION_COLUMNS = (
    "vendor_restriction.id, vendor_restriction.vendor_id, vendor_restriction.country,"
    " vendor_restriction.authority, vendor_restriction.kind, vendor_restriction.decided_on,"
    " vendor_restriction.description, vendor_restriction.source, vendor_restriction.created_at,"
    " vendor_restriction.updated_at, vendor_restriction.version"
)


def shape_vendor(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "country": row["country"],
        "ownership": row["ownership"],
        "ownership_note": row["ownership_note"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


def shape_restriction(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "vendor_id": row["vendor_id"],
        "country": row["country"],
        "authority": row["authority"],
        "kind": row["kind"],
        "decided_on": iso_date(row["decided_on"]),
        "description": row["description"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


VENDORS = Listing(
    resource="vendors",
    select=f"SELECT {_VENDOR_COLUMNS} FROM vendor",
    id_column="vendor.id",
    sort_fields={
        "id": SortField("vendor.id", "int"),
        "slug": SortField("vendor.slug"),
        "name": SortField("vendor.name"),
        "created_at": SortField("vendor.created_at", "timestamp"),
        "updated_at": SortField("vendor.updated_at", "timestamp"),
    },
    shape=shape_vendor,
)

RESTRICTIONS = Listing(
    resource="vendor-restrictions",
    select=f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction JOIN vendor ON vendor.id = vendor_restriction.vendor_id",
    id_column="vendor_restriction.id",
    sort_fields={
        "id": SortField("vendor_restriction.id", "int"),
        "country": SortField("vendor_restriction.country"),
        "kind": SortField("vendor_restriction.kind"),
        "created_at": SortField("vendor_restriction.created_at", "timestamp"),
        "updated_at": SortField("vendor_restriction.updated_at", "timestamp"),
    },
    shape=shape_restriction,
)


async def _attach_restrictions(reads: ReadDatabase, vendors: list[dict[str, Any]], at: datetime | None = None) -> None:
    """Embed each vendor's restrictions (as they stood at ``at``, when given), with one query for the whole page."""
    if not vendors:
        return
    placeholders = ", ".join(f":v{index}" for index in range(len(vendors)))
    rows = await reads.fetch(
        *at_instant(
            reads,
            f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction"
            f" WHERE vendor_restriction.vendor_id IN ({placeholders}) ORDER BY vendor_restriction.id",
            {f"v{index}": vendor["id"] for index, vendor in enumerate(vendors)},
            at,
        )
    )
    by_vendor: dict[int, list[dict[str, Any]]] = {vendor["id"]: [] for vendor in vendors}
    for row in rows:
        by_vendor[row["vendor_id"]].append(shape_restriction(reads, row))
    for vendor in vendors:
        vendor["restrictions"] = by_vendor[vendor["id"]]


async def list_vendors(
    reads: ReadDatabase,
    *,
    country: str | None,
    slug: str | None,
    restricted_by: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendors matching the filters, each with its restrictions embedded (as they stood at ``at``, when given)."""
    filters = Filters()
    if country:
        filters.add("vendor.country = :country", country=country.upper())
    if slug:
        filters.add("vendor.slug = :slug", slug=slug)
    if restricted_by:
        filters.add(
            "EXISTS (SELECT 1 FROM vendor_restriction r WHERE r.vendor_id = vendor.id AND r.country = :restricted_by)",
            restricted_by=restricted_by.upper(),
        )
    items, next_cursor = await fetch_page(reads, VENDORS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))
    await _attach_restrictions(reads, items, at)
    return items, next_cursor


async def get_vendor(reads: ReadDatabase, vendor_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One vendor by id with its restrictions (as they stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{VENDORS.select} WHERE vendor.id = :id", {"id": vendor_id}, at))
    if not rows:
        raise no_such("vendor", vendor_id, at)
    vendor = shape_vendor(reads, rows[0])
    await _attach_restrictions(reads, [vendor], at)
    return vendor


async def list_restrictions(
    reads: ReadDatabase,
    *,
    vendor: str | None,
    country: str | None,
    kind: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendor restrictions matching the filters (as they stood at ``at``, when given)."""
    filters = Filters()
    if vendor:
        condition, params = ref_condition(vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
        filters.add(condition, **params)
    if country:
        filters.add("vendor_restriction.country = :country", country=country.upper())
    if kind:
        filters.add("vendor_restriction.kind = :kind", kind=kind)
    return await fetch_page(reads, RESTRICTIONS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_restriction(reads: ReadDatabase, restriction_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One vendor restriction by id (as it stood at ``at``, when given), or NotFound."""
    sql = f"{RESTRICTIONS.select} WHERE vendor_restriction.id = :id"
    rows = await reads.fetch(*at_instant(reads, sql, {"id": restriction_id}, at))
    if not rows:
        raise no_such("vendor restriction", restriction_id, at)
    return shape_restriction(reads, rows[0])


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _duplicate_slug(slug: str) -> Conflict:
    return Conflict(f"A vendor with slug '{slug}' already exists.")


def load_vendor(session: Session, vendor_id: int) -> dict[str, Any]:
    """A vendor with its restrictions, read inside the write transaction."""
    reads = SessionReads(session)
    vendor = load_item(session, VENDORS, vendor_id)
    rows = reads.fetch(
        f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction WHERE vendor_restriction.vendor_id = :id"
        " ORDER BY vendor_restriction.id",
        {"id": vendor_id},
    )
    vendor["restrictions"] = [shape_restriction(reads, row) for row in rows]
    return vendor


def create_vendor(session: Session, data: VendorCreate) -> dict[str, Any]:
    """Create a vendor; a taken slug is a 409."""
    if exists(session, Vendor, slug=data.slug):
        raise _duplicate_slug(data.slug)
    vendor_id = insert_row(session, Vendor(**data.model_dump()), {"uq_vendor_slug": _duplicate_slug(data.slug)})
    return load_vendor(session, vendor_id)


def update_vendor(session: Session, vendor_id: int, patch: VendorUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    vendor = get_or_404(session, Vendor, vendor_id, "vendor")
    version = expected_version(if_match, "vendor", vendor_id, vendor.version)
    changes = changed_fields(vendor, patch)
    if "slug" in changes and exists(session, Vendor, slug=changes["slug"]):
        raise _duplicate_slug(changes["slug"])
    if changes:
        update_row(
            session, Vendor, vendor_id, version, changes, {"uq_vendor_slug": _duplicate_slug(str(changes.get("slug")))}
        )
    return load_vendor(session, vendor_id)


def delete_vendor(session: Session, vendor_id: int, if_match: str | None) -> None:
    """Delete a vendor no scanner, restriction or investigation refers to (409 otherwise)."""
    vendor = get_or_404(session, Vendor, vendor_id, "vendor")
    version = expected_version(if_match, "vendor", vendor_id, vendor.version)
    scanners = count_references(session, Scanner, "vendor_id", vendor_id)
    restrictions = count_references(session, VendorRestriction, "vendor_id", vendor_id)
    if scanners or restrictions:
        raise Conflict(
            f"Vendor '{vendor.slug}' is still referenced by {scanners} scanner(s) and {restrictions} "
            "restriction(s); remove those references first."
        )
    investigations = count_references(session, InvestigationVendor, "vendor_id", vendor_id)
    if investigations:
        raise Conflict(
            f"Vendor '{vendor.slug}' is still named by {investigations} investigation(s); remove it from them first."
        )
    delete_row(session, Vendor, vendor_id, version)


def _require_vendor(session: Session, vendor_id: int) -> None:
    if session.get(Vendor, vendor_id) is None:
        raise InvalidRequest(
            f"vendor_id {vendor_id} names no vendor.",
            errors=[{"location": "body", "field": "vendor_id", "message": "no such vendor", "type": "reference"}],
        )


def create_restriction(session: Session, data: VendorRestrictionCreate) -> dict[str, Any]:
    """Record a restriction on an existing vendor."""
    _require_vendor(session, data.vendor_id)
    restriction_id = insert_row(session, VendorRestriction(**data.model_dump()))
    return load_item(session, RESTRICTIONS, restriction_id)


def update_restriction(
    session: Session, restriction_id: int, patch: VendorRestrictionUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    restriction = get_or_404(session, VendorRestriction, restriction_id, "vendor restriction")
    version = expected_version(if_match, "vendor-restriction", restriction_id, restriction.version)
    changes = changed_fields(restriction, patch)
    if "vendor_id" in changes:
        _require_vendor(session, changes["vendor_id"])
    if changes:
        update_row(session, VendorRestriction, restriction_id, version, changes)
    return load_item(session, RESTRICTIONS, restriction_id)


def delete_restriction(session: Session, restriction_id: int, if_match: str | None) -> None:
    """Delete a vendor restriction."""
    restriction = get_or_404(session, VendorRestriction, restriction_id, "vendor restriction")
    version = expected_version(if_match, "vendor-restriction", restriction_id, restriction.version)
    delete_row(session, VendorRestriction, restriction_id, version)
