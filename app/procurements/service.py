"""Procurements: their description, queries and writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.changes.resources import ForeignField, LinkSet, Resource, key_ref_filter, table_listing
from app.core.reads import ReadDatabase
from app.procurements.models import Procurement, ProcurementScanner
from app.procurements.schemas import ProcurementPublic
from app.scanners.models import Scanner
from app.vendors.models import Vendor

if TYPE_CHECKING:
    from app.procurements.router import ProcurementQuery

_FIELDS = (
    "id",
    "vendor_id",
    "reference",
    "title",
    "awarded_on",
    "legal_basis",
    "exclusion_grounds_tested",
    "exclusion_grounds_note",
    "national_security_quickscan",
    "quickscan_note",
    "notes",
)

PROCUREMENTS = table_listing(
    "procurements",
    "procurement",
    _FIELDS,
    sorts=("title", "national_security_quickscan"),
    joins="JOIN vendor ON vendor.id = procurement.vendor_id",
    dates=("awarded_on",),
)

_SCANNERS = LinkSet(ProcurementScanner, Scanner)

PROCUREMENT = Resource(
    model=Procurement,
    public=ProcurementPublic,
    listing=PROCUREMENTS,
    foreign=(ForeignField("vendor_id", Vendor, "vendor"),),
    links=(_SCANNERS,),
)


async def list_procurements(
    reads: ReadDatabase, query: "ProcurementQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Procurements matching every given filter, each with the scanners it bought."""
    filters = PROCUREMENT.filters(query, "national_security_quickscan")
    if query.vendor:
        key_ref_filter(filters, query.vendor, column="procurement.vendor_id", table="vendor", key="slug")
    if query.scanner is not None:
        _SCANNERS.filter(filters, query.scanner)
    return await PROCUREMENT.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
