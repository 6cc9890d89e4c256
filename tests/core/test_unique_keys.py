"""Unique human keys (codes, slugs, asset tags, audit titles): no invisible or reordering characters,
NFC-normalised, unique ignoring case, in the API and in the database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from tests.helpers import assert_problem

SEEDED_AUDIT = "External audit of the scan and detection systems and related IT"

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "right-to-left override": "\u202e",
    "left-to-right isolate": "\u2066",
    "byte-order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "private use": "\ue000",
    "unassigned": "\u0378",
    "line separator": "\u2028",
    "no-break space": "\u00a0",
    "variation selector": "\ufe0f",
    "Hangul filler": "\u3164",
}

KEYS = {
    # collection: (key field, a valid body without the key, a valid key)
    "sites": ("code", {"name": "Eemshaven", "kind": "seaport"}, "eemshaven"),
    "vendors": ("slug", {"name": "Acme", "country": "NL", "ownership": "private"}, "acme"),
    "networks": ("code", {"name": "North", "kind": "closed_fibre"}, "north-fibre"),
    "scanners": ("asset_tag", {"site_id": 1, "network_mode": "standalone", "use": "baggage"}, "EEM-BG-01"),
    "audits": ("title", {"covers_all_scanners": True}, "Follow-up audit"),
}


def with_character(value: str, character: str) -> str:
    return value[:3] + character + value[3:]


@pytest.mark.parametrize("collection", list(KEYS))
async def test_keys_with_invisible_or_bidirectional_characters_are_refused(client, collection):
    field, body, key = KEYS[collection]
    before = (await client.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"]
    for name, character in INVISIBLE.items():
        value = with_character(key, character)
        problem = assert_problem(await client.post(f"/api/v1/{collection}", json={**body, field: value}), 422)
        assert [error["field"] for error in problem["errors"]] == [field], (name, problem)
        # Also on a change of an existing record.
        item = before[0]
        url = f"/api/v1/{collection}/{item['id']}"
        etag = (await client.get(url)).headers["etag"]
        problem = assert_problem(await client.patch(url, json={field: value}, headers={"If-Match": etag}), 422)
        assert [error["field"] for error in problem["errors"]] == [field], (name, problem)
    assert (await client.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"] == before


async def test_the_refusal_names_the_character(client):
    problem = assert_problem(
        await client.post("/api/v1/audits", json={"title": "Audit \u202eTI", "covers_all_scanners": True}),
        422,
        field="title",
    )
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in problem["detail"]
    assert problem["errors"][0]["field"] == "title"


async def test_titles_are_stored_in_nfc_and_compared_in_it(client):
    decomposed = "Cafe\u0301 scanner review"
    created = await client.post("/api/v1/audits", json={"title": decomposed, "covers_all_scanners": True})
    assert created.status_code == 201, created.text
    assert created.json()["title"] == "Caf\u00e9 scanner review"
    assert_problem(
        await client.post("/api/v1/audits", json={"title": "Caf\u00e9 scanner review", "covers_all_scanners": True}),
        409,
        "already exists",
    )


@pytest.mark.parametrize(
    ("collection", "field", "variant", "existing"),
    [
        ("scanners", "asset_tag", "rtm-cs-01", "RTM-CS-01"),
        ("scanners", "asset_tag", "Rtm-Cs-02", "RTM-CS-02"),
        ("audits", "title", SEEDED_AUDIT.upper(), SEEDED_AUDIT),
        ("audits", "title", SEEDED_AUDIT.lower(), SEEDED_AUDIT),
    ],
)
async def test_case_variants_of_an_existing_key_are_a_conflict(client, collection, field, variant, existing):
    _, body, fresh = KEYS[collection]
    other = (await client.post(f"/api/v1/{collection}", json={**body, field: fresh})).json()
    before = (await client.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"]
    problem = assert_problem(await client.post(f"/api/v1/{collection}", json={**body, field: variant}), 409)
    assert f"'{existing}' already exists" in problem["detail"]
    # Renaming another record to the variant is refused too.
    url = f"/api/v1/{collection}/{other['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert_problem(await client.patch(url, json={field: variant}, headers={"If-Match": etag}), 409, existing)
    assert (await client.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"] == before


async def test_non_ascii_titles_are_compared_with_unicode_case_folding(client):
    created = await client.post("/api/v1/audits", json={"title": "Ärztliche Prüfung", "covers_all_scanners": True})
    assert created.status_code == 201
    for variant in ("ÄRZTLICHE PRÜFUNG", "ärztliche prüfung"):
        assert_problem(
            await client.post("/api/v1/audits", json={"title": variant, "covers_all_scanners": True}),
            409,
            "'Ärztliche Prüfung' already exists",
        )


async def test_a_record_may_change_the_case_of_its_own_key(client):
    scanner = (await client.get("/api/v1/scanners", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/scanners/{scanner['id']}"
    response = await client.patch(
        url,
        json={"asset_tag": scanner["asset_tag"].lower()},
        headers={"If-Match": (await client.get(url)).headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["asset_tag"] == scanner["asset_tag"].lower()


@pytest.mark.parametrize(
    ("table", "column", "existing"),
    [("site", "code", "maasvlakte"), ("vendor", "slug", "nuctech"), ("scanner", "asset_tag", "RTM-CS-01")],
)
def test_the_database_refuses_case_variants_itself(db, table, column, existing):
    variant = existing.swapcase()
    with get_engine(db).connect() as connection:
        row = dict(
            connection.execute(sa.text(f"SELECT * FROM {table} WHERE {column} = :v"), {"v": existing}).mappings().one()
        )
        row.pop("id")
        row[column] = variant
        names = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        with pytest.raises(sa.exc.IntegrityError) as refused:
            connection.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({values})"), row)
        assert f"uq_{table}_{column}_lower" in str(refused.value.orig)
        connection.rollback()


async def test_a_race_past_the_check_gets_the_same_conflict_from_the_database(client, monkeypatch):
    """Two requests can both pass the Python check; the database's index then decides, with the same 409."""
    import app.changes.resources as resources

    monkeypatch.setattr(resources, "same_key_ignoring_case", lambda *args, **kwargs: None)
    _, body, _ = KEYS["scanners"]
    problem = assert_problem(await client.post("/api/v1/scanners", json={**body, "asset_tag": "rtm-cs-03"}), 409)
    assert problem["detail"].startswith("A scanner with asset tag 'rtm-cs-03' already exists")
