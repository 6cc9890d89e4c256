"""The change log, its hash chain, per-object history, restore, and point-in-time (as_of) reads."""

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from tests.helpers import SEEDED_CHANGES, assert_problem, etag, find, last_instant

pytestmark = pytest.mark.asyncio

COLLECTIONS = ("sites", "vendors", "vendor-restrictions", "networks", "scanners")


async def everything(client, **params) -> dict[str, list[dict]]:
    """Every item of every inventory collection (one page of 500 holds them all here)."""
    result = {}
    for collection in COLLECTIONS:
        response = await client.get(f"/api/v1/{collection}", params={"limit": 500, **params})
        assert response.status_code == 200, response.text
        assert response.json()["next_cursor"] is None
        result[collection] = response.json()["items"]
    return result


async def changes(client, **params) -> list[dict]:
    response = await client.get("/api/v1/changes", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_as_of_at_each_step_of_a_scripted_sequence_returns_that_steps_state(client):
    steps: list[tuple[str, dict]] = [(await last_instant(client), await everything(client))]

    async def step() -> None:
        steps.append((await last_instant(client), await everything(client)))

    site = (
        await client.post("/api/v1/sites", json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"})
    ).json()
    network = (
        await client.post("/api/v1/networks", json={"code": "north-fibre", "name": "North", "kind": "closed_fibre"})
    ).json()
    await step()
    nuctech = await find(client, "vendors", slug="nuctech")
    body = {
        "asset_tag": "EEM-1",
        "site_id": site["id"],
        "vendor_id": nuctech["id"],
        "network_id": network["id"],
        "network_mode": "fibre_linked",
        "use": "container_cargo",
    }
    scanner = (await client.post("/api/v1/scanners", json=body)).json()
    await step()
    site_url, scanner_url, network_url = (
        f"/api/v1/sites/{site['id']}",
        f"/api/v1/scanners/{scanner['id']}",
        f"/api/v1/networks/{network['id']}",
    )
    response = await client.patch(
        site_url, json={"name": "Eemshaven port"}, headers={"If-Match": await etag(client, site_url)}
    )
    assert response.status_code == 200
    response = await client.patch(
        scanner_url, json={"status": "maintenance"}, headers={"If-Match": await etag(client, scanner_url)}
    )
    assert response.status_code == 200
    await step()
    assert (await client.delete(scanner_url, headers={"If-Match": await etag(client, scanner_url)})).status_code == 204
    await step()
    network_etag = await etag(client, network_url)
    assert (await client.delete(network_url, headers={"If-Match": network_etag})).status_code == 204
    await step()
    restored = await client.post(f"{network_url}/restore")
    assert restored.status_code == 201, restored.text
    assert restored.headers["location"] == network_url
    assert restored.json()["version"] == 2
    assert restored.headers["etag"] != network_etag
    assert (await client.get(network_url)).json() == restored.json()
    restored = await client.post(f"{scanner_url}/restore")
    assert restored.status_code == 201, restored.text
    assert restored.json()["status"] == "maintenance"
    assert restored.json()["version"] == 3
    stale = await client.patch(scanner_url, json={"notes": "x"}, headers={"If-Match": f'"scanner-{scanner["id"]}-v2"'})
    assert_problem(stale, 412)
    await step()
    restriction = {"vendor_id": nuctech["id"], "country": "DE", "kind": "finding", "description": "A finding."}
    assert (await client.post("/api/v1/vendor-restrictions", json=restriction)).status_code == 201
    vendor_url = f"/api/v1/vendors/{nuctech['id']}"
    response = await client.patch(
        vendor_url, json={"notes": "Changed."}, headers={"If-Match": await etag(client, vendor_url)}
    )
    assert response.status_code == 200
    await step()

    for instant, expected in steps:
        assert await everything(client, as_of=instant) == expected, instant
        for collection, items in expected.items():
            for item in items:
                response = await client.get(f"/api/v1/{collection}/{item['id']}", params={"as_of": instant})
                assert response.status_code == 200, response.text
                assert response.json() == item
                assert response.headers["etag"].endswith(f'-v{item["version"]}"')
    # Absent then: the scanner before it was created, and while it was deleted.
    for instant in (steps[1][0], steps[4][0]):
        assert_problem(await client.get(scanner_url, params={"as_of": instant}), 404, "existed")
    # Filters, sort and pagination work the same on the past.
    instant, expected = steps[3]
    by_site = (await client.get("/api/v1/scanners", params={"site": "eemshaven", "as_of": instant})).json()["items"]
    assert by_site == [s for s in expected["scanners"] if s["site_id"] == site["id"]]
    assert [s["id"] for s in by_site] == [scanner["id"]]
    assert by_site[0]["site"]["name"] == "Eemshaven port"
    sites = (await client.get("/api/v1/sites", params={"vendor": "nuctech", "as_of": steps[0][0]})).json()["items"]
    assert (
        sites == (await client.get("/api/v1/sites", params={"vendor": "nuctech", "as_of": steps[0][0]})).json()["items"]
    )
    assert {s["code"] for s in sites} == {s["code"] for s in steps[0][1]["sites"]} - {"eemshaven"}
    seen, url, params = [], "/api/v1/scanners", {"limit": 3, "sort": "status,-asset_tag", "as_of": instant}
    while True:
        page = (await client.get(url, params=params)).json()
        seen += page["items"]
        if not page["next_cursor"]:
            break
        params = {**params, "cursor": page["next_cursor"]}
    present_order = sorted(expected["scanners"], key=lambda s: s["asset_tag"], reverse=True)
    present_order.sort(key=lambda s: s["status"])
    assert seen == present_order
    assert (await client.get("/api/v1/networks", params={"as_of": instant})).json()["items"][-1]["scanner_count"] == 1


async def test_the_seed_is_recorded_as_of_the_documents_date(client):
    present = await everything(client)
    assert await everything(client, as_of="2021-04-19T12:00:00Z") == present
    assert await everything(client, as_of="2021-04-19T14:00:00+02:00") == present
    assert await everything(client, as_of="2021-04-18T00:00:00Z") == {c: [] for c in COLLECTIONS}
    scanner = present["scanners"][0]
    assert_problem(await client.get(f"/api/v1/scanners/{scanner['id']}", params={"as_of": "2021-04-18T00:00:00Z"}), 404)
    seeded = await changes(client)
    assert len(seeded) == SEEDED_CHANGES
    assert {c["request_id"] for c in seeded} == {"seed"}
    assert {c["api_key_id"] for c in seeded} == {None}
    assert {c["action"] for c in seeded} == {"create"}
    assert {c["recorded_at"] for c in seeded} == {"2021-04-19T00:00:00.000000Z"}


@pytest.mark.parametrize(
    "value",
    ["2021-04-19T12:00:00", "2021-04-19", "yesterday", "1618833600", "2999-01-01T00:00:00Z", "2021-13-40T00:00:00Z"],
)
async def test_as_of_must_be_a_past_rfc3339_timestamp_with_a_timezone(client, value):
    for url in ("/api/v1/scanners", "/api/v1/sites/1"):
        problem = assert_problem(await client.get(url, params={"as_of": value}), 422, field="as_of")
        assert problem["errors"][0]["field"] == "as_of"


async def test_as_of_in_the_first_millennium_is_before_everything(client):
    # Years below 1000 were written without their leading zeros: a 500 on PostgreSQL, and on SQLite
    # text that sorted after 2021, answering with the present.
    for url in ("/api/v1/scanners", "/api/v1/sites", "/api/v1/networks"):
        response = await client.get(url, params={"as_of": "0072-02-04T17:35:04.268747Z"})
        assert (response.status_code, response.json()["items"]) == (200, []), url
    assert_problem(
        await client.get("/api/v1/scanners", params={"as_of": "0001-01-01T00:00:00+01:00"}), 422, field="as_of"
    )


async def test_a_cursor_is_bound_to_its_as_of(client):
    first = (await client.get("/api/v1/scanners", params={"limit": 2, "as_of": "2021-04-19T12:00:00Z"})).json()
    cursor = first["next_cursor"]
    assert_problem(await client.get("/api/v1/scanners", params={"limit": 2, "cursor": cursor}), 400)
    other = {"limit": 2, "cursor": cursor, "as_of": "2021-04-20T12:00:00Z"}
    assert_problem(await client.get("/api/v1/scanners", params=other), 400)
    present = (await client.get("/api/v1/scanners", params={"limit": 2})).json()["next_cursor"]
    assert_problem(
        await client.get("/api/v1/scanners", params={"cursor": present, "as_of": "2021-04-20T12:00:00Z"}), 400
    )
    same = {"limit": 2, "cursor": cursor, "as_of": "2021-04-19T12:00:00Z"}
    assert (await client.get("/api/v1/scanners", params=same)).status_code == 200


async def test_the_chain_verifies_and_names_an_edited_record(client, db):
    site = await find(client, "sites", code="schiphol")
    url = f"/api/v1/sites/{site['id']}"
    await client.patch(url, json={"locality": "Haarlemmermeer"}, headers={"If-Match": await etag(client, url)})
    report = (await client.get("/api/v1/changes/verify")).json()
    # The record ids after the seed's include the test keys' creations, which an editor does not see.
    edited = (await changes(client, object_type="sites", sort="-id"))[0]["id"]
    assert report["valid"] is True
    assert report["checked"] == SEEDED_CHANGES + 1
    assert report["first_broken"] is None
    assert report["head"]["id"] == edited
    with get_engine(db).begin() as connection:
        connection.execute(
            sa.text("UPDATE change_record SET after = REPLACE(after, 'Haarlemmermeer', 'Amstelveen') WHERE id = :id"),
            {"id": edited},
        )
    report = (await client.get("/api/v1/changes/verify")).json()
    # The first check left a checkpoint at the edited record; the routine check re-hashes that record only.
    assert report["valid"] is False
    assert report["checked"] == 1
    assert report["checkpoint"]["id"] == edited
    assert report["first_broken"]["id"] == edited
    assert report["first_broken"]["problem"] == "content_hash_mismatch"


async def test_verification_names_a_deleted_record_and_a_relinked_one(client, db):
    with get_engine(db).begin() as connection:
        connection.execute(sa.text("DELETE FROM change_record WHERE id = 7"))
    report = (await client.get("/api/v1/changes/verify")).json()
    assert report["valid"] is False
    assert report["checked"] == SEEDED_CHANGES - 1
    assert report["first_broken"]["id"] == 7
    assert report["first_broken"]["problem"] == "gap"
    assert "Record 7 is missing" in report["first_broken"]["detail"]
    with get_engine(db).begin() as connection:
        connection.execute(sa.text("UPDATE change_record SET id = 7 WHERE id = 8"))
    report = (await client.get("/api/v1/changes/verify")).json()
    # Renumbering hides the gap, but record 7 now does not link to record 6.
    assert report["first_broken"]["id"] == 7
    assert report["first_broken"]["problem"] == "broken_link"
    with get_engine(db).begin() as connection:
        connection.execute(sa.text("UPDATE change_record SET previous_hash = hash WHERE id = 3"))
    report = (await client.get("/api/v1/changes/verify")).json()
    assert report["first_broken"]["id"] == 3
    assert report["first_broken"]["problem"] == "broken_link"


async def test_failed_writes_leave_no_change_record(client):
    before = await changes(client)
    site = await find(client, "sites", code="schiphol")
    url = f"/api/v1/sites/{site['id']}"
    assert_problem(await client.patch(url, json={"name": "X"}, headers={"If-Match": f'"site-{site["id"]}-v9"'}), 412)
    assert_problem(await client.patch(url, json={"name": "X"}), 428)
    assert_problem(
        await client.post("/api/v1/sites", json={"code": "schiphol", "name": "Again", "kind": "airport"}), 409
    )
    assert_problem(
        await client.post("/api/v1/sites", json={"code": "x", "name": "X", "kind": "harbour"}), 422, field="kind"
    )
    maasvlakte = await find(client, "sites", code="maasvlakte")
    site_url = f"/api/v1/sites/{maasvlakte['id']}"
    assert_problem(await client.delete(site_url, headers={"If-Match": await etag(client, site_url)}), 409)
    body = {"asset_tag": "NEW-9", "site_id": site["id"], "network_mode": "fibre_linked", "use": "baggage"}
    assert_problem(await client.post("/api/v1/scanners", json=body), 422)
    # A change without a difference is no change: no record either.
    assert (
        await client.patch(url, json={"name": site["name"]}, headers={"If-Match": await etag(client, url)})
    ).status_code == 200
    assert await changes(client) == before


async def test_request_id_is_echoed_on_every_response_and_recorded_with_key_and_reason(client, anonymous, tokens):
    response = await client.post(
        "/api/v1/sites",
        json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"},
        headers=[("X-Request-ID", "ticket-4711"), ("X-Change-Reason", "Audit of 2021 — new site".encode())],
    )
    assert response.status_code == 201
    assert response.headers["x-request-id"] == "ticket-4711"
    (record,) = await changes(client, request_id="ticket-4711")
    assert record["action"] == "create"
    assert record["object_type"] == "sites"
    assert record["object_id"] == response.json()["id"]
    assert record["reason"] == "Audit of 2021 — new site"
    assert record["before"] is None
    assert record["api_key_id"] is not None
    assert record["after"]["code"] == "eemshaven"
    assert {key: record["after"][key] for key in ("code", "name", "version")} == {
        "code": "eemshaven",
        "name": "Eemshaven",
        "version": 1,
    }
    assert await changes(client, api_key_id=record["api_key_id"]) == [record]
    for http, url, status in (
        (anonymous, "/api/v1/scanners", 401),
        (client, "/api/v1/scanners/99999", 404),
        (client, "/api/v1/scanners?colour=red", 422),
        (client, "/health/live", 200),
    ):
        generated = await http.get(url)
        assert generated.status_code == status
        assert len(generated.headers["x-request-id"]) == 32
        echoed = await http.get(url, headers={"X-Request-ID": "abc-123"})
        assert echoed.headers["x-request-id"] == "abc-123"
    insane = await client.get("/api/v1/scanners", headers={"X-Request-ID": "x" * 129})
    assert len(insane.headers["x-request-id"]) == 32


@pytest.mark.parametrize("reason", [b"line\nbreak", b"x" * 501, b"\xff\xfe"])
async def test_an_invalid_change_reason_is_a_422_and_changes_nothing(client, reason):
    before = await changes(client)
    response = await client.post(
        "/api/v1/sites",
        json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"},
        headers=[("X-Change-Reason", reason)],
    )
    assert_problem(response, 422, field="X-Change-Reason")
    assert response.headers["x-request-id"]
    assert await changes(client) == before


async def test_history_of_an_object_survives_its_deletion(client):
    created = (await client.post("/api/v1/networks", json={"code": "n1", "name": "N1", "kind": "other"})).json()
    url = f"/api/v1/networks/{created['id']}"
    await client.patch(url, json={"name": "N one"}, headers={"If-Match": await etag(client, url)})
    await client.delete(url, headers={"If-Match": await etag(client, url)})
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [c["action"] for c in history] == ["create", "update", "delete"]
    assert history[1]["before"]["name"] == "N1"
    assert history[1]["after"]["name"] == "N one"
    assert history[2]["after"] is None
    assert history[2]["before"]["version"] == 2
    assert history == await changes(client, object_type="networks", object_id=created["id"])
    newest = (await client.get(f"{url}/history", params={"sort": "-id", "limit": 1})).json()
    assert newest["items"] == [history[2]]
    assert newest["next_cursor"]
    assert_problem(await client.get("/api/v1/networks/99999/history"), 404, "99999")
    for collection in COLLECTIONS:
        first = (await client.get(f"/api/v1/{collection}", params={"limit": 1})).json()["items"][0]
        items = (await client.get(f"/api/v1/{collection}/{first['id']}/history")).json()["items"]
        assert items[0]["action"] == "create"
        assert items[0]["object_type"] == collection


async def test_restore_refuses_what_it_cannot_restore(client):
    scanner = await find(client, "scanners", site="maasvlakte", vendor_disclosed="false")  # in no procurement
    url = f"/api/v1/scanners/{scanner['id']}"
    assert_problem(await client.post(f"{url}/restore"), 409, "exists")
    assert_problem(await client.post("/api/v1/scanners/99999/restore"), 404, "No deleted scanner")
    # The asset tag is taken by a newer scanner.
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
    body = {
        "asset_tag": scanner["asset_tag"],
        "site_id": scanner["site_id"],
        "network_mode": "standalone",
        "use": "baggage",
    }
    newer = await client.post("/api/v1/scanners", json=body)
    assert newer.status_code == 201
    assert newer.json()["id"] > scanner["id"]
    assert_problem(await client.post(f"{url}/restore"), 409, scanner["asset_tag"])
    # The site it stood at is gone.
    site = (await client.post("/api/v1/sites", json={"code": "gone", "name": "Gone", "kind": "other"})).json()
    body = {"asset_tag": "GONE-1", "site_id": site["id"], "network_mode": "standalone", "use": "baggage"}
    lost = (await client.post("/api/v1/scanners", json=body)).json()
    lost_url = f"/api/v1/scanners/{lost['id']}"
    await client.delete(lost_url, headers={"If-Match": await etag(client, lost_url)})
    site_url = f"/api/v1/sites/{site['id']}"
    await client.delete(site_url, headers={"If-Match": await etag(client, site_url)})
    before = await changes(client)
    assert_problem(await client.post(f"{lost_url}/restore"), 409, "site")
    assert await changes(client) == before
    # Restore needs the editor role.
    assert_problem(await client.post(f"{site_url}/restore", headers={"Authorization": "Bearer nope"}), 401)


async def test_ids_are_never_reused_after_delete_or_restore(client):
    body = {"code": "n1", "name": "N1", "kind": "other"}
    first = (await client.post("/api/v1/networks", json=body)).json()
    url = f"/api/v1/networks/{first['id']}"
    await client.delete(url, headers={"If-Match": await etag(client, url)})
    second = (await client.post("/api/v1/networks", json={**body, "code": "n2"})).json()
    assert second["id"] > first["id"]
    assert (await client.post(f"{url}/restore")).status_code == 201
    third = (await client.post("/api/v1/networks", json={**body, "code": "n3"})).json()
    assert third["id"] > second["id"]
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [c["action"] for c in history] == ["create", "delete", "restore"]
    assert (await client.get("/api/v1/changes/verify")).json()["valid"] is True


async def test_change_filters_by_time_and_type(client):
    assert len(await changes(client, object_type="scanners")) == 13
    assert await changes(client, since="2021-04-20T00:00:00Z") == []
    assert len(await changes(client, until="2021-04-20T00:00:00Z")) == SEEDED_CHANGES
    assert_problem(await client.get("/api/v1/changes", params={"since": "2021-04-20"}), 422, field="since")
    record = (await client.get("/api/v1/changes/1")).json()
    assert record["id"] == 1
    assert record["previous_hash"] is None
    assert_problem(await client.get("/api/v1/changes/99999"), 404)


async def test_concurrent_writers_keep_one_linear_chain(client):
    import asyncio

    site = await find(client, "sites", code="schiphol")
    url = f"/api/v1/sites/{site['id']}"
    current = await etag(client, url)
    creates = [
        client.post("/api/v1/networks", json={"code": f"c{n}", "name": f"C{n}", "kind": "other"}) for n in range(12)
    ]
    patches = [client.patch(url, json={"locality": f"L{n}"}, headers={"If-Match": current}) for n in range(8)]
    responses = await asyncio.gather(*creates, *patches)
    assert [r.status_code for r in responses[:12]] == [201] * 12
    assert sorted(r.status_code for r in responses[12:]) == [200] + [412] * 7
    report = (await client.get("/api/v1/changes/verify")).json()
    assert report == {**report, "valid": True, "checked": SEEDED_CHANGES + 12 + 1, "first_broken": None}
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [c["action"] for c in history] == ["create", "update"]


async def test_an_unexpected_error_still_carries_the_request_id(app, client):
    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/explode", explode)
    response = await client.get("/explode", headers={"X-Request-ID": "req-500"})
    assert_problem(response, 500)
    assert response.headers["x-request-id"] == "req-500"
    assert "boom" not in response.text


async def test_restore_and_history_need_their_roles(anonymous, tokens):
    reader = {"Authorization": f"Bearer {tokens['reader']}"}
    assert_problem(await anonymous.post("/api/v1/sites/1/restore", headers=reader), 403, "editor")
    assert (await anonymous.get("/api/v1/sites/1/history", headers=reader)).status_code == 200
    assert (await anonymous.get("/api/v1/changes/verify", headers=reader)).status_code == 200
    assert_problem(await anonymous.get("/api/v1/changes"), 401)


async def test_a_reconciling_seed_run_records_its_update_when_it_happens(client, db, tmp_path):
    from sqlmodel import Session

    from app.seeding import DEFAULT_SEED_FILE, load_seed

    path = tmp_path / "seed.yaml"
    path.write_text(DEFAULT_SEED_FILE.read_text().replace('name: "Schiphol airport"', 'name: "Amsterdam Schiphol"'))
    with Session(get_engine(db)) as session:
        load_seed(session, path, reconcile=True)
    (record,) = await changes(client, action="update")
    assert record["request_id"] == "seed"
    assert record["api_key_id"] is None
    assert record["object_type"] == "sites"
    assert record["reason"] == "reconciled with the seed file"
    assert (record["before"]["name"], record["after"]["name"]) == ("Schiphol airport", "Amsterdam Schiphol")
    assert record["recorded_at"] > "2021-04-20"
    assert record["after"]["updated_at"] == record["recorded_at"]
    site = (await client.get(f"/api/v1/sites/{record['object_id']}", params={"as_of": "2021-04-19T12:00:00Z"})).json()
    assert site["name"] == "Schiphol airport"
    assert site["version"] == 1


HISTORY_ONLY = ("procurements", "audits", "findings")
"""Collections with a history but no restore: their state spans link tables (scanners, scope)."""

RESTORABLE_ASSURANCE = ("vendor-assessments", "supplier-access-facts", "access-overrides", "mitigation-measures")


async def test_every_recorded_collection_has_a_history(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    scanner = await find(client, "scanners", site="maasvlakte", vendor_disclosed="false")
    measure = await client.post(
        "/api/v1/mitigation-measures", json={"scanner_id": scanner["id"], "title": "Data diode", "status": "planned"}
    )
    assert measure.status_code == 201, measure.text
    for collection in (*HISTORY_ONLY, *RESTORABLE_ASSURANCE):
        listed = (await client.get(f"/api/v1/{collection}", params={"limit": 1})).json()["items"]
        if not listed:
            continue
        items = (await client.get(f"/api/v1/{collection}/{listed[0]['id']}/history")).json()["items"]
        assert items[0]["action"] == "create"
        assert items[0]["object_type"] == collection, collection
        assert_problem(await client.get(f"/api/v1/{collection}/99999/history"), 404, "99999")
    for collection in HISTORY_ONLY:
        assert (await client.post(f"/api/v1/{collection}/1/restore")).status_code in (404, 405)


async def test_a_deleted_mitigation_measure_is_restored_with_its_history(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    scanner = await find(client, "scanners", site="maasvlakte", vendor_disclosed="false")
    created = (
        await client.post(
            "/api/v1/mitigation-measures",
            json={"scanner_id": scanner["id"], "title": "Data diode", "status": "planned"},
        )
    ).json()
    url = f"/api/v1/mitigation-measures/{created['id']}"
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
    restored = await client.post(f"{url}/restore")
    assert restored.status_code == 201, restored.text
    assert restored.json()["title"] == "Data diode"
    assert restored.json()["version"] == created["version"] + 1
    assert restored.headers["location"].endswith(url)
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [c["action"] for c in history] == ["create", "delete", "restore"]
    assert_problem(await client.post(f"{url}/restore"), 409, "exists")


async def test_a_deleted_vendor_assessment_is_restored_unless_its_date_is_taken(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    nuctech = await find(client, "vendors", slug="nuctech")
    body = {
        "vendor_id": nuctech["id"],
        "criterion_1": "unknown",
        "criterion_1_rationale": "Test.",
        "criterion_2": "unknown",
        "criterion_2_rationale": "Test.",
        "assessed_on": "2022-01-01",
        "assessor": "Test assessor",
    }
    created = (await client.post("/api/v1/vendor-assessments", json=body)).json()
    url = f"/api/v1/vendor-assessments/{created['id']}"
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
    assert (await client.post("/api/v1/vendor-assessments", json=body)).status_code == 201
    assert_problem(await client.post(f"{url}/restore"), 409, "2022-01-01")


async def test_states_recorded_before_a_field_existed_are_read_and_restored_as_not_known(client, db):
    """A change record written before a migration added a column lacks that key; the past and a restore
    read it as the field's "not recorded" value rather than failing."""
    created = await client.post("/api/v1/sites", json={"code": "harlingen", "name": "Harlingen", "kind": "seaport"})
    assert created.status_code == 201, created.text
    url = f"/api/v1/sites/{created.json()['id']}"
    existed_at = await last_instant(client)
    assert (await client.delete(url, headers={"If-Match": created.headers["ETag"]})).status_code == 204
    records = [item for item in await changes(client, object_type="sites") if item["object_id"] == created.json()["id"]]
    assert [record["action"] for record in records] == ["create", "delete"]
    with get_engine(db).begin() as connection:
        for column in ("after", "before"):
            connection.execute(
                sa.text(
                    f"UPDATE change_record SET {column} = REPLACE({column}, '\"scanner_list\":\"unknown\",', '')"
                    " WHERE object_type = 'sites' AND object_id = :id"
                ),
                {"id": created.json()["id"]},
            )
        # The point-in-time reads use the object's versions, which hold the same states.
        removed = (
            "state - 'scanner_list'"
            if connection.dialect.name == "postgresql"
            else "json_remove(state, '$.scanner_list')"
        )
        connection.execute(
            sa.text(f"UPDATE object_version SET state = {removed} WHERE object_type = 'sites' AND object_id = :id"),
            {"id": created.json()["id"]},
        )
        stored = connection.execute(
            sa.text(
                "SELECT after FROM change_record WHERE object_type = 'sites' AND object_id = :id AND action = 'create'"
            ),
            {"id": created.json()["id"]},
        ).scalar_one()
    assert 'scanner_list"' not in stored  # the record now looks as one written before the column existed
    past = await client.get(url, params={"as_of": existed_at})
    assert past.status_code == 200, past.text
    assert past.json()["scanner_list"] == "unknown"
    listed = await client.get("/api/v1/sites", params={"as_of": existed_at, "code": "harlingen"})
    assert [site["scanner_list"] for site in listed.json()["items"]] == ["unknown"]
    unknown = await client.get("/api/v1/sites", params={"as_of": existed_at, "scanner_list": "unknown"})
    assert "harlingen" in [site["code"] for site in unknown.json()["items"]]  # the filter reads it so too
    restored = await client.post(f"{url}/restore")
    assert restored.status_code == 201, restored.text
    assert restored.json()["scanner_list"] == "unknown"
