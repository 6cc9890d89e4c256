"""Concurrent writes: the conditional UPDATE and the database constraints decide, never a 500.

The write endpoints are synchronous, so FastAPI runs them in its thread pool: requests sent
together with asyncio.gather really do overlap, on SQLite and on PostgreSQL.
"""

import asyncio
from collections import Counter

import httpx
import pytest

from tests.conftest import bearer, mint_token
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

N = 8


async def test_concurrent_patches_with_one_etag_give_one_200_and_412s(client):
    scanner = (await client.get("/api/v1/scanners", params={"site": "maasvlakte", "limit": 1})).json()["items"][0]
    url = f"/api/v1/scanners/{scanner['id']}"
    etag = (await client.get(url)).headers["etag"]
    responses = await asyncio.gather(
        *(client.patch(url, json={"notes": f"writer {i}"}, headers={"If-Match": etag}) for i in range(N))
    )
    assert Counter(response.status_code for response in responses) == {200: 1, 412: N - 1}
    for response in responses:
        if response.status_code == 412:
            assert_problem(response, 412)
    winner = next(response for response in responses if response.status_code == 200).json()
    stored = (await client.get(url)).json()
    assert stored == winner
    assert stored["version"] == 2


async def test_concurrent_deletes_with_one_etag_delete_once(client):
    created = (await client.post("/api/v1/networks", json={"code": "gone", "name": "Gone", "kind": "other"})).json()
    url = f"/api/v1/networks/{created['id']}"
    etag = (await client.get(url)).headers["etag"]
    responses = await asyncio.gather(*(client.delete(url, headers={"If-Match": etag}) for _ in range(N)))
    statuses = Counter(response.status_code for response in responses)
    assert statuses[204] == 1
    assert set(statuses) <= {204, 404, 412}, statuses
    assert_problem(await client.get(url), 404)


async def test_concurrent_creates_of_one_asset_tag_give_one_201_and_409s(client):
    site = (await client.get("/api/v1/sites", params={"code": "schiphol"})).json()["items"][0]
    body = {"asset_tag": "RACE-1", "site_id": site["id"], "network_mode": "standalone", "use": "baggage"}
    responses = await asyncio.gather(*(client.post("/api/v1/scanners", json=body) for _ in range(N)))
    assert Counter(response.status_code for response in responses) == {201: 1, 409: N - 1}
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "RACE-1")
    tags = [s["asset_tag"] for s in (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]]
    assert tags.count("RACE-1") == 1


async def test_concurrent_creates_of_one_site_code_give_one_201_and_409s(client):
    body = {"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"}
    responses = await asyncio.gather(*(client.post("/api/v1/sites", json=body) for _ in range(N)))
    assert Counter(response.status_code for response in responses) == {201: 1, 409: N - 1}


async def test_two_admins_revoked_at_once_leave_one(app, tokens, db):
    second_token = mint_token(db, "admin", name="second admin")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=bearer(tokens["admin"])
    ) as admin:
        keys = (await admin.get("/api/v1/api-keys", params={"role": "admin"})).json()["items"]
        assert len(keys) == 2
        etags = {key["id"]: (await admin.get(f"/api/v1/api-keys/{key['id']}")).headers["etag"] for key in keys}
        responses = await asyncio.gather(
            *(admin.delete(f"/api/v1/api-keys/{key_id}", headers={"If-Match": etag}) for key_id, etag in etags.items())
        )
    assert sorted(response.status_code for response in responses) == [204, 409]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        working = [
            (await http.get("/api/v1/api-keys", headers=bearer(token))).status_code
            for token in (tokens["admin"], second_token)
        ]
    assert sorted(working) == [200, 401]


async def test_a_write_in_progress_leaves_the_chain_free_and_its_records_link_at_commit(app, admin, db):
    """On PostgreSQL the change-log lock is taken only when the records are sealed, at commit: a
    transaction that has written but not committed does not hold it, so other writers are not queued
    behind its whole request. The records it made then link to the head like any others."""
    if not db.startswith("postgresql"):
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE instead")
    import sqlalchemy as sa
    from sqlmodel import Session

    from app.changes.recording import CHAIN_LOCK
    from app.changes.writes import insert_row
    from app.core.db import get_engine
    from app.networks.models import Network

    engine = get_engine(db)
    head = (await admin.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["id"]
    with Session(engine) as writer:
        insert_row(writer, Network(code="lock-probe", name="Lock probe", kind="other"))
        with engine.connect() as other:
            free = other.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK}).scalar_one()
            other.rollback()
        assert free, "a write that has not committed holds the change-log lock"
        writer.commit()
    records = (await admin.get("/api/v1/changes", params={"object_type": "networks", "sort": "-id", "limit": 1})).json()
    assert records["items"][0]["id"] == head + 1
    assert records["items"][0]["action"] == "create"
    verified = await admin.get("/api/v1/changes/verify")
    assert verified.status_code == 200
    assert verified.json()["valid"] is True, verified.text
