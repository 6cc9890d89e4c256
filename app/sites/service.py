"""Queries over sites."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.versions import at_instant, no_such, past
from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.errors import Conflict
from app.core.http import ref_condition
from app.core.links import delete_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row
from app.core.writes import (
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
from app.operators.models import OperatorSite
from app.scanners.models import Scanner
from app.sites.models import Site
from app.sites.schemas import SiteCreate, SiteUpdate

_COLUMNS = (
    "site.id, site.code, site.name, site.kind, site.country, site.locality, site.scanner_list,"
    " site.scanner_list_as_stated, site.notes, site.source,"
    " site.created_at, site.updated_at, site.version"
)


def shape_site(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "kind": row["kind"],
        "country": row["country"],
        "locality": row["locality"],
        # A state recorded before the inventory held this fact has no such key: it was not known then.
        "scanner_list": row.get("scanner_list") or "unknown",
        "scanner_list_as_stated": row.get("scanner_list_as_stated"),
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


SITES = Listing(
    resource="sites",
    select=f"SELECT {_COLUMNS} FROM site",
    id_column="site.id",
    sort_fields={
        "id": SortField("site.id", "int"),
        "code": SortField("site.code"),
        "name": SortField("site.name"),
        "kind": SortField("site.kind"),
        "created_at": SortField("site.created_at", "timestamp"),
        "updated_at": SortField("site.updated_at", "timestamp"),
    },
    shape=shape_site,
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
    filters = Filters()
    if kind:
        filters.add("site.kind = :kind", kind=kind.value)
    if code:
        filters.add("site.code = :code", code=code)
    if country:
        filters.add("site.country = :country", country=country.upper())
    if scanner_list:
        filters.add("site.scanner_list = :scanner_list", scanner_list=scanner_list.value)
    if vendor:
        condition, params = ref_condition(vendor, id_column="v.id", key_column="v.slug", param="vendor")
        filters.add(
            "EXISTS (SELECT 1 FROM scanner s JOIN vendor v ON v.id = s.vendor_id"
            f" WHERE s.site_id = site.id AND {condition})",
            **params,
        )
    return await fetch_page(reads, SITES, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_site(reads: ReadDatabase, site_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One site by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{SITES.select} WHERE site.id = :id", {"id": site_id}, at))
    if not rows:
        raise no_such("site", site_id, at)
    return shape_site(reads, rows[0])


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _duplicate_code(code: str) -> Conflict:
    return Conflict(f"A site with code '{code}' already exists.")


def create_site(session: Session, data: SiteCreate) -> dict[str, Any]:
    """Create a site; a taken code is a 409."""
    if exists(session, Site, code=data.code):
        raise _duplicate_code(data.code)
    site_id = insert_row(session, Site(**data.model_dump()), {"uq_site_code": _duplicate_code(data.code)})
    return load_item(session, SITES, site_id)


def update_site(session: Session, site_id: int, patch: SiteUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    site = get_or_404(session, Site, site_id, "site")
    version = expected_version(if_match, "site", site_id, site.version)
    changes = changed_fields(site, patch)
    if "code" in changes and exists(session, Site, code=changes["code"]):
        raise _duplicate_code(changes["code"])
    if changes:
        update_row(
            session, Site, site_id, version, changes, {"uq_site_code": _duplicate_code(str(changes.get("code")))}
        )
    return load_item(session, SITES, site_id)


def delete_site(session: Session, site_id: int, if_match: str | None) -> None:
    """Delete a site that holds no scanners (409 otherwise); its operators' links to it go with it."""
    site = get_or_404(session, Site, site_id, "site")
    version = expected_version(if_match, "site", site_id, site.version)
    held = count_references(session, Scanner, "site_id", site_id)
    if held:
        raise Conflict(f"Site '{site.code}' still holds {held} scanner(s); move or delete them first.")
    delete_links(session, OperatorSite, owner="site_id", owner_id=site_id)
    delete_row(session, Site, site_id, version)
