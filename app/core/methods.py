"""HTTP methods beyond what the routes declare: ``HEAD`` on every ``GET``, and a full ``Allow`` on 405.

- ``HeadAsGetMiddleware``: a ``HEAD`` request is answered as its ``GET`` (same status and headers,
  ``Content-Length`` included) without the body (RFC 9110 9.3.2). Routes declare ``GET`` only, so
  the OpenAPI document lists no separate ``HEAD`` operations.
- ``allowed_methods``: every method some route of the application accepts on a path (the union
  over routes: FastAPI answers a 405 with the methods of the first route whose path matched).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CANDIDATE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class HeadAsGetMiddleware:
    """Serves ``HEAD`` as ``GET`` without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head)


def allowed_methods(request: Request) -> list[str]:
    """Every method the application accepts on the request's path, in a stable order."""
    router = request.scope.get("router") or request.app.router
    allowed = []
    for method in CANDIDATE_METHODS:
        probe = {**request.scope, "method": "GET" if method == "HEAD" else method}
        if any(route.matches(probe)[0] == Match.FULL for route in router.routes):
            allowed.append(method)
    return allowed
