"""Abuse limits: requests per API key, and failed authentications per client address.

Built on the ``limits`` library (sliding-window counters). Two limits, both configurable:

- ``INVENTORY_RATE_LIMIT`` (default ``600/minute``): requests per API key, counted after the key
  is authenticated, on every ``/api/v1`` operation.
- ``INVENTORY_AUTH_FAILURE_LIMIT`` (default ``20/minute``): failed authentications (missing,
  malformed, unknown, expired or revoked token) per client address. Once an address has used it
  up, every request from it that is not carrying a key this process has just verified is a 429
  until the window moves on, so guessing tokens, or making the database look up unknown ones,
  stays bounded.

Each takes one or more ``limits`` expressions (``600/minute``, ``10/second;600/minute``), or
``off``. Counters live in Redis when ``INVENTORY_REDIS_URL`` is set, so the limits hold across
workers and replicas; otherwise in this process's memory (per worker). If Redis cannot be reached
the request is let through and a warning logged: rate limiting protects availability, it must not
take it away.

An exceeded limit is a 429 problem with ``Retry-After`` (whole seconds) and the ``RateLimit-Limit``,
``RateLimit-Remaining``, ``RateLimit-Reset`` and ``RateLimit-Policy`` headers of the IETF draft.
The client address is the peer of the connection; behind a reverse proxy, uvicorn's
``--forwarded-allow-ips`` makes it the address the proxy reports.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from app.core.errors import ProblemError

logger = logging.getLogger("app.ratelimit")

OFF = "off"
REDIS_TIMEOUT_SECONDS = 0.5
"""How long a request waits for Redis before it is let through unlimited."""


class TooManyRequests(ProblemError):
    status, slug, title = 429, "too-many-requests", "Too many requests"


def parse_limit(value: str) -> list[RateLimitItem]:
    """The limits an expression names (``600/minute``, ``10/second;600/minute``); ``off``: none.

    Raises ``ValueError`` for anything else, so a mistyped setting stops the service at start."""
    text = value.strip()
    if text.lower() == OFF:
        return []
    try:
        items = parse_many(text)
    except ValueError as error:
        raise ValueError(f"not a rate limit: {value!r} (e.g. 600/minute, 10/second;600/minute, or off)") from error
    if not items:
        raise ValueError(f"not a rate limit: {value!r}")
    return items


def _describe(item: RateLimitItem, what: str) -> str:
    unit = item.GRANULARITY.name
    window = unit if item.multiples == 1 else f"{item.multiples} {unit}s"
    return f"{item.amount} {what} per {window}"


@dataclass
class Exceeded:
    item: RateLimitItem
    retry_after: int


class RateLimiter:
    """The two limits of one app, on one storage (Redis or memory)."""

    def __init__(
        self, *, per_key: str, auth_failures: str, redis_url: str | None = None, key_prefix: str = "inventory"
    ) -> None:
        self.per_key = parse_limit(per_key)
        self.auth_failures = parse_limit(auth_failures)
        self.shared = redis_url is not None
        if redis_url:
            storage = storage_from_string(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=f"{key_prefix}:ratelimit",
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
        else:
            storage = storage_from_string("async+memory://")
        self.storage = storage
        self.strategy = SlidingWindowCounterRateLimiter(storage)

    @property
    def enabled(self) -> bool:
        return bool(self.per_key or self.auth_failures)

    async def admit_key(self, key_id: int) -> None:
        """Count a request of an API key; 429 when the key is over its limit."""
        if self.per_key:
            exceeded = await self._hit(self.per_key, "key", str(key_id))
            if exceeded:
                raise self._problem(exceeded, f"This API key made more than {_describe(exceeded.item, 'requests')}.")

    async def refuse_blocked_address(self, address: str) -> None:
        """429 when ``address`` has used up its failed authentications (without counting this request)."""
        if self.auth_failures:
            exceeded = await self._test(self.auth_failures, "auth-failure", address)
            if exceeded:
                raise self._problem(
                    exceeded,
                    f"This address made more than {_describe(exceeded.item, 'failed authentications')}.",
                )

    async def record_auth_failure(self, address: str) -> None:
        """Count a failed authentication from ``address``."""
        if self.auth_failures:
            await self._hit(self.auth_failures, "auth-failure", address)

    async def _hit(self, items: list[RateLimitItem], *identifiers: str) -> Exceeded | None:
        try:
            for item in items:
                if not await self.strategy.hit(item, *identifiers):
                    return await self._exceeded(item, identifiers)
        except Exception:  # the storage is unreachable: let the request through
            logger.warning("rate limit storage unavailable; request not limited", exc_info=True)
        return None

    async def _test(self, items: list[RateLimitItem], *identifiers: str) -> Exceeded | None:
        try:
            for item in items:
                if not await self.strategy.test(item, *identifiers):
                    return await self._exceeded(item, identifiers)
        except Exception:
            logger.warning("rate limit storage unavailable; request not limited", exc_info=True)
        return None

    async def _exceeded(self, item: RateLimitItem, identifiers: tuple[str, ...]) -> Exceeded:
        stats = await self.strategy.get_window_stats(item, *identifiers)
        return Exceeded(item, max(1, math.ceil(stats.reset_time - time.time())))

    @staticmethod
    def _problem(exceeded: Exceeded, detail: str) -> TooManyRequests:
        item = exceeded.item
        seconds = str(exceeded.retry_after)
        return TooManyRequests(
            f"{detail} Retry after {seconds} seconds.",
            headers={
                "Retry-After": seconds,
                "RateLimit-Limit": str(item.amount),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": seconds,
                "RateLimit-Policy": f"{item.amount};w={item.get_expiry()}",
            },
        )


TOO_MANY_REQUESTS_RESPONSE: dict[str, Any] = {
    "description": "Too many requests: this API key is over `INVENTORY_RATE_LIMIT`, or this client address over "
    "`INVENTORY_AUTH_FAILURE_LIMIT` failed authentications. Retry after `Retry-After` seconds.",
    "headers": {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}},
        "RateLimit-Limit": {"description": "The limit that was reached.", "schema": {"type": "integer"}},
        "RateLimit-Remaining": {"description": "Requests left in the window (0).", "schema": {"type": "integer"}},
        "RateLimit-Reset": {
            "description": "Seconds until the window allows requests again.",
            "schema": {"type": "integer"},
        },
    },
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetail"}}},
}


def document_rate_limits(schema: dict[str, Any], prefix: str) -> None:
    """Declare the 429 problem on every operation under ``prefix`` (all of them authenticate)."""
    for path, methods in schema.get("paths", {}).items():
        if path.startswith(prefix):
            for operation in methods.values():
                operation.setdefault("responses", {})["429"] = TOO_MANY_REQUESTS_RESPONSE
