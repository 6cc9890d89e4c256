"""The benchmark's dataset generator at a tiny scale (a smoke test: the benchmark itself is not run in
CI), and point-in-time reads kept off the event loop."""

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from bench.dataset import Scale, generate
from tests.helpers import SEEDED_CHANGES, Watched

pytestmark = pytest.mark.asyncio

SCALE = Scale(scanners=300, sites=6, vendors=3, changes=3_000)


async def test_the_generated_dataset_verifies_and_is_served(client, db):
    with get_engine(db).connect() as connection:  # the seed's records and the test keys' (admin-only) ones
        existing = connection.execute(sa.text("SELECT max(id) FROM change_record")).scalar_one()
    data = generate(db, SCALE, log=lambda message: None)
    report = (await client.get("/api/v1/changes/verify")).json()
    # An editor's check counts the records it may read: the seed's and the generated ones.
    assert report["valid"] is True
    assert report["checked"] == SEEDED_CHANGES + SCALE.changes
    assert data.first_record_id == existing + 1
    assert data.last_record_id == existing + SCALE.changes
    listed = (await client.get("/api/v1/scanners", params={"site": "bench-site-0001", "limit": 500})).json()
    assert len(listed["items"]) == SCALE.scanners // SCALE.sites
    assert {item["site"]["code"] for item in listed["items"]} == {"bench-site-0001"}
    item_id = data.first_scanner_id + 7
    response = await client.get(f"/api/v1/scanners/{item_id}")
    assert response.headers["etag"] == f'"scanner-{item_id}-v{data.scanner_versions[item_id]}"'
    # The last recorded state is the row as served.
    history = (await client.get(f"/api/v1/scanners/{item_id}/history", params={"sort": "-id", "limit": 1})).json()
    assert {key: response.json()[key] for key in history["items"][0]["after"]} == history["items"][0]["after"]
    # Another scanner's (POST) is served next to them.
    body = {"asset_tag": "AFTER-BENCH", "site_id": data.first_site_id, "use": "baggage", "network_mode": "standalone"}
    assert (await client.post("/api/v1/scanners", json=body)).status_code == 201


@pytest.mark.parametrize(
    "url", ["/api/v1/scanners?as_of={at}", "/api/v1/scanners/1?as_of={at}", "/api/v1/sites?as_of={at}&limit=5"]
)
async def test_point_in_time_reads_run_off_the_event_loop(app, client, url):
    at = "2021-04-19T12:00:00Z"
    app.state.reads = watched = Watched(app.state.reads)
    assert (await client.get(url.format(at=at))).status_code == 200
    queries = [name for name, sql in watched.calls if "api_key" not in sql]  # authentication is a lookup
    assert queries
    assert set(queries) == {"fetch_heavy"}, watched.calls
