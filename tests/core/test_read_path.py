"""The hot read path, on both backends: what an item GET costs in statements."""

import pytest

from tests.core.test_query_counts import StatementCounter

pytestmark = pytest.mark.asyncio


async def test_an_item_and_its_pending_change_requests_are_read_in_one_statement(app, client, monkeypatch):
    url = "/api/v1/scanners/1"
    first = await client.get(url)
    assert first.status_code == 200
    # The key stays cached, so only the item's own read is counted.
    monkeypatch.setattr("app.auth.service.CACHE_SECONDS", 3600.0)
    counter = StatementCounter(app.state.reads, monkeypatch)
    again = await client.get(url)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    assert counter.count == 1
