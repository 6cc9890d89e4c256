"""Vendors (with their restrictions) and vendor restrictions through HTTP."""

import pytest

pytestmark = pytest.mark.asyncio


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
