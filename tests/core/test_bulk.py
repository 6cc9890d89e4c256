"""Bulk writes on the collection paths: JSON arrays for POST, PATCH and DELETE, CSV import on POST;
all or nothing, per-row errors, one change record per object, Idempotency-Key, the row limit, roles."""

import pytest

from app.core.config import Settings
from app.main import create_app
from tests.conftest import bearer, http_client
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio


def site(code: str, **fields) -> dict:
    return {"code": code, "name": f"Site {code}", "kind": "seaport", **fields}


async def all_of(client, collection: str) -> list[dict]:
    separator = "&" if "?" in collection else "?"
    items, url = [], f"/api/v1/{collection}{separator}limit=500"
    while url:
        response = await client.get(url)
        items += response.json()["items"]
        url = response.links.get("next", {}).get("url")
    return items


async def changes_of(client, request_id: str) -> list[dict]:
    return await all_of(client, f"changes?request_id={request_id}")


async def test_a_batch_creates_every_item_in_order(client):
    response = await client.post("/api/v1/sites", json=[site("bulk-a"), site("bulk-b", country="BE")])
    assert response.status_code == 201, response.text
    created = response.json()
    assert [item["code"] for item in created] == ["bulk-a", "bulk-b"]
    assert created[1]["country"] == "BE"
    assert created[0]["version"] == 1
    for item in created:
        assert (await client.get(f"/api/v1/sites/{item['id']}")).json() == item


async def test_one_bad_row_stores_nothing_and_is_named(client):
    before = await all_of(client, "sites")
    body = [site("bulk-ok"), site("bulk-ok-2"), {"code": "bulk-bad", "name": "Bad", "kind": "harbour"}]
    problem = assert_problem(await client.post("/api/v1/sites", json=body), 422, "Row 2", field="kind")
    assert [(error["row"], error["field"]) for error in problem["errors"]] == [(2, "kind")]
    assert await all_of(client, "sites") == before


async def test_every_bad_row_is_listed_with_a_count(client):
    body = [{"code": "Not A Slug", "name": "x", "kind": "seaport"} for _ in range(30)]
    problem = assert_problem(await client.post("/api/v1/sites", json=body), 422, field="code")
    assert problem["error_count"] == 30
    assert len(problem["errors"]) == 20
    assert [error["row"] for error in problem["errors"]] == list(range(20))


async def test_a_conflicting_row_is_a_409_naming_row_and_field_and_stores_nothing(client):
    before = await all_of(client, "sites")
    body = [site("bulk-dup"), site("bulk-other"), site("bulk-dup")]
    problem = assert_problem(await client.post("/api/v1/sites", json=body), 409, "Row 2", field="code")
    assert problem["errors"][0]["row"] == 2
    assert problem["errors"][0]["field"] == "code"
    assert await all_of(client, "sites") == before


async def test_a_thousand_scanners_are_stored_with_a_thousand_change_records(client):
    seeded_site = (await client.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    body = [
        {"asset_tag": f"BULK-{n:04d}", "site_id": seeded_site["id"], "network_mode": "standalone", "use": "baggage"}
        for n in range(1000)
    ]
    response = await client.post("/api/v1/scanners", json=body, headers={"X-Request-ID": "bulk-thousand"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert [item["asset_tag"] for item in created] == [row["asset_tag"] for row in body]
    records = await changes_of(client, "bulk-thousand")
    assert len(records) == 1000
    assert {record["action"] for record in records} == {"create"}
    assert {record["object_id"] for record in records} == {item["id"] for item in created}


async def test_a_single_object_post_still_answers_as_before(client):
    response = await client.post("/api/v1/sites", json=site("bulk-single"))
    assert response.status_code == 201
    assert response.json()["code"] == "bulk-single"
    assert response.headers["location"].endswith(f"/sites/{response.json()['id']}")
    problem = assert_problem(
        await client.post("/api/v1/sites", json={"name": "x", "kind": "seaport"}), 422, field="code"
    )
    assert problem["errors"][0]["field"] == "code"
    assert "row" not in problem["errors"][0]


async def test_bulk_patch_changes_every_item(client):
    created = (
        await client.post("/api/v1/vendors", json=[{"slug": "bv-a", "name": "A"}, {"slug": "bv-b", "name": "B"}])
    ).json()
    body = [
        {"id": created[0]["id"], "version": 1, "name": "A renamed"},
        {"id": created[1]["id"], "version": f'"vendor-{created[1]["id"]}-v1"', "country": "DE"},
    ]
    response = await client.patch("/api/v1/vendors", json=body, headers={"X-Request-ID": "bulk-patch"})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert [item["name"] for item in updated] == ["A renamed", "B"]
    assert updated[1]["country"] == "DE"
    assert [item["version"] for item in updated] == [2, 2]
    assert len(await changes_of(client, "bulk-patch")) == 2


async def test_bulk_patch_with_one_stale_version_stores_nothing(client):
    created = (
        await client.post(
            "/api/v1/networks",
            json=[
                {"code": "bn-a", "name": "A", "kind": "other"},
                {"code": "bn-b", "name": "B", "kind": "other"},
            ],
        )
    ).json()
    body = [
        {"id": created[0]["id"], "version": 1, "name": "New A"},
        {"id": created[1]["id"], "version": 7, "name": "New B"},
    ]
    problem = assert_problem(await client.patch("/api/v1/networks", json=body), 412, "Row 1", field="version")
    assert problem["errors"][0]["row"] == 1
    assert problem["errors"][0]["field"] == "version"
    assert (await client.get(f"/api/v1/networks/{created[0]['id']}")).json()["name"] == "A"


async def test_bulk_patch_rows_need_a_version_and_valid_fields(client):
    created = (await client.post("/api/v1/sites", json=[site("bp-a")])).json()
    problem = assert_problem(
        await client.patch("/api/v1/sites", json=[{"id": created[0]["id"], "name": "x"}]), 422, field="version"
    )
    assert problem["errors"][0] == {**problem["errors"][0], "row": 0, "field": "version"}
    problem = assert_problem(
        await client.patch("/api/v1/sites", json=[{"id": created[0]["id"], "version": 1, "kind": "harbour"}]),
        422,
        field="kind",
    )
    assert (problem["errors"][0]["row"], problem["errors"][0]["field"]) == (0, "kind")
    problem = assert_problem(
        await client.patch("/api/v1/sites", json=[{"id": 999999, "version": 1}]), 404, "Row 0", field="id"
    )
    assert problem["errors"][0]["field"] == "id"


async def test_bulk_delete_removes_every_item_or_none(client):
    created = (await client.post("/api/v1/sites", json=[site(f"bd-{n}") for n in range(5)])).json()
    stale = [{"id": item["id"], "version": 1} for item in created[:4]] + [{"id": created[4]["id"], "version": 2}]
    problem = assert_problem(await client.request("DELETE", "/api/v1/sites", json=stale), 412, "Row 4", field="version")
    assert problem["errors"][0]["row"] == 4
    assert (await client.get(f"/api/v1/sites/{created[0]['id']}")).status_code == 200
    body = [{"id": item["id"], "version": 1} for item in created]
    response = await client.request("DELETE", "/api/v1/sites", json=body, headers={"X-Request-ID": "bulk-delete"})
    assert response.status_code == 204, response.text
    for item in created:
        assert (await client.get(f"/api/v1/sites/{item['id']}")).status_code == 404
    records = await changes_of(client, "bulk-delete")
    assert len(records) == 5
    assert {record["action"] for record in records} == {"delete"}


async def test_csv_import_creates_every_row(client):
    text = 'code,name,kind,country,locality\ncsv-a,CSV A,seaport,NL,Rotterdam\ncsv-b,"CSV B, airport",airport,BE,\n'
    response = await client.post("/api/v1/sites", content=text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert [(item["code"], item["name"], item["locality"]) for item in created] == [
        ("csv-a", "CSV A", "Rotterdam"),
        ("csv-b", "CSV B, airport", None),
    ]


async def test_csv_import_of_scanners_converts_numbers(client):
    seeded_site = (await client.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    text = f"asset_tag,site_id,network_mode,use\nCSV-SC-1,{seeded_site['id']},standalone,baggage\n"
    response = await client.post("/api/v1/scanners", content=text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 201, response.text
    assert response.json()[0]["site"]["id"] == seeded_site["id"]


async def test_bad_csv_stores_nothing_and_names_the_line(client):
    before = await all_of(client, "sites")
    text = "code,name,kind\ncsv-ok,OK,seaport\ncsv-bad,Bad,harbour\n"
    problem = assert_problem(
        await client.post("/api/v1/sites", content=text.encode(), headers={"Content-Type": "text/csv"}),
        422,
        "Line 3",
        field="kind",
    )
    assert (problem["errors"][0]["row"], problem["errors"][0]["field"]) == (3, "kind")
    text = "code,name,colour\ncsv-x,X,red\n"
    problem = assert_problem(
        await client.post("/api/v1/sites", content=text.encode(), headers={"Content-Type": "text/csv"}),
        422,
        field="colour",
    )
    assert problem["errors"][0]["field"] == "colour"
    text = "code,name,kind\ncsv-y,Y\n"
    problem = assert_problem(
        await client.post("/api/v1/sites", content=text.encode(), headers={"Content-Type": "text/csv"}), 422
    )
    assert problem["errors"][0]["row"] == 2
    assert await all_of(client, "sites") == before


async def test_csv_is_refused_where_it_is_not_imported(client):
    response = await client.post("/api/v1/audits", content=b"title\nx\n", headers={"Content-Type": "text/csv"})
    assert_problem(response, 415)


async def test_idempotency_key_replays_a_bulk_post(client):
    headers = {"Idempotency-Key": '"bulk-replay-1"'}
    body = [site("bi-a"), site("bi-b")]
    first = await client.post("/api/v1/sites", json=body, headers=headers)
    again = await client.post("/api/v1/sites", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    codes = [item["code"] for item in await all_of(client, "sites")]
    assert codes.count("bi-a") == 1
    assert_problem(
        await client.post("/api/v1/sites", json=[site("bi-c")], headers=headers), 422, field="Idempotency-Key"
    )
    text = "code,name,kind\nbi-csv,CSV,seaport\n"
    csv_headers = {"Idempotency-Key": '"bulk-replay-2"', "Content-Type": "text/csv"}
    first = await client.post("/api/v1/sites", content=text.encode(), headers=csv_headers)
    again = await client.post("/api/v1/sites", content=text.encode(), headers=csv_headers)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


async def test_the_row_limit_is_enforced_and_named(db, tokens):
    app = create_app(Settings(bulk_max_rows=3))
    async with app.router.lifespan_context(app), http_client(app, bearer(tokens["editor"])) as http:
        before = await all_of(http, "sites")
        body = [site(f"bl-{n}") for n in range(4)]
        assert_problem(await http.post("/api/v1/sites", json=body), 422, "at most 3 rows", "INVENTORY_BULK_MAX_ROWS")
        text = "code,name,kind\n" + "".join(f"blc-{n},X,seaport\n" for n in range(4))
        assert_problem(
            await http.post("/api/v1/sites", content=text.encode(), headers={"Content-Type": "text/csv"}),
            422,
            "at most 3",
        )
        assert_problem(await http.patch("/api/v1/sites", json=[{"id": 1, "version": 1}] * 4), 422, "at most 3")
        assert await all_of(http, "sites") == before
        assert (await http.post("/api/v1/sites", json=body[:3])).status_code == 201


async def test_an_empty_or_non_array_body_is_a_422(client):
    assert_problem(await client.post("/api/v1/sites", json=[]), 422, "no rows")
    assert_problem(await client.patch("/api/v1/sites", json={"id": 1}), 422)
    assert_problem(await client.request("DELETE", "/api/v1/sites", json=[{"id": "one", "version": 1}]), 422, field="id")


async def test_a_reader_may_not_write_in_bulk(app, tokens):
    async with http_client(app, bearer(tokens["reader"])) as reader:
        assert_problem(await reader.post("/api/v1/sites", json=[site("br-a")]), 403)
        assert_problem(await reader.patch("/api/v1/sites", json=[{"id": 1, "version": 1}]), 403)
        assert_problem(await reader.request("DELETE", "/api/v1/sites", json=[{"id": 1, "version": 1}]), 403)
        response = await reader.post("/api/v1/sites", content=b"code,name,kind\n", headers={"Content-Type": "text/csv"})
        assert_problem(response, 403)


@pytest.mark.parametrize(
    "content",
    [
        b"code,name,kind\n\x00,x,seaport\n",
        b"code,name,kind\n\xff\xfe,x,seaport\n",
        b'code,name,kind\n"open,x,seaport\n',
    ],
)
async def test_hostile_csv_is_a_422_problem(client, content):
    response = await client.post("/api/v1/sites", content=content, headers={"Content-Type": "text/csv"})
    assert_problem(response, 422)


async def test_rows_that_are_not_objects_are_named(client):
    problem = assert_problem(await client.post("/api/v1/sites", json=[site("bn-ok"), 5, None]), 422, "Row 1")
    assert [error["row"] for error in problem["errors"]] == [1, 2]
    problem = assert_problem(
        await client.request("DELETE", "/api/v1/sites", json=[{"id": 1, "version": True}]), 422, field="version"
    )
    assert (problem["errors"][0]["row"], problem["errors"][0]["field"]) == (0, "version")
