"""Who may read the metrics, and the exposition itself."""

from __future__ import annotations

import hmac
import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from app.auth.service import KeyCache, Principal, authenticate
from app.core.choices import Role
from app.core.errors import Forbidden
from app.core.observability import CHANGE_LOG_HEAD, MULTIPROCESS, record_pools
from app.core.reads import ReadDatabase

CONTENT_TYPE = CONTENT_TYPE_LATEST


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


async def exposition(reads: ReadDatabase) -> bytes:
    """Every worker's metrics in the Prometheus text format, with this worker's pools and the log head fresh."""
    rows = await reads.fetch("SELECT max(id) AS head FROM change_record")
    CHANGE_LOG_HEAD.set(rows[0]["head"] or 0)
    record_pools(reads)
    if not MULTIPROCESS:
        return generate_latest(REGISTRY)
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, os.environ["PROMETHEUS_MULTIPROC_DIR"])
    return generate_latest(registry)
