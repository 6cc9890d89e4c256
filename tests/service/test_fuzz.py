"""Property-based fuzzing of the whole API from its own OpenAPI document (Schemathesis 4, its CLI).

Against a real server (``inventory serve``) on each backend under test, authenticated as each
role in turn: the examples, fuzzing and stateful phases (the stateful one chains operations
through their links and ``Location`` headers) and every check (no 5xx; status codes,
content types, headers and bodies as documented; schema-valid requests accepted and invalid
ones rejected; auth enforced; deleted resources gone, created ones there).

Deterministic (``--generation-deterministic``) and bounded (``FUZZ_EXAMPLES`` per operation and
a time limit per run; the coverage phase only in the longer run). ``tests/schemathesis.toml`` says which answers count as accepting a valid
request (412 for a stale ETag, for instance). ``tests/fuzz-baseline.json`` lists the failures
still open, each with its cause; any failure not listed fails the test. A longer run is
documented in docs/architecture.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, new_database
from tests.ports import free_port
from tests.servers import serve, server_env, stop, wait_ready

pytestmark = pytest.mark.xdist_group("fuzz")

TESTS = Path(__file__).resolve().parents[1]
CONFIG = TESTS / "schemathesis.toml"
BASELINE = TESTS / "fuzz-baseline.json"
FUZZ_EXAMPLES = int(os.environ.get("INVENTORY_FUZZ_EXAMPLES", "1"))
RUN_LIMIT = float(os.environ.get("INVENTORY_FUZZ_SECONDS", "240"))
ROLES = ("reader", "editor", "admin")
PHASES = os.environ.get("INVENTORY_FUZZ_PHASES", "examples,fuzzing,stateful")
"""CI leaves out the coverage phase (thousands of boundary cases, minutes per role); the longer run adds it."""
ROLE_OPERATIONS = {
    # What each role can do beyond the others; what it cannot do is the role matrix of tests/auth/test_auth.py.
    "reader": ["--include-method", "GET"],
    "editor": ["--exclude-path-regex", "^/api/v1/api-keys"],
    # An admin's writes the approval policy covers apply at once only with a reason (else a 422 naming it).
    "admin": ["--header", "X-Change-Reason: fuzzing as admin (emergency changes)"],
}


def schemathesis_command(base_url: str, token: str, *extra: str) -> list[str]:
    """The CLI run the test makes (the documented longer run only raises the example count)."""
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {token}",
        "--baseline",
        str(BASELINE),
        "--no-color",
        *(["--baseline-update"] if os.environ.get("INVENTORY_FUZZ_BASELINE_UPDATE") else []),
        *extra,
    ]


def mint(env: dict[str, str], role: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "create-key",
            "--name",
            f"fuzz {role}",
            "--owner",
            f"fuzz {role}",
            "--role",
            role,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_server(request, tmp_path_factory):
    """``inventory serve`` (migrated and seeded) on a new database, and one API key per role."""
    import asyncio

    var_dir = tmp_path_factory.mktemp("fuzz-var")
    url = new_database(request.param, tmp_path_factory, request)
    env = server_env(url, var_dir)
    port = free_port()
    log = var_dir / "server.log"
    process = serve(env, port, log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        asyncio.run(wait_ready(base_url, process, log, 90))
        yield base_url, {role: mint(env, role) for role in ROLES}, log
    finally:
        stop(process)


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_new_failure(fuzz_server, role, tmp_path):
    base_url, tokens, log = fuzz_server
    started = time.monotonic()
    try:
        result = subprocess.run(
            schemathesis_command(base_url, tokens[role], *ROLE_OPERATIONS[role]),
            capture_output=True,
            text=True,
            timeout=RUN_LIMIT,
            cwd=tmp_path,
        )
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"the fuzz run took longer than {RUN_LIMIT} s:\n{(expired.stdout or b'')[-5000:]!r}")
    summary = result.stdout[result.stdout.rfind("SUMMARY") :]
    print(f"fuzz as {role}: {time.monotonic() - started:.0f} s\n{summary}")  # shown with pytest -s
    assert result.returncode == 0, f"{result.stdout[-20000:]}\n{result.stderr[-3000:]}\nserver log: {log}"
