"""Real server processes for the tests that need one (fault injection, fuzzing, restarts, keep-alive): start,
wait, stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def server_env(database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a server process: the product's own database timeouts and pool size (not
    the roomier ones the in-process suite sets), unless ``extra`` says otherwise."""
    from tests.conftest import SUITE_DATABASE_SETTINGS

    inherited = {name: value for name, value in os.environ.items() if name not in SUITE_DATABASE_SETTINGS}
    return {
        **inherited,
        "INVENTORY_DATABASE_URL": database_url,
        "INVENTORY_VAR_DIR": str(var_dir),
        "INVENTORY_SECRET_KEY": "fault-test-" + uuid.uuid4().hex,
        "INVENTORY_LOG_LEVEL": "warning",
        "INVENTORY_RATE_LIMIT": "off",
        "INVENTORY_AUTH_FAILURE_LIMIT": "off",
        **extra,
    }


def serve(env: dict[str, str], port: int, log: Path, *options: str) -> subprocess.Popen:
    handle = log.open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *options],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


async def wait_ready(base_url: str, process: subprocess.Popen, log: Path, limit: float) -> float:
    """Seconds until /health/ready answers 200 (fails when the process exits or the limit passes)."""
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        while time.monotonic() - started < limit:
            assert process.poll() is None, f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/health/ready")).status_code == 200:
                    return time.monotonic() - started
            await asyncio.sleep(0.2)
    pytest.fail(f"not ready within {limit} s:\n{log.read_text()[-3000:]}")


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
