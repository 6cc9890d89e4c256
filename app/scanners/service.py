"""Queries over scanners."""

from typing import Any

from app.core.choices import CountBasis, NetworkMode, ScannerStatus, ScannerUse
from app.core.errors import NotFound
from app.core.http import ref_condition
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row

_SELECT = (
    "SELECT scanner.id, scanner.asset_tag, scanner.site_id, scanner.vendor_id, scanner.network_id,"
    " scanner.network_mode, scanner.status, scanner.use, scanner.model, scanner.count_basis, scanner.notes,"
    " scanner.source, scanner.created_at, scanner.updated_at, scanner.version,"
    " site.code AS site_code, site.name AS site_name, site.kind AS site_kind,"
    " vendor.slug AS vendor_slug, vendor.name AS vendor_name,"
    " network.code AS network_code, network.name AS network_name"
    " FROM scanner"
    " JOIN site ON site.id = scanner.site_id"
    " LEFT JOIN vendor ON vendor.id = scanner.vendor_id"
    " LEFT JOIN network ON network.id = scanner.network_id"
)


def shape_scanner(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    vendor_id = row["vendor_id"]
    network_id = row["network_id"]
    return {
        "id": row["id"],
        "asset_tag": row["asset_tag"],
        "site_id": row["site_id"],
        "vendor_id": vendor_id,
        "network_id": network_id,
        "network_mode": row["network_mode"],
        "status": row["status"],
        "use": row["use"],
        "model": row["model"],
        "count_basis": row["count_basis"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
        "site": {"id": row["site_id"], "code": row["site_code"], "name": row["site_name"], "kind": row["site_kind"]},
        "vendor": None
        if vendor_id is None
        else {"id": vendor_id, "slug": row["vendor_slug"], "name": row["vendor_name"]},
        "network": None
        if network_id is None
        else {"id": network_id, "code": row["network_code"], "name": row["network_name"]},
    }


SCANNERS = Listing(
    resource="scanners",
    select=_SELECT,
    id_column="scanner.id",
    sort_fields={
        "id": SortField("scanner.id", "int"),
        "asset_tag": SortField("scanner.asset_tag"),
        "status": SortField("scanner.status"),
        "use": SortField("scanner.use"),
        "network_mode": SortField("scanner.network_mode"),
        "created_at": SortField("scanner.created_at", "timestamp"),
        "updated_at": SortField("scanner.updated_at", "timestamp"),
    },
    shape=shape_scanner,
)


async def list_scanners(
    reads: ReadDatabase,
    *,
    site: str | None,
    vendor: str | None,
    vendor_disclosed: bool | None,
    network: str | None,
    network_mode: NetworkMode | None,
    status: ScannerStatus | None,
    use: ScannerUse | None,
    count_basis: CountBasis | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Scanners matching every given filter."""
    filters = Filters()
    if site:
        condition, params = ref_condition(site, id_column="scanner.site_id", key_column="site.code", param="site")
        filters.add(condition, **params)
    if vendor:
        condition, params = ref_condition(vendor, id_column="scanner.vendor_id", key_column="vendor.slug", param="vendor")
        filters.add(condition, **params)
    if vendor_disclosed is not None:
        filters.add("scanner.vendor_id IS NOT NULL" if vendor_disclosed else "scanner.vendor_id IS NULL")
    if network:
        condition, params = ref_condition(
            network, id_column="scanner.network_id", key_column="network.code", param="network"
        )
        filters.add(condition, **params)
    if network_mode:
        filters.add("scanner.network_mode = :network_mode", network_mode=network_mode)
    if status:
        filters.add("scanner.status = :status", status=status)
    if use:
        filters.add("scanner.use = :use", use=use)
    if count_basis:
        filters.add("scanner.count_basis = :count_basis", count_basis=count_basis)
    return await fetch_page(reads, SCANNERS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_scanner(reads: ReadDatabase, scanner_id: int) -> dict[str, Any]:
    """One scanner by id, or NotFound."""
    rows = await reads.fetch(f"{_SELECT} WHERE scanner.id = :id", {"id": scanner_id})
    if not rows:
        raise NotFound(f"No scanner with id {scanner_id}.")
    return shape_scanner(reads, rows[0])
