"""Investigations: their description, queries and writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.audits.models import Audit
from app.changes.resources import ForeignField, LinkSet, Resource, table_listing, unique
from app.core.periods import check_source_date
from app.core.reads import ReadDatabase
from app.investigations.models import Investigation, InvestigationScanner, InvestigationVendor
from app.investigations.schemas import InvestigationPublic
from app.scanners.models import Scanner
from app.vendors.models import Vendor

if TYPE_CHECKING:
    from app.investigations.router import InvestigationQuery

_FIELDS = (
    "id",
    "title",
    "conducted_by",
    "conducted_by_as_stated",
    "scope",
    "scope_as_stated",
    "status",
    "status_known_on",
    "expected_results",
    "expected_results_as_stated",
    "builds_on_audit_id",
    "notes",
)

INVESTIGATIONS = table_listing(
    "investigations", "investigation", _FIELDS, sorts=("title", "status"), dates=("status_known_on",)
)


def _known_by_now(session: Session, investigation: Investigation | None, values: dict[str, Any]) -> None:
    """A status cannot be known on a date that has not come yet."""
    check_source_date("status_known_on", values.get("status_known_on"))


_VENDORS = LinkSet(InvestigationVendor, Vendor)
_SCANNERS = LinkSet(InvestigationScanner, Scanner)

INVESTIGATION = Resource(
    model=Investigation,
    public=InvestigationPublic,
    listing=INVESTIGATIONS,
    unique=(unique("title"),),
    foreign=(ForeignField("builds_on_audit_id", Audit, "audit"),),
    links=(_VENDORS, _SCANNERS),
    check=_known_by_now,
)


async def list_investigations(
    reads: ReadDatabase, query: "InvestigationQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Investigations matching every given filter, each with its vendors and scanners."""
    filters = INVESTIGATION.filters(query, "status")
    if query.vendor:
        _VENDORS.ref_filter(filters, query.vendor, key="slug")
    if query.scanner is not None:
        _SCANNERS.filter(filters, query.scanner)
    return await INVESTIGATION.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
