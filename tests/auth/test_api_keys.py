"""The admin API over API keys: list, get, create (token shown once), change, revoke."""

from datetime import timedelta

import pytest

from app.core.db import format_timestamp, utcnow
from tests.conftest import bearer, mint_token
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

FIELDS = {
    "id",
    "name",
    "owner",
    "role",
    "token_prefix",
    "created_at",
    "updated_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "source",
    "version",
}


async def test_listing_shows_every_key_without_tokens(admin, tokens):
    response = await admin.get("/api/v1/api-keys")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["role"] for item in items] == ["reader", "editor", "approver", "admin"]
    assert [item["owner"] for item in items] == ["test reader", "test editor", "test approver", "test admin"]
    for item in items:
        assert set(item) == FIELDS
        assert item["token_prefix"].startswith("csi_")
        assert len(item["token_prefix"]) == 12
    for token in tokens.values():
        assert token not in response.text
        assert token[12:] not in response.text
    assert (await admin.get("/api/v1/api-keys", params={"role": "editor"})).json()["items"][0]["name"] == "test editor"


async def test_create_shows_the_token_once_and_it_works_for_its_role(admin, anonymous):
    expires = format_timestamp(utcnow() + timedelta(days=30))
    response = await admin.post(
        "/api/v1/api-keys",
        json={"name": "customs ICT monitor", "owner": "key owner", "role": "reader", "expires_at": expires},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    token = created.pop("token")
    assert token.startswith("csi_")
    assert len(token) >= 40
    assert set(created) == FIELDS
    assert created["expires_at"] == expires
    assert created["revoked_at"] is None
    assert response.headers["location"] == f"/api/v1/api-keys/{created['id']}"
    assert response.headers["etag"] == f'"api-key-{created["id"]}-v1"'
    fetched = await admin.get(response.headers["location"])
    assert fetched.json()["name"] == "customs ICT monitor"
    assert "token" not in fetched.json()
    assert (await anonymous.get("/api/v1/scanners", headers=bearer(token))).status_code == 200
    assert_problem(await anonymous.post("/api/v1/sites", json={}, headers=bearer(token)), 403, "editor")


async def test_an_idempotent_create_replays_without_the_token(admin):
    headers = {"Idempotency-Key": "mint-monitor"}
    first = await admin.post(
        "/api/v1/api-keys", json={"name": "monitor", "owner": "key owner", "role": "reader"}, headers=headers
    )
    again = await admin.post(
        "/api/v1/api-keys", json={"name": "monitor", "owner": "key owner", "role": "reader"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["token"].startswith("csi_")
    assert again.json()["token"] is None
    assert {**first.json(), "token": None} == again.json()
    assert again.headers["location"] == first.headers["location"]
    names = [item["name"] for item in (await admin.get("/api/v1/api-keys")).json()["items"]]
    assert names.count("monitor") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "owner": "key owner", "role": "reader", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"name": "x", "owner": "key owner", "role": "reader", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "owner": "key owner", "role": "reader", "expires_at": 1893456000}, "expires_at"),
        ({"name": "x", "owner": "key owner", "role": "root"}, "role"),
        ({"name": "x", "owner": "key owner", "role": "reader", "token_hash": "0" * 64}, "token_hash"),
        ({"name": "x", "owner": "key owner", "role": "reader", "revoked_at": None}, "revoked_at"),
        ({"name": "", "owner": "key owner", "role": "reader"}, "name"),
    ],
)
async def test_invalid_create_bodies_are_422_and_mint_nothing(admin, body, field):
    before = (await admin.get("/api/v1/api-keys")).json()
    problem = assert_problem(await admin.post("/api/v1/api-keys", json=body), 422)
    assert field in [error["field"] for error in problem["errors"]], problem
    assert (await admin.get("/api/v1/api-keys")).json() == before


async def test_patch_needs_if_match_and_changes_only_sent_fields(admin):
    key = (await admin.get("/api/v1/api-keys", params={"role": "reader"})).json()["items"][0]
    url = f"/api/v1/api-keys/{key['id']}"
    assert_problem(await admin.patch(url, json={"name": "renamed"}), 428, "If-Match")
    assert_problem(
        await admin.patch(url, json={"name": "renamed"}, headers={"If-Match": f'"api-key-{key["id"]}-v9"'}), 412
    )
    etag = (await admin.get(url)).headers["etag"]
    response = await admin.patch(url, json={"name": "renamed"}, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json() == {**key, "name": "renamed", "version": 2, "updated_at": response.json()["updated_at"]}
    naive = await admin.patch(
        url, json={"expires_at": "2030-01-01T00:00:00"}, headers={"If-Match": response.headers["etag"]}
    )
    assert_problem(naive, 422, field="expires_at")


async def test_a_role_change_takes_effect_at_once(admin, anonymous, db):
    token = mint_token(db, "reader", name="promoted")
    assert_problem(await anonymous.post("/api/v1/networks", json={}, headers=bearer(token)), 403)
    key = (await admin.get("/api/v1/api-keys", params={"sort": "-id", "limit": 1})).json()["items"][0]
    url = f"/api/v1/api-keys/{key['id']}"
    etag = (await admin.get(url)).headers["etag"]
    assert (await admin.patch(url, json={"role": "editor"}, headers={"If-Match": etag})).status_code == 200
    created = await anonymous.post(
        "/api/v1/networks", json={"code": "n1", "name": "N", "kind": "other"}, headers=bearer(token)
    )
    assert created.status_code == 201


async def test_revoking_keeps_the_record_and_the_token_stops_working_at_once(admin, anonymous, db):
    token = mint_token(db, "editor", name="leaver")
    assert (await anonymous.get("/api/v1/sites", headers=bearer(token))).status_code == 200  # now cached
    key = (await admin.get("/api/v1/api-keys", params={"sort": "-id", "limit": 1})).json()["items"][0]
    url = f"/api/v1/api-keys/{key['id']}"
    etag = (await admin.get(url)).headers["etag"]
    assert (await admin.delete(url, headers={"If-Match": etag})).status_code == 204
    assert_problem(await anonymous.get("/api/v1/sites", headers=bearer(token)), 401)
    revoked = (await admin.get(url)).json()
    assert revoked["revoked_at"] is not None
    assert revoked["version"] == 2
    assert_problem(await admin.delete(url, headers={"If-Match": etag}), 412)
    fresh = (await admin.get(url)).headers["etag"]
    assert_problem(await admin.delete(url, headers={"If-Match": fresh}), 409, "revoked")
    assert_problem(await admin.patch(url, json={"name": "x"}, headers={"If-Match": fresh}), 409, "revoked")
    assert [
        item["id"] for item in (await admin.get("/api/v1/api-keys", params={"revoked": "true"})).json()["items"]
    ] == [key["id"]]


async def test_the_last_active_admin_key_cannot_be_revoked_or_demoted(admin, db):
    mint_token(db, "admin", name="expired admin", expires_at=utcnow() - timedelta(days=1))
    mine = (await admin.get("/api/v1/api-keys", params={"role": "admin", "sort": "id"})).json()["items"][0]
    url = f"/api/v1/api-keys/{mine['id']}"
    etag = (await admin.get(url)).headers["etag"]
    assert_problem(await admin.delete(url, headers={"If-Match": etag}), 409, "last active admin")
    assert_problem(
        await admin.patch(url, json={"role": "editor"}, headers={"If-Match": etag}), 409, "last active admin"
    )
    assert (await admin.get(url)).json() == mine
    second = await admin.post("/api/v1/api-keys", json={"name": "second admin", "owner": "key owner", "role": "admin"})
    assert second.status_code == 201
    assert (await admin.delete(url, headers={"If-Match": etag})).status_code == 204
    # The revoking key was this one: from now on it is refused.
    assert_problem(await admin.get("/api/v1/api-keys"), 401)


async def test_unknown_key_is_a_404(admin):
    assert_problem(await admin.get("/api/v1/api-keys/9999"), 404, "9999")
    assert_problem(await admin.delete("/api/v1/api-keys/9999", headers={"If-Match": '"api-key-9999-v1"'}), 404)
