"""Reports at scale: exposure and overdue views paged with signed cursors bound to their parameters,
whole exports streamed as CSV and JSON Lines with the same rows, and heavy reports off the event loop."""

import asyncio
import contextlib
import csv
import io
import sqlite3
import threading
from collections.abc import AsyncIterator

import orjson
import pytest
import sqlalchemy as sa

from app.changes.recording import rebuild_maintained
from app.core.db import get_engine
from app.core.reads import SQLiteReads
from app.reports.service import EXPOSURE_COLUMNS, FINDING_COLUMNS, RANKS
from tests.helpers import as_csv_cells, assert_problem, seeded_audit

pytestmark = pytest.mark.asyncio

EXPOSURE = "/api/v1/reports/exposure"
TIERS = ["high", "elevated", "moderate", "low"]


async def all_pages(client, url: str, **params) -> list[dict]:
    items, cursor, pages = [], None, 0
    while True:
        response = await client.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= params["limit"]
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            assert "link" not in response.headers
            return items
        assert response.headers["link"].endswith('rel="next"')


async def export(client, url: str, media: str, **params) -> list[dict]:
    response = await client.get(url, params=params, headers={"Accept": media})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media)
    if media == "text/csv":
        return list(csv.DictReader(io.StringIO(response.text)))
    return [orjson.loads(line) for line in response.text.splitlines()]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "asset_tag"},
        {"vendor": "nuctech"},
        {"risk_tier": "elevated"},
        {"site": "maasvlakte", "sort": "risk"},
    ],
)
async def test_paging_through_the_exposure_report_gives_the_export(client, params):
    paged = await all_pages(client, EXPOSURE, limit=3, **params)
    whole = (await client.get(EXPOSURE, params={**params, "limit": 500})).json()["items"]
    assert paged == whole
    assert whole
    assert await export(client, EXPOSURE, "application/x-ndjson", **params) == whole
    rows = await export(client, EXPOSURE, "text/csv", **params)
    assert rows == [as_csv_cells(item) for item in whole]
    assert list(rows[0]) == EXPOSURE_COLUMNS
    if params.get("sort") != "asset_tag":
        ranks = [TIERS.index(row["risk_tier"]) for row in whole]
        assert ranks == sorted(ranks)
    if "risk_tier" in params:
        assert {row["risk_tier"] for row in whole} == {params["risk_tier"]}


async def test_the_risk_tier_filter_agrees_with_each_rows_tier(client):
    everything = (await client.get(EXPOSURE, params={"limit": 500})).json()["items"]
    for tier in TIERS:
        rows = (await client.get(EXPOSURE, params={"risk_tier": tier, "limit": 500})).json()["items"]
        assert rows == [row for row in everything if row["risk_tier"] == tier]


async def test_an_export_continues_after_a_cursor(client):
    first = (await client.get(EXPOSURE, params={"limit": 5})).json()
    rest = await export(client, EXPOSURE, "application/x-ndjson", cursor=first["next_cursor"])
    assert first["items"] + rest == (await client.get(EXPOSURE, params={"limit": 500})).json()["items"]


async def test_report_cursors_are_bound_to_the_report_and_its_parameters(client):
    cursor = (await client.get(EXPOSURE, params={"vendor": "nuctech", "limit": 2})).json()["next_cursor"]
    assert (await client.get(EXPOSURE, params={"vendor": "nuctech", "limit": 2, "cursor": cursor})).status_code == 200
    for other in (
        {"vendor": "1"},
        {"vendor": "nuctech", "sort": "asset_tag"},
        {"vendor": "nuctech", "site": "schiphol"},
    ):
        assert_problem(await client.get(EXPOSURE, params={**other, "cursor": cursor}), 400, "cursor")
    assert_problem(await client.get(EXPOSURE, params={"cursor": cursor}, headers={"Accept": "text/csv"}), 400)
    scanners = (await client.get("/api/v1/scanners", params={"limit": 2})).json()["next_cursor"]
    assert_problem(await client.get(EXPOSURE, params={"cursor": scanners}), 400, "cursor")
    assert_problem(await client.get(EXPOSURE, params={"cursor": cursor[:-2] + "xx", "vendor": "nuctech"}), 400)
    assert_problem(await client.get(EXPOSURE, params={"limit": 0}), 422, field="limit")
    assert_problem(await client.get(EXPOSURE, params={"limit": 501}), 422, field="limit")
    assert_problem(await client.get(EXPOSURE, headers={"Accept": "application/xml"}), 406, "x-ndjson")


async def test_overdue_views_page_with_bound_cursors_and_export_the_same_rows(client):
    audit = await seeded_audit(client)
    for n, due in enumerate(["2021-10-01", "2021-11-01", "2021-11-01", "2021-12-01"]):
        body = {"audit_id": audit["id"], "severity": "high", "title": f"F{n}", "due_on": due}
        assert (await client.post("/api/v1/findings", json=body)).status_code == 201
    url = "/api/v1/reports/overdue/findings"
    paged = await all_pages(client, url, limit=1, on="2022-01-01")
    assert [row["title"] for row in paged] == ["F0", "F1", "F2", "F3"]
    assert await export(client, url, "application/x-ndjson", on="2022-01-01") == paged
    rows = await export(client, url, "text/csv", on="2022-01-01")
    assert rows == [as_csv_cells(item) for item in paged]
    assert list(rows[0]) == FINDING_COLUMNS
    cursor = (await client.get(url, params={"on": "2022-01-01", "limit": 2})).json()["next_cursor"]
    assert_problem(await client.get(url, params={"on": "2022-02-01", "cursor": cursor}), 400, "cursor")
    audits = await all_pages(client, "/api/v1/reports/overdue/audits", limit=1, on="2030-01-01")
    assert audits == (await client.get("/api/v1/reports/overdue/audits", params={"on": "2030-01-01"})).json()["items"]


def add_scanners(db: str, count: int) -> None:
    """``count`` more scanners, inserted in one statement (the API would take minutes), and their audit status."""
    engine = get_engine(db)
    at = "CAST(:at AS timestamptz)" if engine.dialect.name == "postgresql" else ":at"
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO scanner (asset_tag, site_id, vendor_id, network_id, use, status, network_mode,"
                " count_basis, created_at, updated_at, version)"
                " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
                " SELECT 'BULK-' || CAST(i AS VARCHAR(12)), (SELECT MIN(id) FROM site), (SELECT MIN(id) FROM vendor),"
                f" NULL, 'baggage', 'active', 'standalone', 'unit', {at}, {at}, 1 FROM n"
            ),
            {"count": count, "at": "2021-04-19T00:00:00.000000Z"},
        )
        rebuild_maintained(connection)  # written around the application: its derived values too


@contextlib.asynccontextmanager
async def exposure_query_held(app, db: str, monkeypatch) -> AsyncIterator[tuple[threading.Event, threading.Event]]:
    """Holds the exposure report's query inside the database until ``release`` is set; ``entered`` is set
    once it is there. SQLite: a trace callback on every connection of a fresh read backend waits in the
    thread that runs the statement. PostgreSQL: another connection holds a lock on the ranks table."""
    entered, release = threading.Event(), threading.Event()
    if db.startswith("sqlite"):
        connect = sqlite3.connect

        def held(sql: str) -> None:
            if "risk_tier_sql" in sql:
                entered.set()
                release.wait(timeout=120)

        def gated(*args, **kwargs):
            connection = connect(*args, **kwargs)
            connection.set_trace_callback(held)
            return connection

        monkeypatch.setattr(sqlite3, "connect", gated)
        started_with, app.state.reads = app.state.reads, SQLiteReads(db)
        try:
            yield entered, release
        finally:
            release.set()
            await app.state.reads.close()
            app.state.reads = started_with
        return
    with get_engine(db).connect() as connection:
        lock = connection.begin()
        connection.execute(sa.text(f"LOCK TABLE {RANKS} IN ACCESS EXCLUSIVE MODE"))
        waiting = sa.text(f"SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = '{RANKS}'::regclass")

        async def hold() -> None:
            while not connection.execute(waiting).scalar_one():
                await asyncio.sleep(0.01)
            entered.set()
            await asyncio.to_thread(release.wait, 120)
            lock.rollback()  # the report's query takes the table

        holder = asyncio.create_task(hold())
        try:
            yield entered, release
        finally:
            release.set()
            await holder


@pytest.mark.parametrize("media", ["text/csv", "application/json"])
async def test_liveness_answers_while_a_heavy_report_runs(app, client, db, media, monkeypatch):
    add_scanners(db, 20_000)
    finished: list[str] = []

    async def heavy() -> None:
        # The risk order ranks every scanner before the first row can be sent.
        response = await client.get(EXPOSURE, params={"limit": 500}, headers={"Accept": media})
        assert response.status_code == 200
        finished.append("report")

    async with exposure_query_held(app, db, monkeypatch) as (entered, release):
        task = asyncio.create_task(heavy())
        assert await asyncio.to_thread(entered.wait, 120), "the report's query never reached the database"
        live = await client.get("/health/live")  # while the report's query is running in the database
        finished.append("live")
        assert live.status_code == 200
        release.set()
        await task
    assert finished == ["live", "report"]


async def test_postgresql_sessions_never_jit_compile(app, db):
    """JIT compiling the exposure report's CASE expressions took ~5 s on a 13-row table (the query itself
    ~5 ms), which cut CSV exports off mid-stream: both connection paths switch it off."""
    if not db.startswith("postgresql"):
        pytest.skip("JIT is a PostgreSQL setting")
    [read_setting] = await app.state.reads.fetch("SHOW jit")
    with get_engine(db).connect() as connection:
        write_setting = connection.execute(sa.text("SHOW jit")).scalar_one()
    assert (read_setting["jit"], write_setting) == ("off", "off")
