"""Application factory: one FastAPI app with its routers, error handlers and read backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app import __doc__ as summary
from app.api import API_PREFIX, include_api
from app.auth.dependencies import declare_bearer_security
from app.auth.service import KeyCache
from app.core.config import Settings, get_settings
from app.core.context import RequestContextMiddleware, document_context_headers
from app.core.errors import document_problems, install_error_handlers
from app.core.openapi import complete_contract, package_version
from app.core.ratelimit import RateLimiter, document_rate_limits
from app.core.reads import open_reads
from app.core.security_headers import SecurityHeadersMiddleware
from app.health.router import router as health_router

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
`as_of=<RFC 3339 timestamp>` with the state at that instant.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the application for ``settings`` (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.reads = await open_reads(settings.database_url, settings.read_pool_size)
        app.state.key_cache = KeyCache()
        try:
            yield
        finally:
            await app.state.reads.close()

    app = FastAPI(
        title="Customs scanner inventory",
        summary=summary,
        description=DESCRIPTION,
        version=package_version(),
        lifespan=lifespan,
    )
    app.state.rate_limiter = RateLimiter(
        per_key=settings.rate_limit,
        auth_failures=settings.auth_failure_limit,
        redis_url=settings.redis_url,
        key_prefix=settings.redis_key_prefix,
    )
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    document_context_headers(app)
    include_api(app)
    app.include_router(health_router)
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
            declare_bearer_security(schema, API_PREFIX)
            document_rate_limits(schema, API_PREFIX)
            complete_contract(schema, api_prefix=API_PREFIX)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
