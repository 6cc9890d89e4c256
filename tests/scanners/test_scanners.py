"""Scanners through HTTP: the document's facts, filters, and the embedded site/vendor/network."""

import pytest

from tests.helpers import all_items, assert_problem

pytestmark = pytest.mark.asyncio


async def test_maasvlakte_has_seven_fibre_linked_scanners_four_nuctech(client):
    response = await client.get("/api/v1/scanners", params={"site": "maasvlakte"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert len(items) == 7
    assert sum(1 for s in items if s["vendor"] and s["vendor"]["slug"] == "nuctech") == 4
    assert sum(1 for s in items if s["vendor"] is None and s["vendor_id"] is None) == 3
    assert {s["network_mode"] for s in items} == {"fibre_linked"}
    assert len({s["network_id"] for s in items}) == 1
    assert items[0]["network"]["code"] == "maasvlakte-fibre"
    assert {s["use"] for s in items} == {"container_cargo"}


async def test_every_scanner_outside_maasvlakte_is_standalone(client):
    items = await all_items(client, "/api/v1/scanners")
    outside = [s for s in items if s["site"]["code"] != "maasvlakte"]
    assert outside
    assert all(s["network_mode"] == "standalone" and s["network_id"] is None for s in outside)


async def test_nuctech_sites_and_uses_match_the_document(client):
    items = await all_items(client, "/api/v1/scanners?vendor=nuctech")
    uses = {}
    for scanner in items:
        uses.setdefault(scanner["site"]["code"], set()).add(scanner["use"])
    assert uses == {
        "maasvlakte": {"container_cargo"},
        "schiphol": {"air_cargo", "baggage"},
        "maastricht-aachen-airport": {"air_cargo", "baggage"},
        "rotterdam-the-hague-airport": {"baggage"},
        "postal-sorting-centres": {"post_and_courier"},
    }
    undisclosed_counts = [s for s in items if s["site"]["code"] != "maasvlakte"]
    assert all(s["count_basis"] == "at_least_one" for s in undisclosed_counts)
    assert all(s["source"] and "nr. 1778" in s["source"] for s in items)


async def test_filters_combine(client):
    response = await client.get(
        "/api/v1/scanners", params={"vendor": "nuctech", "network_mode": "fibre_linked", "status": "active"}
    )
    assert [s["asset_tag"] for s in response.json()["items"]] == ["RTM-CS-01", "RTM-CS-02", "RTM-CS-03", "RTM-CS-04"]
    response = await client.get("/api/v1/scanners", params={"use": "baggage", "site": "schiphol"})
    assert [s["asset_tag"] for s in response.json()["items"]] == ["SPL-BG-NUCTECH"]
    response = await client.get("/api/v1/scanners", params={"vendor_disclosed": "false"})
    assert [s["asset_tag"] for s in response.json()["items"]] == ["RTM-CS-05", "RTM-CS-06", "RTM-CS-07"]


async def test_reference_filters_accept_ids_and_keys(client):
    site = (await client.get("/api/v1/sites", params={"code": "schiphol"})).json()["items"][0]
    by_id = await client.get("/api/v1/scanners", params={"site": str(site["id"])})
    by_code = await client.get("/api/v1/scanners", params={"site": "schiphol"})
    assert by_id.json() == by_code.json()
    assert len(by_id.json()["items"]) == 2
    unknown = await client.get("/api/v1/scanners", params={"site": "atlantis"})
    assert unknown.status_code == 200
    assert unknown.json()["items"] == []
    huge = await client.get("/api/v1/scanners", params={"site": "9" * 30})
    assert huge.status_code == 200
    assert huge.json()["items"] == []


async def test_get_scanner_embeds_site_vendor_network_and_etag(client):
    first = (await client.get("/api/v1/scanners", params={"limit": 1})).json()["items"][0]
    response = await client.get(f"/api/v1/scanners/{first['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body == first
    assert set(body["site"]) == {"id", "code", "name", "kind"}
    assert set(body["vendor"]) == {"id", "slug", "name"}
    assert body["created_at"].endswith("Z")
    etag = response.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    again = await client.get(f"/api/v1/scanners/{first['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


async def test_missing_scanner_is_a_404_problem(client):
    body = assert_problem(await client.get("/api/v1/scanners/999999"), 404, "999999", type="not-found")
    assert body["instance"] == "/api/v1/scanners/999999"
