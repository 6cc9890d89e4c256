"""Networks: their description, queries and writes."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.resources import (
    Reference,
    Resource,
    columns_sql,
    create,
    delete,
    equal_filters,
    read_item,
    read_page,
    register,
    row_shape,
    standard_sorts,
    unique,
    update,
)
from app.changes.versions import past
from app.core.pagination import Filters, Listing
from app.core.reads import ReadDatabase
from app.networks.models import Network
from app.networks.schemas import NetworkCreate, NetworkPublic, NetworkUpdate
from app.scanners.models import Scanner

_FIELDS = ("id", "code", "name", "kind", "description", "scanner_count")
_SCANNER_COUNT = "(SELECT COUNT(*) FROM scanner WHERE scanner.network_id = network.id) AS scanner_count"

NETWORKS = Listing(
    resource="networks",
    select=f"SELECT {columns_sql('network', *_FIELDS[:-1])}, {_SCANNER_COUNT} FROM network",
    id_column="network.id",
    sort_fields=standard_sorts("network", "code", "name"),
    shape=row_shape(*_FIELDS),
)

NETWORK = register(
    Resource(
        name="networks",
        model=Network,
        public=NetworkPublic,
        listing=NETWORKS,
        label="network",
        tag="networks",
        key="code",
        unique=(unique("code", "code"),),
        referenced_by=(Reference(Scanner, "network_id", "scanner(s)"),),
    )
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
    filters = equal_filters(Filters(), "network", kind=kind, code=code)
    return await read_page(reads, NETWORK, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_network(reads: ReadDatabase, network_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One network by id (as it stood at ``at``, when given), or NotFound."""
    return await read_item(reads, NETWORK, network_id, past(at))


def create_network(session: Session, data: NetworkCreate) -> dict[str, Any]:
    """Create a network; a taken code is a 409."""
    return create(session, NETWORK, data)


def update_network(session: Session, network_id: int, patch: NetworkUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    return update(session, NETWORK, network_id, patch, if_match)


def delete_network(session: Session, network_id: int, if_match: str | None) -> None:
    """Delete a network no scanner is linked into (409 otherwise)."""
    delete(session, NETWORK, network_id, if_match)
