"""Real server processes for the tests that need one (browser, signals, several workers).

Each server is ``inventory serve`` in its own process group on a port of its own, with its log
written to a file the test can read. Waits are bounded; a server that does not come up fails
the test with its log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
INVENTORY = [sys.executable, "-m", "app.cli"]
START_TIMEOUT = 90.0  # spawning workers on a busy two-core machine takes a while


class Server:
    """One ``inventory serve`` process and its log."""

    def __init__(self, env: dict[str, str], log: Path, args: list[str]) -> None:
        port = self.port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [*INVENTORY, "serve", "--port", str(port), *args],
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=self._log_file,
            start_new_session=True,
        )

    def wait_until_live(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base_url}/health/live", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"server on port {self.port} did not start:\n{self.log.read_text()}")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log_file.close()

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()


def server_env(tmp: Path, database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a server process: the given database and settings, nothing from the test process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("INVENTORY_") and key != "PROMETHEUS_MULTIPROC_DIR"
    }
    env.update(
        {
            "INVENTORY_DATABASE_URL": database_url,
            "INVENTORY_VAR_DIR": str(tmp / "var"),
            "INVENTORY_SECRET_KEY": "server-test-secret-" + tmp.name,
            "INVENTORY_LOG_FORMAT": "json",
        }
    )
    env.update({f"INVENTORY_{key.upper()}": value for key, value in settings.items()})
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run an ``inventory`` command to completion (bounded), capturing stdout and stderr apart."""
    return subprocess.run([*INVENTORY, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
