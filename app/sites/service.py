"""Sites: their description, queries and writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.changes.resources import Reference, Resource, table_listing, unique
from app.core.http import ref_condition
from app.core.reads import ReadDatabase
from app.operators.models import OperatorSite
from app.scanners.models import Scanner
from app.sites.models import Site
from app.sites.schemas import SitePublic

if TYPE_CHECKING:
    from app.sites.router import SiteQuery

SITES = table_listing(
    "sites",
    "site",
    ("id", "code", "name", "kind", "country", "locality", "scanner_list", "scanner_list_as_stated", "notes"),
    sorts=("code", "name", "kind"),
    unknown={"scanner_list": "unknown"},
)

SITE = Resource(
    model=Site,
    public=SitePublic,
    listing=SITES,
    human_key=unique("code"),
    referenced_by=(Reference(Scanner, "site_id", "scanner(s)"),),
    owned_by=((OperatorSite, "site_id"),),
)


async def list_sites(
    reads: ReadDatabase, query: "SiteQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Sites matching the filters (as they stood at ``at``, when given); ``vendor`` keeps the sites holding
    at least one scanner of that vendor."""
    filters = SITE.filters(query, "kind", "code")
    filters.equal("site", country=query.country and query.country.upper(), scanner_list=query.scanner_list)
    if query.vendor:
        condition, params = ref_condition(query.vendor, id_column="v.id", key_column="v.slug", param="vendor")
        filters.add(
            "EXISTS (SELECT 1 FROM scanner s JOIN vendor v ON v.id = s.vendor_id"
            f" WHERE s.site_id = site.id AND {condition})",
            **params,
        )
    return await SITE.list_page(reads, query, filters, at)
