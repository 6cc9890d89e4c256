"""Per-request metrics and log lines, and the Prometheus instruments of the service.

``ObservabilityMiddleware`` is the outermost of the application's middleware, so it sees every
response, the request context's problems and 500s included. For each request it

- counts it and records its duration in ``inventory_http_requests_total`` and
  ``inventory_http_request_duration_seconds``, labelled by method, route template (``/api/v1/
  scanners/{scanner_id}``, never the raw path, so the label set stays bounded) and status;
- writes one log line (``event: request``) with the request id, method, route template, path
  without its query string, status, duration and API key id. Tokens and query strings are never
  logged: a query string may carry a cursor or anything a client pasted into it.

With several uvicorn workers the instruments use prometheus-client's multiprocess mode:
``inventory serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a directory of its own before any
worker imports this module, and ``/metrics`` (``app/metrics``) adds up every worker's files.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware
from app.core.db import get_engine

logger = logging.getLogger("app.request")
events = logging.getLogger("app.lifecycle")

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
"""Whether this process writes its metrics to the shared multiprocess directory."""

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "inventory_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "inventory_http_request_duration_seconds",
    "Time from receiving a request to sending the end of its response, by method, route template and status.",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
POOL_CONNECTIONS = Gauge(
    "inventory_db_pool_connections",
    "Database connections of the write pool (SQLAlchemy) and the read pool (asyncpg on PostgreSQL, "
    "one sqlite3 connection on SQLite), summed over the live worker processes. state: open (connections "
    "held by the pool), in_use (checked out), max (the most it may open).",
    ["pool", "state"],
    multiprocess_mode="livesum",
)
CHANGE_LOG_HEAD = Gauge(
    "inventory_change_log_head_id",
    "Id of the newest change-log record (0 when the log is empty), read from the database at scrape time.",
    multiprocess_mode="mostrecent",
)


def route_template(scope: Scope) -> str:
    """The path template the router matched (``/api/v1/scanners/{scanner_id}``), for labels and logs."""
    # A router included with a prefix leaves its own route (without the prefix) in scope["route"];
    # FastAPI keeps the route as included, prefix and all, in its effective route context.
    included = scope.get("fastapi", {}).get("effective_route_context")
    route = scope.get("route")
    path: str | None = getattr(included, "path_format", None) or getattr(route, "path_format", None)
    if path:
        return path
    if "endpoint" in scope and scope.get("root_path"):
        mount: str = scope["root_path"]
        return mount + "/{path}"  # a mounted app (the documentation's static files)
    return UNMATCHED


@lru_cache(maxsize=4096)
def _children(method: str, route: str, status: int) -> tuple[Any, Any]:
    # Looking a label set up takes a lock and builds a tuple on every call; the set is bounded
    # (route templates x methods x statuses), so each pair is looked up once.
    return REQUESTS.labels(method, route, str(status)), DURATION.labels(method, route, str(status))


class ObservabilityMiddleware(HttpMiddleware):
    """Counts, times and logs every HTTP request (pure ASGI, so it adds no task or buffering)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        response: dict[str, Any] = {"status": 500, "request_id": None}

        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        response["request_id"] = value.decode("latin-1")
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = route_template(scope)
            status = response["status"]
            counter, histogram = _children(method, route, status)
            counter.inc()
            histogram.observe(elapsed)
            principal = scope.get("state", {}).get("principal")
            logger.log(
                logging.ERROR if status >= 500 else logging.INFO,
                "request",
                extra={
                    "request_id": response["request_id"],
                    "method": scope["method"],
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 3),
                    "api_key_id": getattr(principal, "key_id", None),
                },
            )


def record_pools(reads: Any) -> None:
    """Set the pool gauges from this process's write engine and read backend."""
    pool = get_engine().pool
    size = getattr(pool, "size", None)
    checked_out = pool.checkedout() if hasattr(pool, "checkedout") else 0
    opened = checked_out + (pool.checkedin() if hasattr(pool, "checkedin") else 0)
    POOL_CONNECTIONS.labels("write", "open").set(opened)
    POOL_CONNECTIONS.labels("write", "in_use").set(checked_out)
    maximum = size() + max(getattr(pool, "_max_overflow", 0), 0) if callable(size) else opened
    POOL_CONNECTIONS.labels("write", "max").set(maximum)
    opened, idle, maximum = reads.pool_stats()
    POOL_CONNECTIONS.labels("read", "open").set(opened)
    POOL_CONNECTIONS.labels("read", "in_use").set(opened - idle)
    POOL_CONNECTIONS.labels("read", "max").set(maximum)


def process_exited() -> None:
    """Drop this worker's live gauges from the multiprocess directory (called at shutdown)."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated upstream


POOL_REFRESH_SECONDS = 5.0
"""How often each worker writes its pool gauges (the worker answering a scrape also does at once)."""


@asynccontextmanager
async def observed(reads: Any, *, mode: str) -> AsyncIterator[None]:
    """For the lifetime of an application: log its start and stop and keep its pool gauges fresh."""
    from importlib.metadata import version

    async def refresh() -> None:
        while True:
            try:
                record_pools(reads)
            except Exception:  # a gauge is never worth a crashed worker
                logger.warning("could not read the connection pools", exc_info=True)
            await asyncio.sleep(POOL_REFRESH_SECONDS)

    task = asyncio.create_task(refresh())
    events.info(
        "startup",
        extra={"version": version("customs-scanner-inventory"), "mode": mode, "database": reads.dialect},
    )
    try:
        yield
    finally:
        task.cancel()
        process_exited()
        events.info("shutdown")
