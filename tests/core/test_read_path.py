"""The hot read path, on both backends: what an item GET costs in statements, what the route's auth check
still refuses, and (PostgreSQL) that a pooled read connection comes back as it went out."""

import asyncio

import pytest

from tests.conftest import bearer, http_client
from tests.core.test_query_counts import StatementCounter
from tests.helpers import assert_problem

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


async def test_the_route_check_still_refuses_what_it_refused(app, tokens):
    # The role check runs once, before the route's input is read; FastAPI does not resolve it again.
    async with http_client(app) as anonymous:
        assert_problem(await anonymous.get("/api/v1/scanners/1"), 401)
        assert_problem(await anonymous.get("/api/v1/scanners/not-a-number"), 401)
    async with http_client(app, bearer(tokens["reader"])) as reader:
        assert (await reader.get("/api/v1/scanners/1")).status_code == 200
        assert_problem(await reader.patch("/api/v1/scanners/1", json={"notes": "x"}, headers={"If-Match": "*"}), 403)
        assert_problem(await reader.get("/api/v1/scanners/not-a-number"), 422)


async def test_a_read_connection_goes_back_to_the_pool_without_what_a_heavy_read_set(app):
    reads = app.state.reads
    if reads.dialect != "postgresql":
        pytest.skip("SQLite reads use connections of their own, not a pool")
    hot = (await reads.fetch("SHOW statement_timeout"))[0][0]
    size = reads.pool_stats()[2]
    # Each of the pool's connections runs a heavy read (SET LOCAL inside its transaction), all at once.
    heavy = await asyncio.gather(*(reads.fetch_heavy("SHOW statement_timeout") for _ in range(size)))
    assert {rows[0][0] for rows in heavy} == {"1min"}
    after = await asyncio.gather(*(reads.fetch("SELECT current_setting('statement_timeout')") for _ in range(size)))
    assert {rows[0][0] for rows in after} == {hot}


async def test_a_read_waits_for_a_pooled_connection_only_so_long(app):
    reads = app.state.reads
    if reads.dialect != "postgresql":
        pytest.skip("SQLite reads use connections of their own, not a pool")
    pool = reads._pool
    held = [await pool.acquire() for _ in range(pool.get_max_size())]
    try:
        with pytest.raises(TimeoutError):
            await reads.fetch("SELECT 1")
    finally:
        for connection in held:
            await pool.release(connection)
    assert (await reads.fetch("SELECT 1 AS one"))[0]["one"] == 1
