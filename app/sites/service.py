"""Sites: their description, queries and writes."""

from datetime import datetime
from typing import Any

from app.changes.resources import (
    Reference,
    Resource,
    equal_filters,
    read_page,
    register,
    row_shape,
    table_listing,
    unique,
)
from app.changes.versions import past
from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.http import ref_condition
from app.core.pagination import Filters
from app.core.reads import ReadDatabase, Row
from app.operators.models import OperatorSite
from app.scanners.models import Scanner
from app.sites.models import Site
from app.sites.schemas import SitePublic

_FIELDS = ("id", "code", "name", "kind", "country", "locality", "scanner_list", "scanner_list_as_stated", "notes")
_shape_columns = row_shape(*_FIELDS)


def shape_site(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    item = _shape_columns(reads, row)
    # A state recorded before the inventory held this fact has no such key: it was not known then.
    item["scanner_list"] = item["scanner_list"] or "unknown"
    return item


SITES = table_listing(
    "sites",
    "site",
    _FIELDS,
    sorts=(
        "code",
        "name",
        "kind",
    ),
    shape=shape_site,
)

SITE = register(
    Resource(
        name="sites",
        model=Site,
        public=SitePublic,
        listing=SITES,
        label="site",
        tag="sites",
        key="code",
        unique=(unique("code", "code"),),
        referenced_by=(Reference(Scanner, "site_id", "scanner(s)"),),
        owned_by=((OperatorSite, "site_id"),),
    )
)


async def list_sites(
    reads: ReadDatabase,
    *,
    kind: SiteKind | None,
    code: str | None,
    country: str | None,
    scanner_list: ScannerListCompleteness | None,
    vendor: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Sites matching the filters (as they stood at ``at``, when given); ``vendor`` keeps the sites holding
    at least one scanner of that vendor."""
    filters = equal_filters(
        Filters(), "site", kind=kind, code=code, country=country and country.upper(), scanner_list=scanner_list
    )
    if vendor:
        condition, params = ref_condition(vendor, id_column="v.id", key_column="v.slug", param="vendor")
        filters.add(
            "EXISTS (SELECT 1 FROM scanner s JOIN vendor v ON v.id = s.vendor_id"
            f" WHERE s.site_id = site.id AND {condition})",
            **params,
        )
    return await read_page(reads, SITE, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))
