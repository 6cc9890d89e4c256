"""Rate limits per API key and failed authentications per client address, in memory and in Redis.

The Redis cases run against ``INVENTORY_TEST_REDIS_URL`` (CI: redis://127.0.0.1:6379/3). When that
variable is set, or CI=true, an unreachable Redis fails the run; elsewhere those cases are skipped.
Every app here uses a key prefix of its own, so parallel runs never share counters.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import redis
from fastapi import FastAPI
from pydantic import ValidationError

from app.core.config import Settings, get_settings
from app.main import create_app
from tests.conftest import bearer, mint_token
from tests.helpers import assert_problem

REDIS_URL = os.environ.get("INVENTORY_TEST_REDIS_URL")
REDIS_REQUIRED = bool(REDIS_URL) or os.environ.get("CI") == "true"
STORAGES = ["memory", "redis"]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis; fails (never skips) when it is required and unreachable."""
    url = REDIS_URL or "redis://127.0.0.1:6379/3"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if REDIS_REQUIRED:
            pytest.fail(f"Redis at {url} is unreachable: {error}")
        pytest.skip(f"Redis at {url} is unreachable (set INVENTORY_TEST_REDIS_URL to require it)")
    return url


@pytest.fixture
def prefix(request) -> str:
    """A Redis key prefix of this test alone; its keys are removed afterwards."""
    value = f"inventory-test-{uuid.uuid4().hex}"
    yield value
    if "redis_url" in request.fixturenames:
        client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
        keys = list(client.scan_iter(match=f"*{value}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def limited_app(db: str, request, prefix: str):
    """Builds started apps on the test database with the given limits, on ``request.param`` storage."""

    @asynccontextmanager
    async def build(storage: str, **limits: str) -> AsyncIterator[FastAPI]:
        redis_url = request.getfixturevalue("redis_url") if storage == "redis" else None
        settings = get_settings().model_copy(
            update={
                "rate_limit": "off",
                "auth_failure_limit": "off",
                **limits,
                "redis_url": redis_url,
                "redis_key_prefix": prefix,
            }
        )
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            yield application

    return build


def http(app: FastAPI, *, address: str = "127.0.0.1", token: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=bearer(token) if token else {})


def assert_too_many(response: httpx.Response, limit: int, window_seconds: int, *words: str) -> None:
    assert_problem(response, 429, *words, type="too-many-requests")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= window_seconds
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["ratelimit-reset"] == str(retry_after)
    assert response.headers["ratelimit-policy"] == f"{limit};w={window_seconds}"


@pytest.mark.parametrize("storage", STORAGES)
async def test_each_api_key_gets_its_own_budget(limited_app, db, storage):
    reader, editor = mint_token(db, "reader"), mint_token(db, "editor")
    async with limited_app(storage, rate_limit="5/minute") as app:
        async with http(app, token=reader) as as_reader, http(app, token=editor) as as_editor:
            for _ in range(5):
                assert (await as_reader.get("/api/v1/sites")).status_code == 200
            assert_too_many(
                await as_reader.get("/api/v1/sites"), 5, 60, "This API key made more than 5 requests per minute."
            )
            assert_too_many(await as_reader.get("/api/v1/scanners/1"), 5, 60)
            # Another key, even from the same address, is not affected.
            for _ in range(4):
                assert (await as_editor.get("/api/v1/sites")).status_code == 200
            before = (await as_editor.get("/api/v1/sites", params={"limit": 500})).json()["items"]
            # A refused write changes nothing.
            refused = await as_editor.post("/api/v1/sites", json={"code": "eemshaven", "name": "E", "kind": "seaport"})
            assert_too_many(refused, 5, 60)
        async with http(app, token=mint_token(db, "admin")) as as_admin:
            after = (await as_admin.get("/api/v1/sites", params={"limit": 500})).json()["items"]
            assert after == before


@pytest.mark.parametrize("storage", STORAGES)
async def test_failed_authentications_are_limited_per_address(limited_app, db, storage):
    good = mint_token(db, "reader")
    async with limited_app(storage, auth_failure_limit="3/minute") as app:
        async with http(app, address="192.0.2.7") as attacker, http(app, address="192.0.2.8") as neighbour:
            for token in (None, "csi_" + "x" * 40, "not-a-token"):
                headers = bearer(token) if token else {}
                assert_problem(await attacker.get("/api/v1/sites", headers=headers), 401)
            assert_too_many(
                await attacker.get("/api/v1/sites", headers=bearer("csi_" + "y" * 40)),
                3,
                60,
                "This address made more than 3 failed authentications per minute.",
            )
            # Blocked before the token is looked up: a valid one does not get through from there either.
            assert_too_many(await attacker.get("/api/v1/sites", headers=bearer(good)), 3, 60)
            # Other addresses are unaffected.
            assert (await neighbour.get("/api/v1/sites", headers=bearer(good))).status_code == 200
            assert_problem(await neighbour.get("/api/v1/sites"), 401)
            # Successful requests never count as failures.
            for _ in range(5):
                assert (await neighbour.get("/api/v1/sites", headers=bearer(good))).status_code == 200


async def test_limits_are_shared_by_app_instances_through_redis(limited_app, db):
    token = mint_token(db, "reader")
    async with limited_app("redis", rate_limit="4/minute", auth_failure_limit="2/minute") as first:
        async with limited_app("redis", rate_limit="4/minute", auth_failure_limit="2/minute") as second:
            async with http(first, token=token) as one, http(second, token=token) as two:
                for client in (one, two, one, two):
                    assert (await client.get("/api/v1/sites")).status_code == 200
                assert_too_many(await one.get("/api/v1/sites"), 4, 60)
                assert_too_many(await two.get("/api/v1/sites"), 4, 60)
            async with http(first, address="198.51.100.1") as one, http(second, address="198.51.100.1") as two:
                assert_problem(await one.get("/api/v1/sites"), 401)
                assert_problem(await two.get("/api/v1/sites"), 401)
                assert_too_many(await one.get("/api/v1/sites"), 2, 60)
                assert_too_many(await two.get("/api/v1/sites"), 2, 60)


async def test_in_memory_limits_are_per_process(limited_app, db):
    token = mint_token(db, "reader")
    async with (
        limited_app("memory", rate_limit="2/minute") as first,
        limited_app("memory", rate_limit="2/minute") as second,
    ):
        async with http(first, token=token) as one, http(second, token=token) as two:
            for _ in range(2):
                assert (await one.get("/api/v1/sites")).status_code == 200
            assert_too_many(await one.get("/api/v1/sites"), 2, 60)
            assert (await two.get("/api/v1/sites")).status_code == 200


async def test_off_disables_limits_and_an_unreachable_redis_lets_requests_through(limited_app, db):
    token = mint_token(db, "reader")
    async with limited_app("memory", rate_limit="off", auth_failure_limit="off") as app:
        async with http(app, token=token) as client:
            for _ in range(30):
                assert (await client.get("/api/v1/sites", params={"limit": 1})).status_code == 200
    # Port 18129 has no Redis: rate limiting must not take the service down with it.
    settings = get_settings().model_copy(
        update={"rate_limit": "1/minute", "auth_failure_limit": "1/minute", "redis_url": "redis://127.0.0.1:18129/0"}
    )
    application = create_app(settings)
    async with application.router.lifespan_context(application), http(application, token=token) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/sites", params={"limit": 1})).status_code == 200
        assert_problem(await client.get("/api/v1/sites", headers={"Authorization": ""}), 401)


@pytest.mark.parametrize("value", ["600", "lots/minute", "10/fortnight", "", "600/minute;"])
def test_a_mistyped_limit_stops_the_service_at_start(value):
    with pytest.raises(ValidationError):
        Settings(rate_limit=value)
    with pytest.raises(ValidationError):
        Settings(auth_failure_limit=value)


def test_valid_limit_settings_are_accepted():
    settings = Settings(rate_limit="10/second;600/minute", auth_failure_limit="OFF")
    assert settings.rate_limit == "10/second;600/minute"
    assert Settings.model_fields["rate_limit"].default == "600/minute"
    assert Settings.model_fields["auth_failure_limit"].default == "20/minute"


async def test_the_openapi_document_declares_the_429_on_every_api_operation(anonymous):
    schema = (await anonymous.get("/openapi.json")).json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in methods.items()
    ]
    assert len(operations) > 50
    for path, method, operation in operations:
        response = operation["responses"].get("429")
        assert response
        assert "Retry-After" in response["headers"], (path, method)
