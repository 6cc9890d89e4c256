"""Readiness, draining on SIGTERM, production mode and the configuration the service refuses."""

from __future__ import annotations

import json
import signal
import sqlite3
import time

import httpx
import jsonschema_rs
import pytest
from alembic import command

from app.core.migrate import alembic_config, head_revisions
from tests.serving import Server, run_cli, server_env


def readiness_schemas(spec: dict) -> dict[str, dict]:
    """The declared body schema of /health/ready per status, resolvable against the spec's components."""
    responses = spec["paths"]["/health/ready"]["get"]["responses"]
    return {
        status: {**responses[status]["content"]["application/json"]["schema"], "components": spec["components"]}
        for status in ("200", "503")
    }


def assert_matches_declared(spec: dict, response: httpx.Response) -> None:
    schema = readiness_schemas(spec)[str(response.status_code)]
    jsonschema_rs.validate(schema, response.json())


async def test_ready_when_the_database_is_migrated_to_head(anonymous):
    spec = (await anonymous.get("/openapi.json")).json()
    response = await anonymous.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["migrations"] == "current"
    assert response.json()["draining"] is False
    assert response.json()["database"] in ("sqlite", "postgresql")
    assert_matches_declared(spec, response)


async def test_not_ready_while_the_database_is_behind_the_code(anonymous, db):
    spec = (await anonymous.get("/openapi.json")).json()
    config = alembic_config(db)
    [head] = head_revisions()
    previous = command.ScriptDirectory.from_config(config).get_revision(head).down_revision
    command.stamp(config, previous)
    try:
        response = await anonymous.get("/health/ready")
    finally:
        command.stamp(config, head)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": response.json()["database"],
        "migrations": "behind",
        "draining": False,
    }
    assert_matches_declared(spec, response)
    assert (await anonymous.get("/health/ready")).status_code == 200


def test_declared_readiness_schema_rejects_a_body_it_does_not_describe():
    from app.main import create_app

    spec = create_app().openapi()
    with pytest.raises(jsonschema_rs.ValidationError):
        jsonschema_rs.validate(readiness_schemas(spec)["503"], {"status": "unavailable", "database": "unreachable"})


def wait_for(check, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_production_serves_without_preparing_then_drains_on_sigterm(tmp_path):
    """Production mode neither migrates, seeds nor mints a key; `inventory migrate` is the one-off step;
    SIGTERM turns readiness to 503 while requests are still answered; a second SIGTERM stops it."""
    database = tmp_path / "production.db"
    env = server_env(tmp_path, f"sqlite:///{database}", mode="production", drain_seconds="60")
    server = Server(env, tmp_path / "server.log", [])
    try:
        server.wait_until_live()
        base = server.base_url
        spec = httpx.get(f"{base}/openapi.json", timeout=30).json()
        behind = httpx.get(f"{base}/health/ready", timeout=30)
        assert behind.status_code == 503
        assert behind.json() == {
            "status": "unavailable",
            "database": "sqlite",
            "migrations": "behind",
            "draining": False,
        }
        assert_matches_declared(spec, behind)
        assert not (tmp_path / "var" / "admin.token").exists()
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'scanner'").fetchone() == (0,)
        assert run_cli(env | {"INVENTORY_PORT": str(server.port)}, "healthcheck").returncode == 1

        migrated = run_cli(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        ready = httpx.get(f"{base}/health/ready", timeout=30)
        assert ready.status_code == 200
        assert ready.json()["migrations"] == "current"
        assert_matches_declared(spec, ready)
        assert run_cli(env | {"INVENTORY_PORT": str(server.port)}, "healthcheck").returncode == 0
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT count(*) FROM scanner").fetchone() == (0,)  # not seeded

        server.signal(signal.SIGTERM)
        draining = wait_for(
            lambda: (answer := httpx.get(f"{base}/health/ready", timeout=30)).status_code == 503 and answer,
            "readiness to turn 503",
        )
        assert draining.json() == {
            "status": "unavailable",
            "database": "sqlite",
            "migrations": "current",
            "draining": True,
        }
        assert_matches_declared(spec, draining)
        assert httpx.get(f"{base}/health/live", timeout=30).status_code == 200  # still serving
        assert httpx.get(f"{base}/api/v1/scanners", timeout=30).status_code == 401  # the API too
        assert server.process.poll() is None

        server.signal(signal.SIGTERM)  # a second one stops at once, not after the 60 s
        server.process.wait(timeout=30)
    finally:
        server.stop()
    events = [json.loads(line)["event"] for line in server.lines()]
    assert [event for event in events if event in ("draining", "shutdown")] == ["draining", "shutdown"]


@pytest.mark.parametrize(
    ("settings", "args", "message"),
    [
        ({"database_url": "postgresql://inventory@127.0.0.1:1/inventory"}, [], "INVENTORY_SECRET_KEY is not set"),
        ({"mode": "production"}, ["--prepare"], "refusing to prepare in production"),
    ],
)
def test_serve_refuses_unsafe_configurations(tmp_path, settings, args, message):
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'refused.db'}")
    env.pop("INVENTORY_SECRET_KEY")
    env.update({f"INVENTORY_{key.upper()}": value for key, value in settings.items()})
    result = run_cli(env, "serve", "--port", "18169", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "refused.db").exists()
