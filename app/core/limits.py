"""Request limits, enforced before anything is parsed or authenticated.

``RequestLimitsMiddleware`` is a pure ASGI middleware at the outside of the application:

- the request head (request target plus every header name and value) may hold at most
  ``max_header_bytes`` bytes in at most ``max_header_count`` headers; more is a 431 problem;
- the body may hold at most ``max_body_bytes`` bytes: a larger ``Content-Length`` is a 413 problem
  before a byte of the body is read, and a body without one (chunked) is counted as it streams and
  cut off with the same 413 the moment it passes the limit, so no more than the limit is ever
  buffered;
- every 5xx response says ``Connection: close``: after an unexpected error the server drops the
  connection, and a client must not send its next request on it. So does a response sent before
  the request's body was read (a 401 or 403 comes before parsing): the server closes instead of
  reading the rest of an unwanted body.

The server enforces the head limit too, while the head is still arriving (``LimitedHttpToolsProtocol``
for uvicorn's default HTTP parser, ``h11_max_incomplete_event_size`` for h11), so an oversized head
is refused before it is buffered whole. Validation problems report at most
``MAX_REPORTED_ERRORS`` entries (``app.core.errors``).
"""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import Settings, get_settings
from app.core.context import REQUEST_ID_HEADER, request_id_from
from app.core.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE, problem_response


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes the limit (an ``HTTPException`` so that body
    parsing passes it on rather than calling it a malformed body)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


def _has_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"0", b"")):
            return True
    return False


def _problem(status: int, slug: str, title: str, detail: str, **extensions: object) -> dict[str, object]:
    return {"status": status, "slug": slug, "title": title, "detail": detail, **extensions}


class RequestLimitsMiddleware:
    """Refuses oversized heads (431) and bodies (413) and marks 5xx responses ``Connection: close``."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_header_bytes: int, max_header_count: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.max_header_count = max_header_count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._check_head(scope)
        if refusal is not None:
            await self._refuse(scope, receive, send, refusal)
            return
        limit = self.max_body_bytes
        received = 0
        exceeded = started = False
        body_pending = _has_body(scope)

        async def counted_receive() -> Message:
            nonlocal received, exceeded, body_pending
            if exceeded:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge()
                if not message.get("more_body", False):
                    body_pending = False
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the 413 is sent instead of whatever the application answers
            if message["type"] == "http.response.start":
                started = True
                # After an unexpected error the server drops the connection; and a body left
                # unread (a 401 before parsing) is not worth reading to find the next request.
                if message["status"] >= 500 or body_pending:
                    message["headers"] = [
                        *(h for h in message.get("headers", []) if h[0].lower() != b"connection"),
                        (b"connection", b"close"),
                    ]
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._refuse(scope, receive, send, self._body_refusal(None))

    def _check_head(self, scope: Scope) -> dict[str, object] | None:
        headers = scope["headers"]
        if len(headers) > self.max_header_count:
            return _problem(
                431,
                "header-fields-too-large",
                "Request header fields too large",
                f"The request has {len(headers)} header fields; at most {self.max_header_count} are accepted.",
                max_header_count=self.max_header_count,
            )
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            return _problem(
                431,
                "header-fields-too-large",
                "Request header fields too large",
                f"The request target and headers take {size} bytes; at most {self.max_header_bytes} are accepted.",
                max_header_bytes=self.max_header_bytes,
            )
        declared = [value for name, value in headers if name == b"content-length"]
        if declared:
            text = declared[0].decode("latin-1").strip()
            if len(declared) > 1 or not (text.isascii() and text.isdigit()):
                return _problem(
                    400, "bad-request", "Bad request", "The Content-Length header is not one decimal number."
                )
            if int(text) > self.max_body_bytes:
                return self._body_refusal(int(text))
        return None

    def _body_refusal(self, declared: int | None) -> dict[str, object]:
        size = f"{declared} bytes" if declared is not None else "more"
        return _problem(
            413,
            "content-too-large",
            "Request body too large",
            f"The request body holds {size}; at most {self.max_body_bytes} bytes are accepted.",
            max_body_bytes=self.max_body_bytes,
        )

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, problem: dict[str, object]) -> None:
        raw_id = next((value for name, value in scope["headers"] if name == b"x-request-id"), None)
        request_id = request_id_from(raw_id.decode("latin-1") if raw_id is not None else None)
        # The rest of the request is not read: the connection cannot carry another request.
        headers = {REQUEST_ID_HEADER: request_id, "Connection": "close"}
        response = problem_response(Request(scope), headers=headers, **problem)  # type: ignore[arg-type]
        await response(scope, receive, send)


def install_request_limits(app: ASGIApp, settings: Settings) -> None:
    """Add the limits of ``settings`` as the outermost middleware of ``app`` (call it last)."""
    app.add_middleware(  # type: ignore[attr-defined]
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
        max_header_count=settings.max_header_count,
    )


def _raw_problem(status: int, reason: str, slug: str, title: str, detail: str) -> bytes:
    body = orjson.dumps(
        {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, "instance": ""}
    )
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def server_head_limit(settings: Settings) -> int:
    """The bound the server puts on a request head: the header limit plus room for the request line
    and framing (the middleware then checks the header limit itself, exactly)."""
    return settings.max_header_bytes + 4096


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a bound on the request head, counted as it arrives.

    httptools itself buffers a header of any size (a 50 MB header stalled the event loop for
    seconds); this answers 431 and closes the connection once the bytes of a head pass the limit.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._head_limit = server_head_limit(get_settings())
        self._head_open = True
        self._head_bytes = 0
        self._tail = b""

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._head_open, self._head_bytes, self._tail = True, 0, b""

    def data_received(self, data: bytes) -> None:
        if self._head_open:
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else max(0, end + 4 - len(self._tail))
            self._tail = window[-3:]
            if self._head_bytes > self._head_limit:
                self.transport.write(
                    _raw_problem(
                        431,
                        "Request Header Fields Too Large",
                        "header-fields-too-large",
                        "Request header fields too large",
                        f"The request head passes {self._head_limit} bytes.",
                    )
                )
                self.transport.close()
                return
        super().data_received(data)
