"""Draining on SIGTERM: stay in service for a while, but tell the load balancer to stop sending work.

An orchestrator stops a replica with SIGTERM and, at about the same time, takes it out of the
load balancer, which notices only at its next readiness probe. A server that stopped accepting
connections at once would refuse the requests sent in between. So on the first SIGTERM each
worker process starts *draining*: ``/health/ready`` answers 503 while requests are still served,
and after ``INVENTORY_DRAIN_SECONDS`` uvicorn's own graceful shutdown begins (stop accepting,
finish what is in flight). A second SIGTERM, or SIGINT (Ctrl+C), stops at once.

uvicorn installs its signal handler before the application starts; ``drain_on_sigterm`` wraps
it for the application's lifetime. Under a test client there is no uvicorn handler and nothing
is installed.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeGuard

logger = logging.getLogger("app.lifecycle")

_draining = False


def is_draining() -> bool:
    """Whether this process received SIGTERM and is about to stop."""
    return _draining


def _uvicorn_handler(handler: Any) -> TypeGuard[Callable[[int, FrameType | None], Any]]:
    owner = getattr(handler, "__self__", None)
    return type(owner).__module__.startswith("uvicorn.") and getattr(handler, "__name__", "") == "handle_exit"


@contextmanager
def drain_on_sigterm(seconds: float) -> Iterator[None]:
    """While the application runs under uvicorn: turn SIGTERM into ``seconds`` of draining, then shutdown."""
    global _draining
    stop = signal.getsignal(signal.SIGTERM)
    if not _uvicorn_handler(stop):
        yield
        return
    loop = asyncio.get_running_loop()

    def on_sigterm(sig: int, frame: FrameType | None) -> None:
        global _draining
        if _draining:  # a second SIGTERM: stop now
            stop(sig, frame)
            return
        _draining = True
        logger.info("draining", extra={"seconds": seconds})
        loop.call_soon_threadsafe(loop.call_later, seconds, stop, sig, None)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGTERM) is on_sigterm:
            signal.signal(signal.SIGTERM, stop)
        _draining = False
