"""Networks: their description, queries and writes."""

from datetime import datetime
from typing import Any

from app.changes.resources import (
    Reference,
    Resource,
    equal_filters,
    read_page,
    register,
    table_listing,
    unique,
)
from app.changes.versions import past
from app.core.pagination import Filters
from app.core.reads import ReadDatabase
from app.networks.models import Network
from app.networks.schemas import NetworkPublic
from app.scanners.models import Scanner

NETWORKS = table_listing(
    "networks",
    "network",
    ("id", "code", "name", "kind", "description"),
    sorts=("code", "name"),
    computed={"scanner_count": "(SELECT COUNT(*) FROM scanner WHERE scanner.network_id = network.id)"},
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
