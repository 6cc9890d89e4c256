"""The frame every pure ASGI middleware of the service shares."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """A pure ASGI middleware (no task, no buffering) that acts on HTTP requests and passes every other
    scope (lifespan, websockets) through untouched; a subclass says what it does in ``handle``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request through ``self.app``; a subclass adds what it does around it (here: nothing)."""
        await self.app(scope, receive, send)
