"""Networks: their description, queries and writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.changes.resources import Reference, Resource, table_listing, unique
from app.core.reads import ReadDatabase
from app.networks.models import Network
from app.networks.schemas import NetworkPublic
from app.scanners.models import Scanner

if TYPE_CHECKING:
    from app.networks.router import NetworkQuery

NETWORKS = table_listing(
    "networks",
    "network",
    ("id", "code", "name", "kind", "description"),
    sorts=("code", "name"),
    computed={"scanner_count": "(SELECT COUNT(*) FROM scanner WHERE scanner.network_id = network.id)"},
)

NETWORK = Resource(
    model=Network,
    public=NetworkPublic,
    listing=NETWORKS,
    human_key=unique("code"),
    referenced_by=(Reference(Scanner, "network_id", "scanner(s)"),),
)


async def list_networks(
    reads: ReadDatabase, query: "NetworkQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Networks matching the filters, with their scanner counts (as they stood at ``at``, when given)."""
    filters = NETWORK.filters(query, "kind", "code")
    return await NETWORK.list_page(reads, query, filters, at)
