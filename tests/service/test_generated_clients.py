"""Clients generated from the committed openapi.json work without friction.

- openapi-python-client generates a Python client, which runs the integrator's script
  ``tests/clients/python_usage.py`` against a live server started here (a real uvicorn process on a
  migrated, seeded SQLite database).
- openapi-typescript generates TypeScript types, and ``tsc --strict --noEmit`` compiles
  ``tests/clients/usage.ts`` against them (including ``@ts-expect-error`` lines that must stay errors).

The generators are pinned in tools/contract and installed by ``make test``; each client is generated
once per session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.contract_tools import CLIENT_PYTHON, NODE_BIN, ROOT, SPEC_FILE, run, tool
from tests.ports import free_port

CLIENTS = ROOT / "tests" / "clients"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real server process on a migrated, seeded SQLite database: its base URL and an editor token."""
    home = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "INVENTORY_DATABASE_URL": f"sqlite:///{home / 'inventory.db'}",
        "INVENTORY_SECRET_KEY": "live-" + uuid.uuid4().hex,
        "INVENTORY_VAR_DIR": str(home / "var"),
    }
    inventory = Path(sys.executable).parent / "inventory"
    run(inventory, "migrate", cwd=ROOT, env=env)
    run(inventory, "seed", cwd=ROOT, env=env)
    token = run(
        inventory,
        "create-key",
        "--name",
        "generated client",
        "--owner",
        "generated client",
        "--role",
        "editor",
        cwd=ROOT,
        env=env,
    ).stdout
    port = free_port()
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [str(inventory), "serve", "--no-prepare", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to ~30 s for the process to start answering
            if server.poll() is not None:
                pytest.fail(f"the server exited with {server.returncode}:\n{(home / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base_url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the server did not answer:\n{(home / 'server.log').read_text()}")
        yield base_url, token.strip()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="session")
def python_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python client generated from the committed spec; the directory holding its package."""
    python = tool(CLIENT_PYTHON)
    out = tmp_path_factory.mktemp("python-client")
    (out / "config.yml").write_text(
        "package_name_override: inventory_client\nproject_name_override: inventory-client\n"
    )
    result = run(
        python.parent / "openapi-python-client",
        "generate",
        "--path",
        SPEC_FILE,
        "--config",
        out / "config.yml",
        "--meta",
        "none",
        "--output-path",
        out / "inventory_client",
        cwd=out,
        env={**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"},
    )
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    return out


def test_the_generated_python_client_works_against_a_live_server(python_client, live_server):
    base_url, token = live_server
    result = run(CLIENT_PYTHON, CLIENTS / "python_usage.py", python_client, base_url, token, cwd=python_client)
    for check in (
        "question 2",
        "question 3",
        "paging",
        "If-Match",
        "If-None-Match: 304",
        "Idempotency-Key",
        "exposure",
        "problem",
    ):
        assert check in result.stdout, result.stdout


def test_the_generated_typescript_types_compile_strictly(tmp_path):
    shutil.copy(CLIENTS / "usage.ts", tmp_path / "usage.ts")
    run(tool(NODE_BIN / "openapi-typescript"), SPEC_FILE, "--output", tmp_path / "inventory.ts")
    run(
        tool(NODE_BIN / "tsc"),
        "--strict",
        "--noEmit",
        "--target",
        "es2022",
        "--module",
        "es2022",
        "--moduleResolution",
        "bundler",
        "--noUnusedLocals",
        tmp_path / "usage.ts",
        cwd=tmp_path,
    )
