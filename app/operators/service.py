"""Operators: their description, queries and writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.changes.resources import LinkSet, Resource, table_listing, unique
from app.core.reads import ReadDatabase
from app.operators.models import Operator, OperatorScanner, OperatorSite
from app.operators.schemas import OperatorPublic
from app.scanners.models import Scanner
from app.sites.models import Site

if TYPE_CHECKING:
    from app.operators.router import OperatorQuery

_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "responsible_as_stated",
    "uses_nuctech",
    "as_stated",
    "scan_direction",
    "scan_direction_as_stated",
    "notes",
)

OPERATORS = table_listing("operators", "operator", _FIELDS, sorts=("code", "name"))


_SITES = LinkSet(OperatorSite, Site)
_SCANNERS = LinkSet(OperatorScanner, Scanner)

OPERATOR = Resource(
    model=Operator,
    public=OperatorPublic,
    listing=OPERATORS,
    human_key=unique("code"),
    links=(_SITES, _SCANNERS),
)


async def list_operators(
    reads: ReadDatabase, query: "OperatorQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Operators matching every given filter, each with its sites and scanners."""
    filters = OPERATOR.filters(query, "kind", "code", "uses_nuctech", "scan_direction")
    if query.site:
        _SITES.ref_filter(filters, query.site, key="code")
    if query.scanner is not None:
        _SCANNERS.filter(filters, query.scanner)
    return await OPERATOR.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
