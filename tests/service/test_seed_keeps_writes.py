"""The seed is a first load: a restart (which seeds again) never undoes an acknowledged write."""

import httpx
import pytest
from sqlmodel import Session

from app.core.db import get_engine
from app.main import create_app
from app.seeding import load_seed
from tests.conftest import BACKENDS, bearer, http_client, new_database
from tests.helpers import assert_problem
from tests.ports import free_port
from tests.servers import inventory, running


def seed_again(url: str):
    """What ``inventory serve`` does on every start."""
    with Session(get_engine(url)) as session:
        return load_seed(session)


async def first(client, collection: str, **params) -> dict:
    return (await client.get(f"/api/v1/{collection}", params=params)).json()["items"][0]


async def restart(tokens):
    """A second app lifespan after seeding again, as a restarted server; its client."""
    app = create_app()
    return app, http_client(app, bearer(tokens["editor"]))


async def test_edits_and_deletes_of_seeded_records_survive_a_restart(db, client, tokens):
    scanner = await first(client, "scanners", sort="asset_tag")
    patched = await client.patch(
        f"/api/v1/scanners/{scanner['id']}",
        json={"notes": "moved to the east gate", "status": "maintenance"},
        headers={"If-Match": f'"scanner-{scanner["id"]}-v{scanner["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    restriction = await first(client, "vendor-restrictions")
    deleted = await client.delete(
        f"/api/v1/vendor-restrictions/{restriction['id']}",
        headers={"If-Match": f'"vendor-restriction-{restriction["id"]}-v{restriction["version"]}"'},
    )
    assert deleted.status_code == 204, deleted.text
    restrictions_before = (await client.get("/api/v1/vendor-restrictions", params={"limit": 500})).json()["items"]
    changes_before = (await client.get("/api/v1/changes", params={"limit": 500})).json()["items"]

    report = seed_again(db)
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 0
    assert report.kept["scanner"] == 1
    assert report.absent["vendor_restriction"] == 1

    app, again = await restart(tokens)
    async with app.router.lifespan_context(app), again:
        now = (await again.get(f"/api/v1/scanners/{scanner['id']}")).json()
        assert now == patched.json()
        assert_problem(await again.get(f"/api/v1/vendor-restrictions/{restriction['id']}"), 404)
        listed = (await again.get("/api/v1/vendor-restrictions", params={"limit": 500})).json()["items"]
        assert listed == restrictions_before
        changes = (await again.get("/api/v1/changes", params={"limit": 500})).json()["items"]
        assert changes == changes_before


async def test_a_renamed_seeded_site_is_not_recreated_and_keeps_its_scanners(db, client):
    site = await first(client, "sites", code="schiphol")
    response = await client.patch(
        f"/api/v1/sites/{site['id']}",
        json={"code": "ams"},
        headers={"If-Match": f'"site-{site["id"]}-v{site["version"]}"'},
    )
    assert response.status_code == 200, response.text
    report = seed_again(db)
    assert sum(report.created.values()) == 0, report.summary()
    sites = (await client.get("/api/v1/sites", params={"limit": 500})).json()["items"]
    assert "schiphol" not in [item["code"] for item in sites]


async def test_a_deleted_seeded_scanner_is_not_recreated_nor_its_links(db, client):
    scanner = await first(client, "scanners", sort="asset_tag")
    # Unlink it from what refers to it, then delete it.
    for collection, resource in (
        ("procurements", "procurement"),
        ("audits", "audit"),
        ("investigations", "investigation"),
    ):
        for owner in (await client.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"]:
            if scanner["id"] in owner["scanner_ids"]:
                response = await client.patch(
                    f"/api/v1/{collection}/{owner['id']}",
                    json={"scanner_ids": [i for i in owner["scanner_ids"] if i != scanner["id"]]},
                    headers={"If-Match": f'"{resource}-{owner["id"]}-v{owner["version"]}"'},
                )
                assert response.status_code == 200, response.text
    current = (await client.get(f"/api/v1/scanners/{scanner['id']}")).json()
    response = await client.delete(
        f"/api/v1/scanners/{scanner['id']}", headers={"If-Match": f'"scanner-{scanner["id"]}-v{current["version"]}"'}
    )
    assert response.status_code == 204, response.text
    procurements = (await client.get("/api/v1/procurements", params={"limit": 500})).json()
    audits = (await client.get("/api/v1/audits", params={"limit": 500})).json()
    operators = (await client.get("/api/v1/operators", params={"limit": 500})).json()
    investigations = (await client.get("/api/v1/investigations", params={"limit": 500})).json()
    assert all(scanner["id"] not in operator["scanner_ids"] for operator in operators["items"])

    report = seed_again(db)
    assert sum(report.created.values()) == 0, report.summary()
    assert_problem(await client.get(f"/api/v1/scanners/{scanner['id']}"), 404)
    tags = [item["asset_tag"] for item in (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]]
    assert scanner["asset_tag"] not in tags
    assert (await client.get("/api/v1/procurements", params={"limit": 500})).json() == procurements
    assert (await client.get("/api/v1/audits", params={"limit": 500})).json() == audits
    assert (await client.get("/api/v1/operators", params={"limit": 500})).json() == operators
    assert (await client.get("/api/v1/investigations", params={"limit": 500})).json() == investigations


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_real_inventory_serve_restart_keeps_edits_and_deletes(backend, tmp_path, tmp_path_factory, request):
    url = new_database(backend, tmp_path_factory, request)
    env = {
        "INVENTORY_DATABASE_URL": url,
        "INVENTORY_VAR_DIR": str(tmp_path / "var"),
        "INVENTORY_SECRET_KEY": "restart-test-secret",
    }
    port = free_port()
    serve = inventory("serve", "--port", str(port))
    with running(serve, env, port) as base:
        token = (tmp_path / "var" / "admin.token").read_text().strip()
        with httpx.Client(base_url=base, headers=bearer(token)) as http:
            scanner = http.get("/api/v1/scanners", params={"sort": "asset_tag"}).json()["items"][0]
            patched = http.patch(
                f"/api/v1/scanners/{scanner['id']}",
                json={"notes": "moved to the east gate"},
                headers={"If-Match": f'"scanner-{scanner["id"]}-v{scanner["version"]}"'},
            )
            assert patched.status_code == 200, patched.text
            restriction = http.get("/api/v1/vendor-restrictions").json()["items"][0]
            deleted = http.delete(
                f"/api/v1/vendor-restrictions/{restriction['id']}",
                headers={"If-Match": f'"vendor-restriction-{restriction["id"]}-v{restriction["version"]}"'},
            )
            assert deleted.status_code == 204, deleted.text
            remaining = http.get("/api/v1/vendor-restrictions").json()["items"]
    with running(serve, env, port) as base, httpx.Client(base_url=base, headers=bearer(token)) as http:
        assert http.get(f"/api/v1/scanners/{scanner['id']}").json() == patched.json()
        assert http.get(f"/api/v1/vendor-restrictions/{restriction['id']}").status_code == 404
        assert http.get("/api/v1/vendor-restrictions").json()["items"] == remaining
