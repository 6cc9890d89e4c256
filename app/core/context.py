"""Who and what a change belongs to: the request id, the API key and the client's reason.

A small ASGI middleware opens one ``RequestContext`` per HTTP request and keeps it in a
context variable, so the write helpers (``app/changes/writes.py``) can stamp change records
without every service passing these values along. Sync endpoints run in a worker thread that
copies the context, and the object is shared, so they see the same one.

- ``X-Request-ID``: the client's value when it is a sane token (1 to 128 characters of
  letters, digits and ``._:/+=@-``) and not reserved, else a generated one. It is echoed on
  every response, errors and 500s included. The ids the service stamps on its own changes
  (``seed`` for the seed loader, ``cli`` for the command line, in any case, alone or followed by
  ``:``) are reserved: a client sending one gets a generated id instead, so no request can pass
  its changes off as the seed's or the command line's.
- ``X-Change-Reason``: an optional free-text reason for a change (UTF-8, at most 500
  characters, no control characters). On a write an invalid one is a 422 and nothing changes;
  it is checked after authentication (``accept_change_reason``, called by the route class).
- The API key is the ``Principal`` the auth dependency puts on ``request.state``.

Outside a request (the seed loader, the CLI) the context has no API key and the request id
``cli`` unless the caller opens its own with ``using_context``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware
from app.core.errors import InvalidRequest, problem_response

REQUEST_ID_HEADER = "X-Request-ID"
REASON_HEADER = "X-Change-Reason"
MAX_REASON_LENGTH = 500

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=@-]{1,128}$")
SEED_REQUEST_ID = "seed"
CLI_REQUEST_ID = "cli"
WEBHOOKS_REQUEST_ID = "webhooks"
RESERVED_REQUEST_IDS = frozenset({SEED_REQUEST_ID, CLI_REQUEST_ID, WEBHOOKS_REQUEST_ID})
"""Request ids the service stamps on changes it makes itself; clients cannot claim them."""
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class RequestContext:
    """The request a change is made in."""

    request_id: str = CLI_REQUEST_ID
    reason: str | None = None
    state: MutableMapping[str, Any] = field(default_factory=dict)
    raw_reason: bytes | None = None
    acting: dict[str, Any] | None = None
    """While set, what change records note instead of the request's own: an approved change request is
    recorded under its author's key and reason with the approver and the request's id; an emergency
    change with ``emergency: True`` (see ``app/approvals/service.py``)."""

    @property
    def api_key_id(self) -> int | None:
        """The id of the API key that authenticated the request; None outside requests."""
        principal = self.state.get("principal")
        return getattr(principal, "key_id", None)


_current: ContextVar[RequestContext | None] = ContextVar("inventory_request_context", default=None)


def current_context() -> RequestContext:
    """The context of the running request, or a fresh one (no key, request id ``cli``) outside requests."""
    return _current.get() or RequestContext()


def request_context() -> RequestContext | None:
    """The context of the running request, or None outside requests."""
    return _current.get()


@contextmanager
def using_context(context: RequestContext) -> Iterator[RequestContext]:
    """Run a block (e.g. the seed loader) with ``context`` as the current request context."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def is_reserved_request_id(value: str) -> bool:
    """Whether ``value`` is, or extends with ``:``, an id the service keeps for its own changes."""
    return value.lower().partition(":")[0] in RESERVED_REQUEST_IDS


def request_id_from(raw: str | None) -> str:
    """The client's request id when it is a sane token and not reserved, else a new one."""
    if raw and _REQUEST_ID.match(raw) and not is_reserved_request_id(raw):
        return raw
    return uuid.uuid4().hex


def parse_reason(raw: bytes | None) -> str | None:
    """The change reason a client sent, or None; an invalid one raises ``InvalidRequest``."""
    if raw is None:
        return None
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _bad_reason("it is not valid UTF-8") from None
    if not text:
        return None
    if len(text) > MAX_REASON_LENGTH:
        raise _bad_reason(f"it is longer than {MAX_REASON_LENGTH} characters")
    if any(unicodedata.category(character) in ("Cc", "Cf") for character in text):
        raise _bad_reason("it contains control characters")
    return text


def accept_change_reason(method: str) -> None:
    """On a write, check the request's ``X-Change-Reason`` and keep it for its change records.

    Called by the route once the request is authenticated, so nothing of an unauthenticated
    request is parsed or echoed; an invalid reason raises ``InvalidRequest`` (422).
    """
    if method in _WRITE_METHODS:
        context = current_context()
        context.reason = parse_reason(context.raw_reason)


def _bad_reason(why: str) -> InvalidRequest:
    return InvalidRequest(
        f"The {REASON_HEADER} header is not accepted: {why}.",
        errors=[{"location": "header", "field": REASON_HEADER, "message": why, "type": "value_error"}],
    )


class RequestContextMiddleware(HttpMiddleware):
    """Opens the request context and echoes ``X-Request-ID`` on every response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_id = raw_reason = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                raw_id = value
            elif name == b"x-change-reason":
                raw_reason = value
        request_id = request_id_from(raw_id.decode("latin-1") if raw_id is not None else None)
        echo = (b"x-request-id", request_id.encode("latin-1"))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"),
                    echo,
                ]
            await send(message)

        context = RequestContext(request_id=request_id, state=scope.setdefault("state", {}), raw_reason=raw_reason)
        token = _current.set(context)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Unexpected errors are answered by the outermost error middleware, which bypasses
            # this one: answer here instead, so a 500 carries the request id too.
            if not started:
                response = problem_response(
                    Request(scope),
                    status=500,
                    slug="internal-error",
                    title="Internal server error",
                    detail="The server could not complete the request. The error has been logged.",
                )
                await response(scope, receive, send_with_id)
            raise
        finally:
            _current.reset(token)


def document_context_headers(app: Any) -> None:
    """Declare ``X-Request-ID`` and ``X-Change-Reason`` in the OpenAPI of every ``/api/v1`` write operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema: dict[str, Any] = generate()
        for path, methods in schema.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for method, operation in methods.items():
                if method.upper() not in _WRITE_METHODS:
                    continue
                parameters = operation.setdefault("parameters", [])
                names = {parameter["name"] for parameter in parameters}
                for name, description in (
                    (
                        REQUEST_ID_HEADER,
                        "Your id for this request (1 to 128 of letters, digits, `._:/+=@-`); "
                        "recorded with the change and echoed on the response. Generated when absent.",
                    ),
                    (
                        REASON_HEADER,
                        f"Why the change is made (UTF-8, at most {MAX_REASON_LENGTH} characters, no control "
                        "characters); recorded with the change.",
                    ),
                ):
                    if name not in names:
                        parameters.append(
                            {
                                "name": name,
                                "in": "header",
                                "required": False,
                                "description": description,
                                "schema": {"type": "string"},
                            }
                        )
        return schema

    app.openapi = openapi
