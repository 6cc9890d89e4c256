"""Writes through HTTP: create, partial update, delete, business rules, conditional requests."""

import pytest

from tests.conftest import bearer
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio


async def seeded(client, collection: str, **params) -> dict:
    return (await client.get(f"/api/v1/{collection}", params=params)).json()["items"][0]


async def test_create_site_returns_201_location_etag_and_the_item(client):
    response = await client.post("/api/v1/sites", json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == "eemshaven"
    assert body["country"] == "NL"
    assert body["version"] == 1
    assert response.headers["location"] == f"/api/v1/sites/{body['id']}"
    fetched = await client.get(response.headers["location"])
    assert fetched.json() == body
    assert fetched.headers["etag"] == response.headers["etag"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "name": "X", "kind": "seaport", "id": 99}, "id"),
        ({"code": "x", "name": "X", "kind": "seaport", "version": 3}, "version"),
        ({"code": "x", "name": "X", "kind": "seaport", "created_at": "2021-01-01T00:00:00Z"}, "created_at"),
        ({"code": "x", "name": "X", "kind": "seaport", "colour": "red"}, "colour"),
        ({"code": "x", "name": "X", "kind": "harbour"}, "kind"),
        ({"code": "Not A Slug", "name": "X", "kind": "seaport"}, "code"),
        ({"code": "x", "name": "X", "kind": "seaport", "country": "nl"}, "country"),
        ({"code": "x", "name": 5, "kind": "seaport"}, "name"),
        ({"name": "X", "kind": "seaport"}, "code"),
    ],
)
async def test_invalid_site_bodies_are_422_and_store_nothing(client, body, field):
    before = (await client.get("/api/v1/sites", params={"limit": 500})).json()
    problem = assert_problem(await client.post("/api/v1/sites", json=body), 422)
    assert field in [error["field"] for error in problem["errors"]]
    assert (await client.get("/api/v1/sites", params={"limit": 500})).json() == before


async def test_malformed_json_is_a_422_problem(client):
    response = await client.post("/api/v1/sites", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(response, 422)


async def test_booleans_are_not_integers_and_dates_are_strict(client):
    nuctech = await seeded(client, "vendors", slug="nuctech")
    body = {"vendor_id": True, "country": "DE", "kind": "exclusion", "description": "x"}
    assert_problem(await client.post("/api/v1/vendor-restrictions", json=body), 422, field="vendor_id")
    body = {
        "vendor_id": nuctech["id"],
        "country": "DE",
        "kind": "exclusion",
        "description": "x",
        "decided_on": 1600000000,
    }
    assert_problem(await client.post("/api/v1/vendor-restrictions", json=body), 422, field="decided_on")
    body["decided_on"] = "2021-04-19"
    created = await client.post("/api/v1/vendor-restrictions", json=body)
    assert created.status_code == 201
    assert created.json()["decided_on"] == "2021-04-19"


async def test_duplicate_site_code_and_asset_tag_are_409(client):
    assert_problem(
        await client.post("/api/v1/sites", json={"code": "schiphol", "name": "Again", "kind": "airport"}),
        409,
        "schiphol",
    )
    site = await seeded(client, "sites", code="schiphol")
    body = {"asset_tag": "RTM-CS-01", "site_id": site["id"], "network_mode": "standalone", "use": "baggage"}
    assert_problem(await client.post("/api/v1/scanners", json=body), 409, "RTM-CS-01")


async def test_network_rule_is_a_422_on_create_and_patch(client, tokens):
    site = await seeded(client, "sites", code="schiphol")
    network = await seeded(client, "networks")
    body = {"asset_tag": "NEW-1", "site_id": site["id"], "network_mode": "fibre_linked", "use": "baggage"}
    assert_problem(await client.post("/api/v1/scanners", json=body), 422, "network")
    body = {**body, "network_mode": "standalone", "network_id": network["id"]}
    assert_problem(await client.post("/api/v1/scanners", json=body), 422, "network")
    scanner = await seeded(client, "scanners", site="maasvlakte")
    etag = (await client.get(f"/api/v1/scanners/{scanner['id']}")).headers["etag"]
    response = await client.patch(
        f"/api/v1/scanners/{scanner['id']}", json={"network_mode": "standalone"}, headers={"If-Match": etag}
    )
    assert_problem(response, 422, "network", field="network_id")
    # A valid change of the network mode is held for approval (the approval policy covers it), then applied.
    response = await client.patch(
        f"/api/v1/scanners/{scanner['id']}",
        json={"network_mode": "standalone", "network_id": None},
        headers={"If-Match": etag},
    )
    assert response.status_code == 202, response.text
    approved = await client.post(
        response.headers["location"] + "/approve",
        headers={**bearer(tokens["approver"]), "If-Match": response.headers["etag"]},
    )
    assert approved.status_code == 200, approved.text
    stored = (await client.get(f"/api/v1/scanners/{scanner['id']}")).json()
    assert stored["network"] is None
    assert stored["version"] == 2


async def test_reference_to_missing_site_is_a_422(client):
    body = {"asset_tag": "NEW-2", "site_id": 9999, "network_mode": "standalone", "use": "baggage"}
    problem = assert_problem(await client.post("/api/v1/scanners", json=body), 422, field="site_id")
    assert problem["errors"][0]["field"] == "site_id"


async def test_patch_changes_only_sent_fields_and_bumps_the_etag(client):
    site = await seeded(client, "sites", code="schiphol")
    first = await client.get(f"/api/v1/sites/{site['id']}")
    response = await client.patch(
        f"/api/v1/sites/{site['id']}", json={"locality": "Haarlemmermeer"}, headers={"If-Match": first.headers["etag"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["locality"] == "Haarlemmermeer"
    assert body["name"] == site["name"]
    assert body["version"] == 2
    assert response.headers["etag"] != first.headers["etag"]
    assert (await client.get(f"/api/v1/sites/{site['id']}")).json() == body


async def test_patch_cannot_null_a_required_field(client):
    site = await seeded(client, "sites", code="schiphol")
    etag = (await client.get(f"/api/v1/sites/{site['id']}")).headers["etag"]
    assert_problem(
        await client.patch(f"/api/v1/sites/{site['id']}", json={"name": None}, headers={"If-Match": etag}),
        422,
        field="name",
    )


async def test_patch_and_delete_need_a_current_if_match(client):
    site = await seeded(client, "sites", code="schiphol")
    url = f"/api/v1/sites/{site['id']}"
    assert_problem(await client.patch(url, json={"name": "X"}), 428, "If-Match")
    assert_problem(await client.delete(url), 428)
    stale = f'"site-{site["id"]}-v7"'
    problem = assert_problem(await client.patch(url, json={"name": "X"}, headers={"If-Match": stale}), 412)
    assert (await client.get(url)).json() == site
    assert problem["status"] == 412
    other = f'"scanner-{site["id"]}-v1"'
    assert_problem(await client.patch(url, json={"name": "X"}, headers={"If-Match": other}), 412)


async def test_deleting_referenced_rows_is_a_409_and_changes_nothing(client):
    for collection, params, word in (
        ("sites", {"code": "maasvlakte"}, "scanner"),
        ("vendors", {"slug": "nuctech"}, "scanner"),
        ("networks", {"code": "maasvlakte-fibre"}, "scanner"),
    ):
        item = await seeded(client, collection, **params)
        url = f"/api/v1/{collection}/{item['id']}"
        etag = (await client.get(url)).headers["etag"]
        assert_problem(await client.delete(url, headers={"If-Match": etag}), 409, word)
        assert (await client.get(url)).json() == item


async def test_delete_then_404(client):
    created = (await client.post("/api/v1/networks", json={"code": "test-net", "name": "Test", "kind": "other"})).json()
    url = f"/api/v1/networks/{created['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 204
    assert_problem(await client.get(url), 404)
    assert_problem(await client.delete(url, headers={"If-Match": etag}), 404)


async def test_control_characters_are_refused_in_bodies_and_queries(client):
    problem = assert_problem(
        await client.post("/api/v1/sites", json={"code": "abc", "name": "A\x00B", "kind": "seaport"}), 422, field="name"
    )
    assert problem["errors"][0]["field"] == "name"
    assert_problem(await client.get("/api/v1/scanners", params={"site": "a\x00b"}), 422, "control", field="site")
    assert (await client.get("/api/v1/sites", params={"code": "abc"})).json()["items"] == []
    ok = await client.post(
        "/api/v1/sites", json={"code": "abc", "name": "A", "kind": "seaport", "notes": "line 1\nline 2\ttab"}
    )
    assert ok.status_code == 201


async def test_an_id_written_as_a_whole_number_with_a_fraction_is_taken(client):
    """The contract's ``integer`` includes 1.0 (JSON Schema), so the service takes it as 1; 1.5, "1" and true are
    still refused, naming the field."""
    body = {"asset_tag": "WHOLE-1", "site_id": 1.0, "network_mode": "standalone", "use": "baggage"}
    created = await client.post("/api/v1/scanners", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["site"]["id"] == 1
    for odd in (1.5, "1", True):
        refused = await client.post("/api/v1/scanners", json={**body, "asset_tag": "WHOLE-2", "site_id": odd})
        assert refused.status_code == 422
        assert "site_id" in refused.text, (odd, refused.text)
