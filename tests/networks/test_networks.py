"""Networks through HTTP."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_the_closed_fibre_network(client):
    [network] = (await client.get("/api/v1/networks")).json()["items"]
    assert network["code"] == "maasvlakte-fibre"
    assert network["kind"] == "closed_fibre"
    assert network["scanner_count"] == 7
    response = await client.get(f"/api/v1/networks/{network['id']}")
    assert response.json() == network
    linked = (await client.get("/api/v1/scanners", params={"network": "maasvlakte-fibre"})).json()["items"]
    assert len(linked) == 7
