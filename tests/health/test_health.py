"""Liveness and readiness in process."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_health(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
