"""Idempotency-Key on every POST (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

A client that sends ``Idempotency-Key: "<unique value>"`` with a POST may retry it safely:

- the same key with the same request (method, path, JSON body) replays the first response,
  status, body, ``Location`` and ``ETag`` included, and changes nothing;
- the same key with a different request is a 422;
- the same key while the first request is still being processed is a 409.

Keys are scoped to the API key that sent them and expire ``KEY_TTL`` after first use; expired
records are purged lazily. Only successful (2xx) responses are stored: when the first request
fails, its key is released so a corrected retry can proceed.

How it holds across processes and replicas, and through database faults: the claim is part of
the request's own transaction, so it can never outlive the request.

1. ``idempotency_guard`` (a dependency every POST gets from ``StrictQueryRoute``) opens the
   request's transaction (``SessionDep``, the same session the endpoint then writes with) and
   claims the key in it: on PostgreSQL with a transaction-scoped advisory lock on (API key,
   key), taken without waiting, so a concurrent duplicate on any replica gets a 409 at once;
   on SQLite the transaction holds the database's write lock, so duplicates wait their turn.
   Holding the claim, it looks up the key's record: a completed one is replayed, one for a
   different request is a 422.
2. The endpoint runs in that transaction. ``record_response`` (called by the route class with
   the endpoint's response) inserts the completed record in that same transaction, through
   ``app.core.db.before_commit``: the record and the write it describes are committed together
   or not at all.
3. If anything fails (validation, a 4xx problem, the commit, the database itself) the
   transaction rolls back or dies with its connection, and the claim goes with it: the server
   releases advisory locks when a transaction ends or its backend goes away, so a retry is
   possible as soon as the database answers again. Nothing has to be cleaned up, and no lease
   has to run out.

Records are only ever written completed; ``state``, ``claim_token`` and ``locked_until`` stay in
the table for records written by earlier versions (an in-progress one left behind is ignored).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session
from starlette.responses import Response

from app.core.choices import IdempotencyState
from app.core.db import UTCDateTime, before_commit, utcnow
from app.core.deps import SessionDep
from app.core.errors import Conflict, InvalidRequest
from app.core.models import TrackedColumns, enum_type

KEY_TTL = timedelta(hours=24)
"""How long a key is remembered after its first use; afterwards it may be used again."""

PURGE_SECONDS = 60.0
"""Expired records are purged at most this often per process, on the next claim."""

MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_STORED_HEADERS = ("content-type", "location", "etag")
_KEY_TEXT = re.compile(r"^[\x20-\x7e]+$")


class IdempotencyRecord(TrackedColumns, table=True):
    """A POST sent with an Idempotency-Key: which API key sent it, a fingerprint of the request,
    and, once it succeeded, the response to replay to retries until the record expires."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        sa.UniqueConstraint("api_key_id", "idempotency_key"),
        sa.CheckConstraint(
            "(state = 'in_progress' AND claim_token IS NOT NULL AND response_status IS NULL)"
            " OR (state = 'completed' AND claim_token IS NULL"
            " AND response_status BETWEEN 200 AND 299 AND response_body IS NOT NULL)",
            name="state_matches_response",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", ondelete="RESTRICT", nullable=False)
    idempotency_key: str = Field(max_length=MAX_KEY_LENGTH, nullable=False)
    request_method: str = Field(max_length=10, nullable=False)
    request_path: str = Field(max_length=2000, nullable=False)
    fingerprint: str = Field(max_length=64, nullable=False, description="SHA-256 of method, path and JSON body.")
    state: IdempotencyState = Field(sa_type=enum_type(IdempotencyState, "idempotency_state"), nullable=False)
    claim_token: str | None = Field(
        default=None, max_length=32, description="Identifies the request holding the claim."
    )
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    response_status: int | None = Field(default=None)
    response_headers: str | None = Field(default=None, sa_type=sa.Text, description="JSON object of stored headers.")
    response_body: str | None = Field(default=None, sa_type=sa.Text)


_table = IdempotencyRecord.__table__


class Replay(Exception):
    """Raised by the guard when a completed record answers the request; the route class returns it."""

    def __init__(self, status: int, headers: dict[str, str], body: str) -> None:
        super().__init__("replay")
        self.status = status
        self.headers = headers
        self.body = body

    def response(self) -> Response:
        headers = {name: value for name, value in self.headers.items() if name != "content-type"}
        headers[REPLAYED_HEADER] = "true"
        return Response(
            self.body.encode(),
            status_code=self.status,
            media_type=self.headers.get("content-type", "application/json"),
            headers=headers,
        )


@dataclass
class Claim:
    """This request's hold on an idempotency key (for as long as the request's transaction lasts)."""

    api_key_id: int
    key: str
    method: str
    path: str
    fingerprint: str
    redacted: tuple[str, ...] = ()

    def complete(self, session: Session, response: Response) -> None:
        """Store the response in the request's transaction, to be replayed to retries."""
        headers = {name: response.headers[name] for name in _STORED_HEADERS if name in response.headers}
        body = bytes(response.body)
        if self.redacted:
            document = orjson.loads(body)
            for name in self.redacted:
                if name in document:
                    document[name] = None
            body = orjson.dumps(document)
        now = utcnow()
        try:
            session.execute(
                sa.insert(_table).values(
                    api_key_id=self.api_key_id,
                    idempotency_key=self.key,
                    request_method=self.method,
                    request_path=self.path[:2000],
                    fingerprint=self.fingerprint,
                    state=IdempotencyState.COMPLETED.value,
                    claim_token=None,
                    locked_until=None,
                    expires_at=now + KEY_TTL,
                    response_status=response.status_code,
                    response_headers=json.dumps(headers),
                    response_body=body.decode(),
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
        except IntegrityError:
            raise Conflict(
                f"Another request with the same {HEADER} completed while this one was running; nothing was stored.",
                headers={"Retry-After": "1"},
            ) from None


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    """What makes two requests 'the same': method, path and query, and the JSON body up to key order and spacing."""
    try:
        canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS) if body else b""
    except orjson.JSONDecodeError:
        canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def parse_key(raw: str) -> str:
    """The key from the header: an RFC 8941 string (``"..."``), or, leniently, the bare text."""
    text = raw.strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        inner, value, index = text[1:-1], [], 0
        while index < len(inner):
            char = inner[index]
            if char == "\\" and index + 1 < len(inner) and inner[index + 1] in '"\\':
                value.append(inner[index + 1])
                index += 2
                continue
            if char in '"\\':
                raise _bad_key("has an unescaped quote or backslash")
            value.append(char)
            index += 1
        text = "".join(value)
    if not text:
        raise _bad_key("is empty")
    if len(text) > MAX_KEY_LENGTH:
        raise _bad_key(f"is longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_TEXT.match(text):
        raise _bad_key("must be printable ASCII")
    return text


def _bad_key(reason: str) -> InvalidRequest:
    return InvalidRequest(
        f'The {HEADER} header {reason}; send a unique value such as a UUID, e.g. {HEADER}: "<uuid>".',
        errors=[{"location": "header", "field": HEADER, "message": reason, "type": "value_error"}],
    )


_last_purge = float("-inf")


def _purge_expired(connection: sa.Connection, now: datetime) -> None:
    global _last_purge
    if time.monotonic() - _last_purge < PURGE_SECONDS:
        return
    _last_purge = time.monotonic()
    connection.execute(sa.delete(_table).where(_table.c.expires_at <= now))


def _lock_id(api_key_id: int, key: str) -> int:
    """A signed 64-bit advisory-lock id for (API key, idempotency key)."""
    digest = hashlib.sha256(f"idempotency-key:{api_key_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def claim(session: Session, api_key_id: int, key: str, method: str, path: str, request_fingerprint: str) -> Claim:
    """Take the key in the request's transaction, or raise: ``Replay`` (done before), 422 (other request),
    409 (another request holds it now)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        locked = connection.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_id(api_key_id, key)))).scalar()
        if not locked:
            raise Conflict(
                f"A request with this {HEADER} is still being processed; retry when it has finished.",
                headers={"Retry-After": "1"},
            )
    now = utcnow()
    _purge_expired(connection, now)
    row = connection.execute(
        sa.select(_table).where(_table.c.api_key_id == api_key_id, _table.c.idempotency_key == key)
    ).first()
    if row is not None and (row.expires_at <= now or row.state != IdempotencyState.COMPLETED):
        # Expired, or an in-progress claim left by an earlier version: the key is free again.
        connection.execute(sa.delete(_table).where(_table.c.id == row.id))
        row = None
    if row is not None:
        if row.fingerprint != request_fingerprint:
            raise InvalidRequest(
                f"This {HEADER} was already used for a different request ({row.request_method} "
                f"{row.request_path} with another body); use a new key for a new request.",
                errors=[
                    {
                        "location": "header",
                        "field": HEADER,
                        "message": "key already used for a different request",
                        "type": "idempotency_key_reused",
                    }
                ],
            )
        raise Replay(row.response_status, json.loads(row.response_headers), row.response_body)
    return Claim(api_key_id, key, method, path, request_fingerprint)


async def idempotency_guard(
    request: Request,
    session: SessionDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Optional. A unique value (e.g. a UUID, as an RFC 8941 string) that makes this POST safe "
            "to retry: a retry with the same key and body replays the first response and creates nothing; the "
            "same key with another body is a 422, and while the first request is still running a 409. Keys are "
            "per API key and expire 24 hours after first use.",
        ),
    ] = None,
) -> Claim | None:
    """Claim the request's Idempotency-Key (if any) in the request's transaction, which releases it if the request fails."""
    # Keys are scoped by API key. The route's authentication ran before any input was read (see
    # ``app.core.routing.StrictQueryRoute``) and left the key on the request; a route without
    # authentication (none takes a POST today) has nothing to scope a key by, so it ignores the header.
    principal = getattr(request.state, "principal", None)
    if idempotency_key is None or principal is None:
        return None
    key = parse_key(idempotency_key)
    body = await request.body()
    request_fingerprint = fingerprint(request.method, request.url.path, request.url.query, body)
    held = await run_in_threadpool(
        claim, session, principal.key_id, key, request.method, request.url.path, request_fingerprint
    )
    request.state.idempotency_claim = held
    return held


IdempotencyDep = Depends(idempotency_guard, scope="function")
"""Added by ``StrictQueryRoute`` to every POST; declares the optional header in OpenAPI."""


def exclude_from_replay(request: Request, *fields: str) -> None:
    """Store these top-level body fields as null in the replay copy (secrets shown once, e.g. a new token)."""
    held: Claim | None = getattr(request.state, "idempotency_claim", None)
    if held is not None:
        held.redacted = (*held.redacted, *fields)


def record_response(request: Request, response: Response) -> None:
    """If the request holds a claim and succeeded, store its response with the request's write."""
    held: Claim | None = getattr(request.state, "idempotency_claim", None)
    if held is None or not 200 <= response.status_code < 300 or not hasattr(response, "body"):
        return
    before_commit(request, lambda session: held.complete(session, response))


def wrap_handler(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    """The route handler with replays answered and successful responses recorded."""

    async def idempotent_handler(request: Request) -> Response:
        try:
            response = await handler(request)
        except Replay as replay:
            return replay.response()
        record_response(request, response)
        return response

    return idempotent_handler
