"""Idempotency-Key on POST: replays, mismatches, concurrent duplicates, scoping, release and expiry."""

import asyncio
from datetime import timedelta

import orjson
import pytest
import sqlalchemy as sa

from app.core.db import get_engine, utcnow
from app.core.idempotency import IdempotencyRecord, fingerprint
from tests.conftest import bearer, mint_token
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

SITE = {"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"}


async def sites(client) -> list[dict]:
    return (await client.get("/api/v1/sites", params={"limit": 500})).json()["items"]


def records(db: str) -> list[dict]:
    with get_engine(db).connect() as connection:
        table = IdempotencyRecord.__table__
        return [dict(row._mapping) for row in connection.execute(sa.select(table).order_by(table.c.id))]


async def test_a_retry_replays_the_first_response_and_creates_nothing(client, db):
    before = await sites(client)
    headers = {"Idempotency-Key": '"3f1c2a9e-7f4b-4a51-9c59-0d1e2b3c4d5e"'}
    first = await client.post("/api/v1/sites", json=SITE, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # The same body with other key order and spacing is the same request.
    again = await client.post(
        "/api/v1/sites",
        content=b'{ "kind": "seaport",  "name": "Eemshaven", "code": "eemshaven" }',
        headers={**headers, "content-type": "application/json"},
    )
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    after = await sites(client)
    assert len(after) == len(before) + 1
    [record] = records(db)
    assert record["state"] == "completed"
    assert record["response_status"] == 201
    assert record["claim_token"] is None


async def test_a_bare_key_is_accepted_like_a_quoted_one(client):
    first = await client.post(
        "/api/v1/networks", json={"code": "n1", "name": "N", "kind": "other"}, headers={"Idempotency-Key": "abc-123"}
    )
    again = await client.post(
        "/api/v1/networks", json={"code": "n1", "name": "N", "kind": "other"}, headers={"Idempotency-Key": '"abc-123"'}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


async def test_the_same_key_with_another_body_or_path_is_a_422(client):
    headers = {"Idempotency-Key": "key-1"}
    assert (await client.post("/api/v1/sites", json=SITE, headers=headers)).status_code == 201
    before = await sites(client)
    problem = assert_problem(
        await client.post("/api/v1/sites", json={**SITE, "code": "delfzijl"}, headers=headers),
        422,
        "different",
        field="Idempotency-Key",
    )
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert_problem(
        await client.post("/api/v1/networks", json={"code": "n1", "name": "N", "kind": "other"}, headers=headers),
        422,
        field="Idempotency-Key",
    )
    assert await sites(client) == before
    assert (await client.get("/api/v1/networks", params={"code": "n1"})).json()["items"] == []


async def test_keys_are_scoped_to_the_api_key_that_sent_them(client, anonymous, db):
    other = bearer(mint_token(db, "editor", name="second editor"))
    key = {"Idempotency-Key": "shared-key"}
    mine = await client.post("/api/v1/sites", json=SITE, headers=key)
    theirs = await anonymous.post("/api/v1/sites", json={**SITE, "code": "delfzijl"}, headers={**key, **other})
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["code"] == "delfzijl"
    assert "idempotent-replayed" not in theirs.headers
    # Each API key has its own record: the second key's covers the delfzijl body, so this body is refused.
    assert_problem(
        await anonymous.post("/api/v1/sites", json=SITE, headers={**key, **other}), 422, field="Idempotency-Key"
    )


async def test_a_failed_request_releases_its_key_for_a_corrected_retry(client, db):
    headers = {"Idempotency-Key": "retry-me"}
    duplicate = {"code": "schiphol", "name": "Again", "kind": "airport"}
    assert_problem(await client.post("/api/v1/sites", json=duplicate, headers=headers), 409, "schiphol")
    assert records(db) == []
    invalid = {"code": "x", "name": "X", "kind": "harbour"}
    assert_problem(await client.post("/api/v1/sites", json=invalid, headers=headers), 422, field="kind")
    assert records(db) == []
    corrected = await client.post("/api/v1/sites", json=SITE, headers=headers)
    assert corrected.status_code == 201
    replay = await client.post("/api/v1/sites", json=SITE, headers=headers)
    assert replay.status_code == 201
    assert replay.json() == corrected.json()


@pytest.mark.parametrize("value", ['""', '"' + "k" * 256 + '"', '"caf\\u00e9"', '"un"escaped"'])
async def test_malformed_keys_are_a_422_and_store_nothing(client, db, value):
    before = await sites(client)
    problem = assert_problem(
        await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": value}), 422, field="Idempotency-Key"
    )
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert await sites(client) == before
    assert records(db) == []


def hold_key(db: str, api_key_id: int, key: str, body_fingerprint: str, *, locked_for: timedelta) -> None:
    """An in-progress claim as another replica processing the same request would hold it."""
    now = utcnow()
    with get_engine(db).begin() as connection:
        connection.execute(
            sa.insert(IdempotencyRecord.__table__).values(
                api_key_id=api_key_id,
                idempotency_key=key,
                request_method="POST",
                request_path="/api/v1/sites",
                fingerprint=body_fingerprint,
                state="in_progress",
                claim_token="a" * 32,
                locked_until=now + locked_for,
                expires_at=now + timedelta(hours=24),
                created_at=now,
                updated_at=now,
                version=1,
            )
        )


def editor_key_id(db: str) -> int:
    with get_engine(db).connect() as connection:
        return connection.execute(sa.text("SELECT id FROM api_key WHERE name = 'test editor'")).scalar_one()


async def test_a_duplicate_while_another_request_holds_the_key_is_a_409_and_free_once_it_ends(client, db):
    if db.startswith("sqlite"):
        pytest.skip("on SQLite a duplicate waits for the write lock instead; covered by the concurrent test")
    from app.core.idempotency import _lock_id

    before = await sites(client)
    # Another replica's request holds the key: its transaction holds the advisory lock.
    with get_engine(db).connect() as other, other.begin():
        assert other.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_lock_id(editor_key_id(db), "busy")))).scalar()
        response = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": "busy"})
        assert_problem(response, 409, "still being processed")
        assert response.headers["retry-after"] == "1"
        assert await sites(client) == before
    # Its transaction ended (committed, rolled back, or its connection died): the key is free at once.
    taken = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": "busy"})
    assert taken.status_code == 201, taken.text
    assert len(await sites(client)) == len(before) + 1


async def test_an_in_progress_record_left_by_a_dead_request_does_not_block_the_key(client, db):
    request_fingerprint = fingerprint("POST", "/api/v1/sites", "", orjson.dumps(SITE))
    hold_key(db, editor_key_id(db), "busy", request_fingerprint, locked_for=timedelta(seconds=60))
    before = await sites(client)
    taken = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": "busy"})
    assert taken.status_code == 201, taken.text
    assert len(await sites(client)) == len(before) + 1
    assert [(record["state"], record["claim_token"]) for record in records(db)] == [("completed", None)]


async def test_an_expired_key_can_be_used_again(client, db):
    first = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": "old"})
    assert first.status_code == 201
    with get_engine(db).begin() as connection:
        past = "2000-01-01T00:00:00.000000Z" if db.startswith("sqlite") else utcnow() - timedelta(days=1)
        connection.execute(sa.text("UPDATE idempotency_record SET expires_at = :past"), {"past": past})
    other = {**SITE, "code": "delfzijl"}
    second = await client.post("/api/v1/sites", json=other, headers={"Idempotency-Key": "old"})
    assert second.status_code == 201
    assert second.json()["code"] == "delfzijl"
    assert [record["fingerprint"] for record in records(db)] != []
    assert len(records(db)) == 1


async def test_concurrent_identical_posts_create_exactly_one_row(client, db):
    body = {"asset_tag": "CONC-1", "site_id": 1, "network_mode": "standalone", "use": "baggage"}
    headers = {"Idempotency-Key": "concurrent-create"}
    before = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    responses = await asyncio.gather(*(client.post("/api/v1/scanners", json=body, headers=headers) for _ in range(8)))
    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    created = [response for response in responses if response.status_code == 201]
    assert created
    assert all(response.json() == created[0].json() for response in created)
    assert sum("idempotent-replayed" not in response.headers for response in created) == 1
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409, "still being processed")
    after = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    assert len(after) == len(before) + 1
    assert [s["asset_tag"] for s in after].count("CONC-1") == 1
    assert len(records(db)) == 1


async def test_expired_records_are_purged_on_a_later_claim(client, db, monkeypatch):
    from app.core import idempotency

    assert (await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": "first"})).status_code == 201
    with get_engine(db).begin() as connection:
        past = "2000-01-01T00:00:00.000000Z" if db.startswith("sqlite") else utcnow() - timedelta(days=1)
        connection.execute(sa.text("UPDATE idempotency_record SET expires_at = :past"), {"past": past})
    monkeypatch.setattr(idempotency, "_last_purge", float("-inf"))
    body = {"code": "n1", "name": "N", "kind": "other"}
    assert (await client.post("/api/v1/networks", json=body, headers={"Idempotency-Key": "second"})).status_code == 201
    assert [record["idempotency_key"] for record in records(db)] == ["second"]
