"""Queries over vendors and their restrictions."""

from typing import Any

from app.core.errors import NotFound
from app.core.http import ref_condition
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date

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


async def _attach_restrictions(reads: ReadDatabase, vendors: list[dict[str, Any]]) -> None:
    """Embed each vendor's restrictions, with one query for the whole page."""
    if not vendors:
        return
    placeholders = ", ".join(f":v{index}" for index in range(len(vendors)))
    rows = await reads.fetch(
        f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction"
        f" WHERE vendor_restriction.vendor_id IN ({placeholders}) ORDER BY vendor_restriction.id",
        {f"v{index}": vendor["id"] for index, vendor in enumerate(vendors)},
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
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendors matching the filters, each with its restrictions embedded."""
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
    items, next_cursor = await fetch_page(reads, VENDORS, filters, sort=sort, limit=limit, cursor=cursor)
    await _attach_restrictions(reads, items)
    return items, next_cursor


async def get_vendor(reads: ReadDatabase, vendor_id: int) -> dict[str, Any]:
    """One vendor by id with its restrictions, or NotFound."""
    rows = await reads.fetch(f"{VENDORS.select} WHERE vendor.id = :id", {"id": vendor_id})
    if not rows:
        raise NotFound(f"No vendor with id {vendor_id}.")
    vendor = shape_vendor(reads, rows[0])
    await _attach_restrictions(reads, [vendor])
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
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendor restrictions matching the filters."""
    filters = Filters()
    if vendor:
        condition, params = ref_condition(vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
        filters.add(condition, **params)
    if country:
        filters.add("vendor_restriction.country = :country", country=country.upper())
    if kind:
        filters.add("vendor_restriction.kind = :kind", kind=kind)
    return await fetch_page(reads, RESTRICTIONS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_restriction(reads: ReadDatabase, restriction_id: int) -> dict[str, Any]:
    """One vendor restriction by id, or NotFound."""
    rows = await reads.fetch(f"{RESTRICTIONS.select} WHERE vendor_restriction.id = :id", {"id": restriction_id})
    if not rows:
        raise NotFound(f"No vendor restriction with id {restriction_id}.")
    return shape_restriction(reads, rows[0])
