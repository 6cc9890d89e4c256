"""Security headers on every response, errors and 500s included.

- ``X-Content-Type-Options: nosniff``: a browser never guesses a type (JSON or CSV run as HTML).
- ``Cache-Control: no-store`` unless the response sets its own: inventory data, API-key records
  and the one response that carries a new token must not be kept by browsers or shared caches.
  ETags still work: a client that keeps a copy itself revalidates with ``If-None-Match``.
- ``Referrer-Policy: no-referrer``: URLs (with their filters and cursors) do not leak onward.
- ``X-Frame-Options: DENY`` and CSP ``frame-ancestors 'none'``: no page can frame the service.
- ``Content-Security-Policy: default-src 'none'`` on everything but HTML, so a response opened
  in a browser can load and run nothing. The HTML pages (``/docs``, ``/redoc``) load Swagger UI
  and ReDoc from their CDN with an inline script, so they get only ``frame-ancestors 'none'``.
- ``Cross-Origin-Resource-Policy: same-origin``: other sites cannot embed the responses.

uvicorn's ``Server`` header is switched off where the server is started (``inventory serve``),
so the response does not name the software. HSTS belongs to the TLS terminator in front.
"""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware

_ALWAYS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_CSP_DATA = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_CSP_HTML = (b"content-security-policy", b"frame-ancestors 'none'")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware(HttpMiddleware):
    """Adds the headers above to every HTTP response start."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                is_html = any(
                    name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers
                )
                headers.extend(header for header in _ALWAYS if header[0] not in present)
                if b"content-security-policy" not in present:
                    headers.append(_CSP_HTML if is_html else _CSP_DATA)
                if b"cache-control" not in present:
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
