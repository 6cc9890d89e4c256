"""Sites, vendors (with restrictions), vendor restrictions and networks through HTTP."""

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


async def test_nuctech_vendor_with_its_restrictions(client):
    body = (await client.get("/api/v1/vendors", params={"country": "cn"})).json()
    [nuctech] = body["items"]
    assert nuctech["slug"] == "nuctech"
    assert nuctech["ownership"] == "unknown"
    restrictions = {(r["country"], r["kind"]) for r in nuctech["restrictions"]}
    assert restrictions == {("LT", "exclusion"), ("CA", "exclusion"), ("US", "exclusion"), ("US", "finding")}
    assert all(r["decided_on"] is None and "Vraag 6" in r["source"] for r in nuctech["restrictions"])
    item = await client.get(f"/api/v1/vendors/{nuctech['id']}")
    assert item.json() == nuctech
    restricted = (await client.get("/api/v1/vendors", params={"restricted_by": "LT"})).json()["items"]
    assert [v["slug"] for v in restricted] == ["nuctech"]
    assert (await client.get("/api/v1/vendors", params={"restricted_by": "NL"})).json()["items"] == []


async def test_vendor_restrictions_collection(client):
    items = (await client.get("/api/v1/vendor-restrictions", params={"vendor": "nuctech", "country": "US"})).json()[
        "items"
    ]
    assert {r["kind"] for r in items} == {"exclusion", "finding"}
    finding = next(r for r in items if r["kind"] == "finding")
    assert finding["authority"] == "United States Senate"
    one = await client.get(f"/api/v1/vendor-restrictions/{finding['id']}")
    assert one.status_code == 200
    assert one.json() == finding
    assert (await client.get("/api/v1/vendor-restrictions/777")).status_code == 404


async def test_the_closed_fibre_network(client):
    [network] = (await client.get("/api/v1/networks")).json()["items"]
    assert network["code"] == "maasvlakte-fibre"
    assert network["kind"] == "closed_fibre"
    assert network["scanner_count"] == 7
    response = await client.get(f"/api/v1/networks/{network['id']}")
    assert response.json() == network
    linked = (await client.get("/api/v1/scanners", params={"network": "maasvlakte-fibre"})).json()["items"]
    assert len(linked) == 7


async def test_health(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"
