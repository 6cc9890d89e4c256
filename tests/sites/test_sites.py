"""Sites through HTTP: the document's places, filters, and one site."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_sites_are_the_documents_places(client):
    body = (await client.get("/api/v1/sites", params={"sort": "code"})).json()
    assert [s["code"] for s in body["items"]] == [
        "maastricht-aachen-airport",
        "maasvlakte",
        "postal-sorting-centres",
        "rotterdam-the-hague-airport",
        "schiphol",
    ]
    airports = (await client.get("/api/v1/sites", params={"kind": "airport"})).json()["items"]
    assert {s["code"] for s in airports} == {"schiphol", "maastricht-aachen-airport", "rotterdam-the-hague-airport"}
    assert all(s["source"].endswith("Antwoord 3") for s in airports)


async def test_sites_holding_nuctech_scanners(client):
    items = (await client.get("/api/v1/sites", params={"vendor": "nuctech"})).json()["items"]
    assert len(items) == 5
    none = (await client.get("/api/v1/sites", params={"vendor": "no-such-vendor"})).json()["items"]
    assert none == []


async def test_get_site_and_404(client):
    site = (await client.get("/api/v1/sites", params={"code": "schiphol"})).json()["items"][0]
    response = await client.get(f"/api/v1/sites/{site['id']}")
    assert response.status_code == 200
    assert response.json() == site
    assert response.headers["etag"]
    missing = await client.get("/api/v1/sites/4242")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
