"""Application factory: one FastAPI app with its routers, error handlers and read backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __doc__ as summary
from app.api import API_PREFIX, include_api
from app.approvals.policy import check_approval_rules
from app.auth.dependencies import declare_bearer_security
from app.auth.service import KeyCache
from app.core.config import Settings, check_settings, get_settings
from app.core.constraints import constrain_parameters
from app.core.context import RequestContextMiddleware, document_context_headers
from app.core.errors import document_problems, install_error_handlers
from app.core.faults import declare_unavailable, install_fault_handlers
from app.core.heap import frozen_heap
from app.core.lifecycle import drain_on_sigterm
from app.core.limits import install_request_limits
from app.core.methods import HeadAsGetMiddleware
from app.core.observability import ObservabilityMiddleware, observed
from app.core.openapi import complete_contract, package_version
from app.core.ratelimit import RateLimiter, document_rate_limits
from app.core.security_headers import SecurityHeadersMiddleware
from app.core.startup import open_reads_when_ready
from app.docs.router import install_docs
from app.health.router import router as health_router
from app.metrics.router import router as metrics_router
from app.webhooks.delivery import background_worker

DESCRIPTION = """
Records where customs scanning equipment stands (seaports, airports, postal sorting centres),
who made it, whether it is fibre-linked into a closed customs network or standalone, and answers
with evidence the questions a parliament asks about it. Every seeded fact cites its source.

Every `/api/v1` operation needs `Authorization: Bearer <API key>`: `reader` keys read, `editor`
keys also change the inventory, `admin` keys also manage keys. `PATCH` and `DELETE` need
`If-Match` with the item's current `ETag` (428 without, 412 when stale). Any `POST` may carry an
`Idempotency-Key` to make retries safe (kept 24 hours).

Errors are `application/problem+json` (RFC 9457). Collections are keyset-paginated: follow
`next_cursor` or the `Link: rel="next"` header.

Requests are limited per API key, and failed authentications per client address: beyond the
limit the answer is a 429 problem with `Retry-After` (seconds).

Every response carries `X-Request-ID` (the client's, when it sends a sane one, else a new one).
Every change is recorded with its request id, API key and the optional `X-Change-Reason`
header in a hash-chained change log (`/api/v1/changes`); the five inventory collections answer
`as_of=<RFC 3339 timestamp>` with the state at that instant. Follow the log as a feed with
`after=<change id>` (and `wait=` to long-poll), or have admin-managed webhooks (`/api/v1/webhooks`)
POST each change, signed per Standard Webhooks, in change-log order and at least once.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_settings(settings)
        check_approval_rules(settings)
        app.state.reads = await open_reads_when_ready(settings)
        app.state.key_cache = KeyCache()
        try:
            with drain_on_sigterm(settings.drain_seconds), background_worker(settings):
                async with observed(app.state.reads, mode=settings.mode):
                    with frozen_heap():  # the application as started: left out of garbage collection
                        yield
        finally:
            await app.state.reads.close()

    app = FastAPI(
        title="Customs scanner inventory",
        summary=summary,
        description=DESCRIPTION,
        version=package_version(),
        lifespan=lifespan,
        docs_url=None,  # served from the package's own assets by install_docs
        redoc_url=None,
    )
    app.state.rate_limiter = RateLimiter(
        per_key=settings.rate_limit,
        auth_failures=settings.auth_failure_limit,
        redis_url=settings.redis_url,
        key_prefix=settings.redis_key_prefix,
    )
    install_error_handlers(app)
    install_fault_handlers(app, postgres=not settings.is_sqlite)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    install_request_limits(app, settings)
    app.state.bulk_max_rows = settings.bulk_max_rows
    app.add_middleware(SecurityHeadersMiddleware)  # on every response, 413 and 431 included
    app.add_middleware(ObservabilityMiddleware)  # outermost: sees every response, 500s included
    document_context_headers(app)
    include_api(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    install_docs(app, settings.docs_assets_dir)
    _finish_openapi(app)
    return app


def _finish_openapi(app: FastAPI) -> None:
    """Generate the OpenAPI document once, with what FastAPI cannot infer: problem bodies, bearer security,
    response headers, examples and the rest of the contract (``app/core/openapi.py``)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = generate()
            document_problems(schema)
            declare_unavailable(schema)
            constrain_parameters(schema)
            declare_bearer_security(schema, API_PREFIX)
            document_rate_limits(schema, API_PREFIX)
            complete_contract(schema, api_prefix=API_PREFIX)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
