"""Queries over vendors and their restrictions."""

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlmodel import Session

from app.changes.resources import (
    ForeignField,
    Reference,
    Resource,
    columns_sql,
    ref_filter,
    table_listing,
    unique,
)
from app.changes.writes import SessionReads
from app.core.pagination import Filters, PastReading
from app.core.reads import ReadDatabase
from app.investigations.models import InvestigationVendor
from app.scanners.models import Scanner
from app.vendors.models import Vendor, VendorRestriction
from app.vendors.schemas import VendorPublic, VendorRestrictionPublic

if TYPE_CHECKING:
    from app.vendors.router import VendorQuery, VendorRestrictionQuery

_VENDOR_FIELDS = ("id", "slug", "name", "country", "ownership", "ownership_note", "notes")
_RESTRICTION_FIELDS = ("id", "vendor_id", "country", "authority", "kind", "decided_on", "description")
_RESTRICTION_COLUMNS = columns_sql("vendor_restriction", *_RESTRICTION_FIELDS)

VENDORS = table_listing("vendors", "vendor", _VENDOR_FIELDS, sorts=("slug", "name"))

RESTRICTIONS = table_listing(
    "vendor-restrictions",
    "vendor_restriction",
    _RESTRICTION_FIELDS,
    sorts=("country", "kind"),
    joins="JOIN vendor ON vendor.id = vendor_restriction.vendor_id",
    dates=("decided_on",),
)
shape_restriction = RESTRICTIONS.shape


def _restrictions_in_session(session: Session, vendor: dict[str, Any]) -> None:
    """Embed a vendor's restrictions, read inside the write transaction."""
    reads = SessionReads(session)
    rows = reads.fetch(
        f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction WHERE vendor_restriction.vendor_id = :id"
        " ORDER BY vendor_restriction.id",
        {"id": vendor["id"]},
    )
    vendor["restrictions"] = [shape_restriction(cast(ReadDatabase, reads), row) for row in rows]


async def _attach_restrictions(reads: ReadDatabase, vendors: list[dict[str, Any]], past: PastReading | None) -> None:
    """Embed each vendor's restrictions (as they stood at the reading's instant, when given), with one query
    for the whole page."""
    if not vendors:
        return
    placeholders = ", ".join(f":v{index}" for index in range(len(vendors)))
    sql = (
        f"SELECT {_RESTRICTION_COLUMNS} FROM vendor_restriction"
        f" WHERE vendor_restriction.vendor_id IN ({placeholders}) ORDER BY vendor_restriction.id"
    )
    params = {f"v{index}": vendor["id"] for index, vendor in enumerate(vendors)}
    if past is not None:
        sql, params = past.query(reads, sql, params)
    by_vendor: dict[int, list[dict[str, Any]]] = {vendor["id"]: [] for vendor in vendors}
    for row in await reads.fetch(sql, params):
        by_vendor[row["vendor_id"]].append(shape_restriction(reads, row))
    for vendor in vendors:
        vendor["restrictions"] = by_vendor[vendor["id"]]


VENDOR = Resource(
    model=Vendor,
    public=VendorPublic,
    listing=VENDORS,
    human_key=unique("slug"),
    referenced_by=(
        Reference(Scanner, "vendor_id", "scanner(s)"),
        Reference(VendorRestriction, "vendor_id", "restriction(s)"),
        Reference(InvestigationVendor, "vendor_id", "investigation(s)"),
    ),
    attach=_attach_restrictions,
    extend=_restrictions_in_session,
)

RESTRICTION = Resource(
    model=VendorRestriction,
    public=VendorRestrictionPublic,
    listing=RESTRICTIONS,
    tag="vendors",
    foreign=(ForeignField("vendor_id", Vendor, "vendor"),),
)


async def list_vendors(
    reads: ReadDatabase, query: "VendorQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendors matching the filters, each with its restrictions embedded (as they stood at ``at``, when given)."""
    filters = Filters().equal("vendor", country=query.country and query.country.upper(), slug=query.slug)
    if query.restricted_by:
        filters.add(
            "EXISTS (SELECT 1 FROM vendor_restriction r WHERE r.vendor_id = vendor.id AND r.country = :restricted_by)",
            restricted_by=query.restricted_by.upper(),
        )
    return await VENDOR.list_page(reads, query, filters, at)


async def list_restrictions(
    reads: ReadDatabase, query: "VendorRestrictionQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendor restrictions matching the filters (as they stood at ``at``, when given)."""
    country = query.country and query.country.upper()
    filters = Filters().equal("vendor_restriction", country=country, kind=query.kind)
    if query.vendor:
        ref_filter(filters, query.vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
    return await RESTRICTION.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
