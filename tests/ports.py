"""Ports for the servers the tests start.

Each xdist worker draws from a range of its own and walks it in turn: a "find a free port, then
let the server bind it" pick races when two workers probe at once, and the loser's test would talk
to the other worker's server (with other keys and data).
"""

from __future__ import annotations

import itertools
import os
import socket

FIRST_PORT = int(os.environ.get("INVENTORY_TEST_FIRST_PORT", "18100"))
"""Where the ranges start; set it to run two suites side by side on one machine."""
PORTS_PER_WORKER = 40
_turn = itertools.count()


def free_port() -> int:
    """A port nothing listens on now, from this test worker's own range."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    first = FIRST_PORT + worker * PORTS_PER_WORKER
    for _ in range(PORTS_PER_WORKER):
        port = first + next(_turn) % PORTS_PER_WORKER
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {first}-{first + PORTS_PER_WORKER - 1}")
