"""Queries over networks."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.versions import at_instant, no_such, past
from app.core.errors import Conflict
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
from app.networks.models import Network
from app.networks.schemas import NetworkCreate, NetworkUpdate
from app.scanners.models import Scanner

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
    reads: ReadDatabase,
    *,
    kind: str | None,
    code: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Networks matching the filters, with their scanner counts (as they stood at ``at``, when given)."""
    filters = Filters()
    if kind:
        filters.add("network.kind = :kind", kind=kind)
    if code:
        filters.add("network.code = :code", code=code)
    return await fetch_page(reads, NETWORKS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_network(reads: ReadDatabase, network_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One network by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{NETWORKS.select} WHERE network.id = :id", {"id": network_id}, at))
    if not rows:
        raise no_such("network", network_id, at)
    return shape_network(reads, rows[0])


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _duplicate_code(code: str) -> Conflict:
    return Conflict(f"A network with code '{code}' already exists.")


def create_network(session: Session, data: NetworkCreate) -> dict[str, Any]:
    """Create a network; a taken code is a 409."""
    if exists(session, Network, code=data.code):
        raise _duplicate_code(data.code)
    network_id = insert_row(session, Network(**data.model_dump()), {"uq_network_code": _duplicate_code(data.code)})
    return load_item(session, NETWORKS, network_id)


def update_network(session: Session, network_id: int, patch: NetworkUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    network = get_or_404(session, Network, network_id, "network")
    version = expected_version(if_match, "network", network_id, network.version)
    changes = changed_fields(network, patch)
    if "code" in changes and exists(session, Network, code=changes["code"]):
        raise _duplicate_code(changes["code"])
    if changes:
        update_row(
            session,
            Network,
            network_id,
            version,
            changes,
            {"uq_network_code": _duplicate_code(str(changes.get("code")))},
        )
    return load_item(session, NETWORKS, network_id)


def delete_network(session: Session, network_id: int, if_match: str | None) -> None:
    """Delete a network no scanner is linked into (409 otherwise)."""
    network = get_or_404(session, Network, network_id, "network")
    version = expected_version(if_match, "network", network_id, network.version)
    linked = count_references(session, Scanner, "network_id", network_id)
    if linked:
        raise Conflict(f"Network '{network.code}' still links {linked} scanner(s); unlink them first.")
    delete_row(session, Network, network_id, version)
