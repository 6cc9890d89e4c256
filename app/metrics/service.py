"""Who may read the metrics, and the exposition itself."""

from __future__ import annotations

import hmac
import os

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder

from app.auth.service import KeyCache, Principal, authenticate
from app.core.choices import Role
from app.core.errors import Forbidden
from app.core.observability import CHANGE_LOG_HEAD, MULTIPROCESS, record_pools
from app.core.reads import ReadDatabase


async def check_reader(
    reads: ReadDatabase, cache: KeyCache, token: str | None, metrics_token: str | None
) -> Principal | None:
    """Admit the configured metrics token or an admin API key (returned); 401 without either, 403 for other keys.

    The metrics name routes, statuses and volumes, not inventory data, but they still describe the
    service's use, so they are not public; the scraper gets a token of its own that reads nothing else.
    """
    if token and metrics_token and hmac.compare_digest(token.encode(), metrics_token.encode()):
        return None
    principal = await authenticate(reads, cache, token)
    if not principal.allows(Role.ADMIN):
        raise Forbidden("The metrics need the metrics token (INVENTORY_METRICS_TOKEN) or an admin API key.")
    return principal


async def exposition(reads: ReadDatabase, accept: str | None) -> tuple[bytes, str]:
    """Every worker's metrics, in the format ``accept`` asks for (Prometheus text 0.0.4 by default, or
    OpenMetrics), with this worker's pools and the change log's head read fresh; and its media type."""
    rows = await reads.fetch("SELECT max(id) AS head FROM change_record")
    CHANGE_LOG_HEAD.set(rows[0]["head"] or 0)
    record_pools(reads)
    encode, media_type = choose_encoder(accept or "")
    if not MULTIPROCESS:
        return encode(REGISTRY), media_type
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, os.environ["PROMETHEUS_MULTIPROC_DIR"])
    return encode(registry), media_type
