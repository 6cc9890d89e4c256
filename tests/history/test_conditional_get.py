"""A conditional GET whose ETag is current costs less than the GET it replaces: the 304 is answered from the
object's version alone, one small statement, without reading the item (its joins, derived audit status,
embedded lists and pending change requests)."""

from typing import Any

import pytest

from tests.factories import add_what_the_seed_lacks

pytestmark = pytest.mark.asyncio

ITEM_COLLECTIONS = [
    ("scanners", "scanner"),
    ("sites", "site"),
    ("vendors", "vendor"),
    ("networks", "network"),
    ("vendor-restrictions", "vendor_restriction"),
    ("procurements", "procurement"),
    ("audits", "audit"),
    ("findings", "finding"),
    ("vendor-assessments", "vendor_assessment"),
    ("supplier-access-facts", "supplier_access_fact"),
    ("access-overrides", "access_override"),
    ("mitigation-measures", "mitigation_measure"),
    ("operators", "operator"),
    ("investigations", "investigation"),
]


class Statements:
    """The SQL sent through the app's read path."""

    def __init__(self, reads: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sql: list[str] = []
        for name in ("fetch", "fetch_heavy", "stream", "execute"):
            monkeypatch.setattr(reads, name, self._recording(getattr(reads, name)))

    def _recording(self, method: Any) -> Any:
        def recorded(sql: str, *args: Any, **kwargs: Any) -> Any:
            self.sql.append(sql)
            return method(sql, *args, **kwargs)

        return recorded


@pytest.mark.parametrize(("collection", "table"), ITEM_COLLECTIONS)
async def test_a_304_reads_only_the_version(app, admin, monkeypatch, collection, table):
    await add_what_the_seed_lacks(admin, monkeypatch, each=1)
    item = (await admin.get(f"/api/v1/{collection}", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/{collection}/{item['id']}"
    full = await admin.get(url)
    assert full.status_code == 200
    statements = Statements(app.state.reads, monkeypatch)
    response = await admin.get(url, headers={"If-None-Match": full.headers["ETag"]})
    assert response.status_code == 304
    assert response.headers["ETag"] == full.headers["ETag"]
    assert statements.sql == [f"SELECT version FROM {table} WHERE id = :id"]


async def test_a_stale_etag_gets_the_item(admin):
    item = (await admin.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/sites/{item['id']}"
    etag = (await admin.get(url)).headers["ETag"]
    changed = await admin.patch(url, json={"notes": "moved"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    response = await admin.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["notes"] == "moved"
    assert response.headers["ETag"] == changed.headers["ETag"]


async def test_a_missing_item_is_a_404_whatever_the_etag(admin):
    response = await admin.get("/api/v1/sites/999999", headers={"If-None-Match": '"site-999999-v1"'})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_past_state_is_compared_with_its_own_version(admin):
    item = (await admin.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/sites/{item['id']}"
    before = await admin.get(url)
    instant = before.json()["updated_at"]
    changed = await admin.patch(url, json={"notes": "later"}, headers={"If-Match": before.headers["ETag"]})
    assert changed.status_code == 200
    past = await admin.get(url, params={"as_of": instant}, headers={"If-None-Match": before.headers["ETag"]})
    assert past.status_code == 304
    current = await admin.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert current.status_code == 200
