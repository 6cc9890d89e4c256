"""Real server processes for tests that need a socket: ``inventory serve`` restarts, keep-alive behaviour."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PORT_BASE = 18100
PORTS_PER_WORKER = 5


def free_port() -> int:
    """A free port of the test range (each xdist worker has its own slice of it)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    start = PORT_BASE + (int(worker.removeprefix("gw") or 0) % 2) * PORTS_PER_WORKER
    for port in range(start, start + PORTS_PER_WORKER):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {start}..{start + PORTS_PER_WORKER - 1}")


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, *, timeout: float = 60) -> Iterator[str]:
    """Run ``command`` (a server listening on ``port``) until the block ends; yields its base URL.

    Stopped with SIGTERM (a graceful shutdown, as a supervisor does) and waited for.
    """
    output = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                output.seek(0)
                raise RuntimeError(f"server exited with {process.returncode}:\n{output.read()}")
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {port} did not start within {timeout} s")
            time.sleep(0.1)
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


def inventory(*args: str) -> list[str]:
    """The ``inventory`` command of this checkout."""
    return [sys.executable, "-m", "app.cli", *args]
