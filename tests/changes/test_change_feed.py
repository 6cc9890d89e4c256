"""The change feed: records strictly after a position, in commit order, a position to resume from
(also when nothing is new), and long polling that answers as soon as a change is committed."""

import asyncio

import pytest

from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio


async def _head(client) -> int:
    """The feed's position at the head: past the newest record this key may read, and past the API keys'
    records (minted by the fixtures) it may not."""
    last = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["id"]
    position = (await client.get("/api/v1/changes", params={"after": last})).json()["position"]
    assert position >= last
    return position


async def _new_site(client, code: str) -> dict:
    response = await client.post("/api/v1/sites", json={"code": code, "name": f"Feed {code}", "kind": "other"})
    assert response.status_code == 201, response.text
    return response.json()


async def test_after_returns_strictly_later_records_in_order_and_a_position(client):
    head = await _head(client)
    empty = await client.get("/api/v1/changes", params={"after": head})
    assert empty.status_code == 200
    body = empty.json()
    assert body["items"] == []
    assert body["position"] == head
    assert body["next_cursor"] is None
    assert f"after={head}" in empty.headers["link"]
    assert 'rel="next"' in empty.headers["link"]

    made = [await _new_site(client, f"feed-{n}") for n in range(3)]
    page = (await client.get("/api/v1/changes", params={"after": head})).json()
    assert [item["object_id"] for item in page["items"]] == [site["id"] for site in made]
    assert [item["id"] for item in page["items"]] == [head + 1, head + 2, head + 3]
    assert page["position"] == head + 3

    # Paging through the feed with a small limit: each position continues exactly where the last page ended.
    seen, position = [], head
    while True:
        step = (await client.get("/api/v1/changes", params={"after": position, "limit": 2})).json()
        if not step["items"]:
            assert step["position"] == position
            break
        assert all(item["id"] > position for item in step["items"])
        seen += [item["id"] for item in step["items"]]
        position = step["position"]
    assert seen == [head + 1, head + 2, head + 3]


async def test_filters_apply_and_the_position_passes_records_they_leave_out(client):
    head = await _head(client)
    site = await _new_site(client, "feed-filter")
    etag = (await client.get(f"/api/v1/sites/{site['id']}")).headers["etag"]
    assert (
        await client.patch(f"/api/v1/sites/{site['id']}", json={"name": "Changed"}, headers={"If-Match": etag})
    ).status_code == 200
    updates = (await client.get("/api/v1/changes", params={"after": head, "action": "update"})).json()
    assert [item["action"] for item in updates["items"]] == ["update"]
    none = (await client.get("/api/v1/changes", params={"after": head, "object_type": "scanners"})).json()
    assert none["items"] == []
    assert none["position"] == head + 2


async def test_records_of_api_keys_stay_hidden_from_non_admins(client, admin):
    head = await _head(admin)
    created = await admin.post("/api/v1/api-keys", json={"name": "feed key", "owner": "key owner", "role": "reader"})
    assert created.status_code == 201
    assert [
        item["object_type"] for item in (await admin.get("/api/v1/changes", params={"after": head})).json()["items"]
    ] == ["api-keys"]
    seen = (await client.get("/api/v1/changes", params={"after": head})).json()
    assert seen["items"] == []
    assert seen["position"] == head + 1


async def test_wait_answers_when_a_change_lands(client):
    head = await _head(client)

    async def later():
        await asyncio.sleep(0.5)
        return await _new_site(client, "feed-wait")

    waiting = asyncio.create_task(client.get("/api/v1/changes", params={"after": head, "wait": 20}))
    site = await later()
    response = await asyncio.wait_for(waiting, timeout=25)
    assert response.status_code == 200
    body = response.json()
    assert [item["object_id"] for item in body["items"]] == [site["id"]]
    assert body["position"] == head + 1


async def test_wait_with_nothing_new_returns_the_same_position(client):
    head = await _head(client)
    body = (await client.get("/api/v1/changes", params={"after": head, "wait": 1})).json()
    assert body["items"] == []
    assert body["position"] == head


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"after": 0, "wait": 26}, "wait"),
        ({"wait": 5}, "wait"),
        ({"after": 0, "sort": "-id"}, "sort"),
    ],
)
async def test_bad_feed_parameters_are_problems_naming_the_field(client, params, field):
    response = await client.get("/api/v1/changes", params=params)
    assert_problem(response, 422)
    assert field in [error["field"] for error in response.json()["errors"]]
