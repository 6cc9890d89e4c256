"""Idempotency-Key on every POST (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

A client that sends ``Idempotency-Key: "<unique value>"`` with a POST may retry it safely:

- the same key with the same request (method, path, JSON body) replays the first response,
  status, body, ``Location`` and ``ETag`` included, and changes nothing;
- the same key with a different request is a 422;
- the same key while the first request is still being processed is a 409.

Keys are scoped to the API key that sent them and expire ``KEY_TTL`` after first use; expired
records are purged lazily. Only successful (2xx) responses are stored: when the first request
fails, its key is released so a corrected retry can proceed.

How it holds across processes and replicas, and without a window for duplicates:

1. ``idempotency_guard`` (a dependency every POST gets from ``StrictQueryRoute``) claims the key
   in its own short transaction by inserting an ``in_progress`` record; the unique
   (api_key_id, idempotency_key) constraint lets exactly one request win the claim, on any
   replica. A claim carries a random ``claim_token`` and a lease (``LEASE``); an abandoned claim
   (its process died) can be taken over once the lease has run out.
2. The endpoint runs in the request's transaction. ``record_response`` (called by the route
   class with the endpoint's response) completes the record in that same transaction, through
   ``app.core.db.before_commit``, with an UPDATE conditional on the claim token: the record and
   the write it describes are committed together or not at all.
3. If anything fails (validation, a 4xx problem, the commit itself), the guard deletes the
   claim after the request's transaction has rolled back.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session
from starlette.responses import Response

from app.auth.dependencies import CurrentKey
from app.core.choices import IdempotencyState
from app.core.db import UTCDateTime, before_commit, get_engine, utcnow
from app.core.errors import Conflict, InvalidRequest
from app.core.models import TrackedColumns, enum_type

KEY_TTL = timedelta(hours=24)
"""How long a key is remembered after its first use; afterwards it may be used again."""

LEASE = timedelta(seconds=60)
"""How long a claim blocks duplicates before it counts as abandoned (its process died) and can be taken over."""

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
    """This request's hold on an idempotency key."""

    api_key_id: int
    key: str
    token: str
    redacted: tuple[str, ...] = ()
    recorded: bool = field(default=False)

    def _mine(self) -> list[Any]:
        return [
            _table.c.api_key_id == self.api_key_id,
            _table.c.idempotency_key == self.key,
            _table.c.claim_token == self.token,
            _table.c.state == IdempotencyState.IN_PROGRESS.value,
        ]

    def complete(self, session: Session, response: Response) -> None:
        """Store the response in the request's transaction; 409 if another request took the claim over."""
        headers = {name: response.headers[name] for name in _STORED_HEADERS if name in response.headers}
        body = bytes(response.body)
        if self.redacted:
            document = orjson.loads(body)
            for name in self.redacted:
                if name in document:
                    document[name] = None
            body = orjson.dumps(document)
        result = session.execute(
            sa.update(_table)
            .where(*self._mine())
            .values(
                state=IdempotencyState.COMPLETED.value,
                claim_token=None,
                locked_until=None,
                response_status=response.status_code,
                response_headers=json.dumps(headers),
                response_body=body.decode(),
                updated_at=utcnow(),
                version=_table.c.version + 1,
            )
        )
        if result.rowcount != 1:
            raise Conflict(
                f"Another request with the same {HEADER} took over while this one was running; nothing was stored.",
                headers={"Retry-After": "1"},
            )
        self.recorded = True

    def release(self) -> None:
        """Forget the claim (the request failed), so a corrected retry can use the key."""
        with get_engine().begin() as connection:
            connection.execute(sa.delete(_table).where(*self._mine()))


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


def claim(api_key_id: int, key: str, method: str, path: str, request_fingerprint: str) -> Claim:
    """Take the key for this request, or raise: ``Replay`` (done before), 422 (other request), 409 (running)."""
    engine = get_engine()
    for _ in range(5):
        now = utcnow()
        token = secrets.token_hex(16)
        try:
            with engine.begin() as connection:
                _purge_expired(connection, now)
                connection.execute(
                    sa.insert(_table).values(
                        api_key_id=api_key_id,
                        idempotency_key=key,
                        request_method=method,
                        request_path=path[:2000],
                        fingerprint=request_fingerprint,
                        state=IdempotencyState.IN_PROGRESS.value,
                        claim_token=token,
                        locked_until=now + LEASE,
                        expires_at=now + KEY_TTL,
                        created_at=now,
                        updated_at=now,
                        version=1,
                    )
                )
            return Claim(api_key_id, key, token)
        except IntegrityError:
            pass
        with engine.begin() as connection:
            row = connection.execute(
                sa.select(_table).where(_table.c.api_key_id == api_key_id, _table.c.idempotency_key == key)
            ).first()
            if row is None:  # released in between: claim again
                continue
            if row.expires_at <= now:
                connection.execute(sa.delete(_table).where(_table.c.id == row.id, _table.c.expires_at <= now))
                continue
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
            if row.state == IdempotencyState.COMPLETED:
                raise Replay(row.response_status, json.loads(row.response_headers), row.response_body)
            if row.locked_until is not None and row.locked_until > now:
                raise Conflict(
                    f"A request with this {HEADER} is still being processed; retry when it has finished.",
                    headers={"Retry-After": "1"},
                )
            taken = connection.execute(
                sa.update(_table)
                .where(_table.c.id == row.id, _table.c.claim_token == row.claim_token)
                .values(claim_token=token, locked_until=now + LEASE, updated_at=now, version=_table.c.version + 1)
            )
            if taken.rowcount == 1:
                return Claim(api_key_id, key, token)
    raise Conflict(f"The {HEADER} is contended by concurrent requests; retry.", headers={"Retry-After": "1"})


async def idempotency_guard(
    request: Request,
    principal: CurrentKey,
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
) -> AsyncIterator[Claim | None]:
    """Claim the request's Idempotency-Key (if any) for its duration; release it if the request fails."""
    if idempotency_key is None:
        yield None
        return
    key = parse_key(idempotency_key)
    body = await request.body()
    request_fingerprint = fingerprint(request.method, request.url.path, request.url.query, body)
    held = await run_in_threadpool(claim, principal.key_id, key, request.method, request.url.path, request_fingerprint)
    request.state.idempotency_claim = held
    try:
        yield held
    except BaseException:
        # The request's transaction has rolled back by now (its session was opened after this
        # dependency, so it closes first): free the key for a corrected retry.
        await run_in_threadpool(held.release)
        raise
    if not held.recorded:
        await run_in_threadpool(held.release)


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
    handler: Callable[[Request], Any],
) -> Callable[[Request], Any]:
    """The route handler with replays answered and successful responses recorded."""

    async def idempotent_handler(request: Request) -> Response:
        try:
            response = await handler(request)
        except Replay as replay:
            return replay.response()
        record_response(request, response)
        return response

    return idempotent_handler
