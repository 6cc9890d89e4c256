"""Networks: their description, queries and writes."""

from datetime import datetime
from typing import Any

from app.changes.resources import (
    Reference,
    Resource,
    columns_sql,
    equal_filters,
    read_page,
    register,
    row_shape,
    standard_sorts,
    unique,
)
from app.changes.versions import past
from app.core.pagination import Filters, Listing
from app.core.reads import ReadDatabase
from app.networks.models import Network
from app.networks.schemas import NetworkPublic
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
