"""Queries over networks."""

from typing import Any

from app.core.errors import NotFound
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row

_COLUMNS = (
    "network.id, network.code, network.name, network.kind, network.description, network.source,"
    " network.created_at, network.updated_at, network.version,"
    " (SELECT COUNT(*) FROM scanner WHERE scanner.network_id = network.id) AS scanner_count"
)


def shape_network(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "kind": row["kind"],
        "description": row["description"],
        "scanner_count": row["scanner_count"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


NETWORKS = Listing(
    resource="networks",
    select=f"SELECT {_COLUMNS} FROM network",
    id_column="network.id",
    sort_fields={
        "id": SortField("network.id", "int"),
        "code": SortField("network.code"),
        "name": SortField("network.name"),
        "created_at": SortField("network.created_at", "timestamp"),
        "updated_at": SortField("network.updated_at", "timestamp"),
    },
    shape=shape_network,
)


async def list_networks(
    reads: ReadDatabase, *, kind: str | None, code: str | None, sort: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Networks matching the filters."""
    filters = Filters()
    if kind:
        filters.add("network.kind = :kind", kind=kind)
    if code:
        filters.add("network.code = :code", code=code)
    return await fetch_page(reads, NETWORKS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_network(reads: ReadDatabase, network_id: int) -> dict[str, Any]:
    """One network by id, or NotFound."""
    rows = await reads.fetch(f"{NETWORKS.select} WHERE network.id = :id", {"id": network_id})
    if not rows:
        raise NotFound(f"No network with id {network_id}.")
    return shape_network(reads, rows[0])
