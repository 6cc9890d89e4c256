"""Procurements: the seeded Nuctech tender, and writes with their scanner links."""

import pytest

from tests.helpers import assert_problem, patch, scanner_by_tag

pytestmark = pytest.mark.asyncio


async def test_the_nuctech_tender_is_as_the_document_states_it(client):
    items = (await client.get("/api/v1/procurements", params={"vendor": "nuctech"})).json()["items"]
    assert len(items) == 1
    tender = items[0]
    assert tender["national_security_quickscan"] == "not_available"
    assert tender["exclusion_grounds_tested"] == "yes"
    assert tender["legal_basis"] == "Aanbestedingswet"
    assert tender["reference"] is None
    assert tender["awarded_on"] is None
    assert tender["source"] == "Aanhangsel Handelingen II 2020-2021, nr. 1778, Antwoord 4"
    scanners = (await client.get("/api/v1/scanners", params={"vendor": "nuctech", "limit": 500})).json()["items"]
    assert tender["scanner_ids"] == sorted(item["id"] for item in scanners)
    one = await scanner_by_tag(client, "RTM-CS-05")
    assert (await client.get("/api/v1/procurements", params={"scanner": one["id"]})).json()["items"] == []
    filtered = await client.get("/api/v1/procurements", params={"national_security_quickscan": "applied"})
    assert filtered.json()["items"] == []


async def test_create_patch_links_and_delete(client):
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    first, second = await scanner_by_tag(client, "RTM-CS-05"), await scanner_by_tag(client, "RTM-CS-06")
    response = await client.post(
        "/api/v1/procurements",
        json={
            "vendor_id": nuctech["id"],
            "title": "Future scan and detection tender",
            "national_security_quickscan": "applied",
            "scanner_ids": [first["id"]],
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["scanner_ids"] == [first["id"]]
    assert created["exclusion_grounds_tested"] == "unknown"
    url = response.headers["location"]
    response = await patch(client, url, {"scanner_ids": [second["id"], first["id"]]})
    assert response.status_code == 200
    assert response.json()["scanner_ids"] == sorted([first["id"], second["id"]])
    assert response.json()["version"] == 2
    assert (await client.get(url)).json() == response.json()
    scanner_url = f"/api/v1/scanners/{second['id']}"
    etag = (await client.get(scanner_url)).headers["etag"]
    assert_problem(await client.delete(scanner_url, headers={"If-Match": etag}), 409, "procurement")
    etag = (await client.get(url)).headers["etag"]
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 204
    assert_problem(await client.get(url), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"vendor_id": 999, "title": "X"}, "vendor_id"),
        ({"vendor_id": 1, "title": "X", "scanner_ids": [999]}, "scanner_ids"),
        ({"vendor_id": 1, "title": "X", "national_security_quickscan": "skipped"}, "national_security_quickscan"),
        ({"vendor_id": 1, "title": "X", "awarded_on": "April 2019"}, "awarded_on"),
        ({"vendor_id": 1}, "title"),
    ],
)
async def test_invalid_procurements_are_422_and_store_nothing(client, body, field):
    problem = assert_problem(await client.post("/api/v1/procurements", json=body), 422)
    assert field in problem["detail"]
    assert len((await client.get("/api/v1/procurements")).json()["items"]) == 1
