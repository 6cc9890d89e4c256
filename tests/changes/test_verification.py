"""Verification from signed checkpoints: the routine check costs what is new, the full walk (admin,
streamed as JSON Lines) still finds what was altered below a checkpoint, and a forged or edited
checkpoint fails its signature."""

import httpx
import orjson
import pytest
import sqlalchemy as sa

from app.core.choices import Role
from app.core.db import get_engine
from tests.conftest import bearer
from tests.helpers import SEEDED_CHANGES, assert_problem, etag, find

pytestmark = pytest.mark.asyncio

# The seed's records, then one creation record for each test key (records of API keys are
# admin-only, so these tests check the chain with an admin key: it counts every record).
PRIOR = SEEDED_CHANGES + len(Role)


@pytest.fixture
async def client(app, tokens):
    """An admin client: it sees (and its counts include) every record of the chain."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=bearer(tokens["admin"])
    ) as http:
        yield http


async def verify(client) -> dict:
    response = await client.get("/api/v1/changes/verify")
    assert response.status_code == 200, response.text
    return response.json()


async def full_walk(anonymous, tokens) -> list[dict]:
    response = await anonymous.get("/api/v1/changes/verify/full", headers=bearer(tokens["admin"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-ndjson"
    return [orjson.loads(line) for line in response.text.splitlines()]


async def edit_locality(client, value: str) -> None:
    site = await find(client, "sites", code="schiphol")
    url = f"/api/v1/sites/{site['id']}"
    response = await client.patch(url, json={"locality": value}, headers={"If-Match": await etag(client, url)})
    assert response.status_code == 200, response.text


def sql(db: str, statement: str, **params) -> None:
    with get_engine(db).begin() as connection:
        connection.execute(sa.text(statement), params)


async def test_the_routine_check_walks_only_what_is_new_since_its_checkpoint(client):
    first = await verify(client)
    assert first["valid"] is True
    assert first["mode"] == "incremental"
    assert first["checkpoint"] is None
    assert first["checked"] == PRIOR
    assert first["head"]["id"] == PRIOR
    again = await verify(client)
    # Only the checkpoint's own record is hashed again.
    assert again["checked"] == 1
    assert again["checkpoint"]["id"] == PRIOR
    assert again["checkpoint"]["hash"] == first["head"]["hash"]
    await edit_locality(client, "Haarlemmermeer")
    await edit_locality(client, "Schiphol-Oost")
    third = await verify(client)
    assert third["valid"] is True
    assert third["checked"] == 3
    assert third["head"]["id"] == PRIOR + 2
    assert (await verify(client))["checkpoint"]["id"] == PRIOR + 2


async def test_a_record_altered_above_the_checkpoint_is_found_by_the_routine_check(client, db):
    await verify(client)
    await edit_locality(client, "Haarlemmermeer")
    sql(db, "UPDATE change_record SET reason = 'rewritten' WHERE id = :id", id=PRIOR + 1)
    report = await verify(client)
    assert report["valid"] is False
    assert report["first_broken"]["id"] == PRIOR + 1
    assert report["first_broken"]["problem"] == "content_hash_mismatch"
    # A broken walk stores no checkpoint: the next check starts from the old one again.
    assert (await verify(client))["checkpoint"]["id"] == PRIOR


async def test_a_record_altered_below_the_checkpoint_is_found_by_the_full_walk(client, anonymous, tokens, db):
    await verify(client)
    sql(db, "UPDATE change_record SET reason = 'rewritten' WHERE id = 5")
    routine = await verify(client)
    assert routine["valid"] is True
    assert routine["checked"] == 1
    lines = await full_walk(anonymous, tokens)
    result = lines[-1]["result"]
    assert result["mode"] == "full"
    assert result["valid"] is False
    assert result["checked"] == PRIOR
    assert result["first_broken"]["id"] == 5
    assert result["first_broken"]["problem"] == "content_hash_mismatch"
    # Re-hashing the altered record to match is caught by the next record's link.
    from app.changes.recording import record_content, record_hash

    with get_engine(db).begin() as connection:
        row = connection.execute(sa.text("SELECT * FROM change_record WHERE id = 5")).mappings().one()
        recorded_at = row["recorded_at"]
        recorded_at = recorded_at if isinstance(recorded_at, str) else recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        fields = {k: row[k] for k in row.keys() if k not in ("hash", "recorded_at")}
        connection.execute(
            sa.text("UPDATE change_record SET hash = :hash WHERE id = 5"),
            {"hash": record_hash(record_content(recorded_at=recorded_at, **fields))},
        )
    result = (await full_walk(anonymous, tokens))[-1]["result"]
    assert result["first_broken"]["id"] == 6
    assert result["first_broken"]["problem"] == "broken_link"


async def test_a_tampered_or_forged_checkpoint_fails_its_signature(client, db):
    await verify(client)
    await edit_locality(client, "Haarlemmermeer")
    # Moving the checkpoint forward past unchecked records, without the secret.
    sql(
        db,
        "UPDATE chain_checkpoint SET record_id = :id, hash = (SELECT hash FROM change_record WHERE id = :id)",
        id=PRIOR + 1,
    )
    report = await verify(client)
    assert report["valid"] is False
    assert report["checked"] == 0
    assert report["first_broken"] == {**report["first_broken"], "id": PRIOR + 1}
    assert report["first_broken"]["problem"] == "checkpoint_signature_invalid"
    sql(db, "DELETE FROM chain_checkpoint")
    assert (await verify(client))["valid"] is True
    # A forged checkpoint further on, with a made-up signature.
    await edit_locality(client, "Schiphol-Oost")
    sql(
        db,
        "INSERT INTO chain_checkpoint (record_id, hash, signature, created_at)"
        " SELECT id, hash, :signature, recorded_at FROM change_record WHERE id = :id",
        id=PRIOR + 2,
        signature="0" * 64,
    )
    report = await verify(client)
    assert report["first_broken"]["problem"] == "checkpoint_signature_invalid"
    assert report["checkpoint"]["id"] == PRIOR + 2


async def test_a_checkpointed_record_removed_or_rehashed_is_named(client, db):
    await edit_locality(client, "Haarlemmermeer")
    head = (await verify(client))["head"]["id"]
    sql(db, "DELETE FROM change_record WHERE id = :id", id=head)
    report = await verify(client)
    assert report["valid"] is False
    assert report["first_broken"]["id"] == head
    assert report["first_broken"]["problem"] == "checkpoint_mismatch"
    assert "is missing" in report["first_broken"]["detail"]


async def test_the_full_walk_streams_progress_and_is_for_admins(anonymous, tokens, monkeypatch):
    from app.changes import verification

    monkeypatch.setattr(verification, "BATCH", 5)
    monkeypatch.setattr(verification, "PROGRESS_EVERY", 10)
    lines = await full_walk(anonymous, tokens)
    progress = [line["progress"] for line in lines[:-1]]
    records = await anonymous.get("/api/v1/changes", params={"limit": 500}, headers=bearer(tokens["admin"]))
    total = len(records.json()["items"])
    assert [p["checked"] for p in progress] == list(range(10, total + 1, 10))
    assert lines[-1]["result"]["valid"] is True
    assert lines[-1]["result"]["checked"] == total
    for role in ("reader", "editor"):
        assert_problem(await anonymous.get("/api/v1/changes/verify/full", headers=bearer(tokens[role])), 403)
    assert_problem(await anonymous.get("/api/v1/changes/verify/full"), 401)
