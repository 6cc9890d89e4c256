"""The ceiling: a bare FastAPI app on the raw driver serving the same scanner rows, with their site,
vendor and network briefs, as the API's scanner GET and site-filtered list.

What it leaves out is what the API adds: authentication, strict query parsing, ETags, the request
context, problem responses, and the API's derived audit status (a ceiling is what the machine
allows for the job, not for the API's own query). Served by uvicorn like the API:

    INVENTORY_DATABASE_URL=... uvicorn bench.ceiling:app --port 18141
"""

from __future__ import annotations

import os
import re
import sqlite3

import orjson
from fastapi import FastAPI
from starlette.responses import Response

URL = os.environ["INVENTORY_DATABASE_URL"]
COLUMNS = (
    "SELECT scanner.id, scanner.asset_tag, scanner.site_id, scanner.vendor_id, scanner.network_id,"
    " scanner.network_mode, scanner.status, scanner.use, scanner.model, scanner.count_basis, scanner.notes,"
    " scanner.source, scanner.created_at, scanner.updated_at, scanner.version,"
    " site.code AS site_code, site.name AS site_name, site.kind AS site_kind,"
    " vendor.slug AS vendor_slug, vendor.name AS vendor_name,"
    " network.code AS network_code, network.name AS network_name"
    " FROM scanner JOIN site ON site.id = scanner.site_id"
    " LEFT JOIN vendor ON vendor.id = scanner.vendor_id LEFT JOIN network ON network.id = scanner.network_id"
)
ONE = COLUMNS + " WHERE scanner.id = {0}"
PAGE = COLUMNS + " WHERE site.code = {0} ORDER BY scanner.id LIMIT 50"
BRIEFS = ("site_code", "site_name", "site_kind", "vendor_slug", "vendor_name", "network_code", "network_name")


def shape(row) -> dict:
    item = {key: row[key] for key in row.keys() if key not in BRIEFS}
    item["site"] = {"id": row["site_id"], "code": row["site_code"], "name": row["site_name"], "kind": row["site_kind"]}
    vendor, network = row["vendor_id"], row["network_id"]
    item["vendor"] = None if vendor is None else {"id": vendor, "slug": row["vendor_slug"], "name": row["vendor_name"]}
    item["network"] = (
        None if network is None else {"id": network, "code": row["network_code"], "name": row["network_name"]}
    )
    return item


app = FastAPI()

if URL.startswith("sqlite"):
    connection = sqlite3.connect(URL.split("///", 1)[1], check_same_thread=False)
    connection.row_factory = sqlite3.Row

    @app.get("/scanners/{item_id}")
    async def one(item_id: int) -> Response:
        row = connection.execute(ONE.format("?"), (item_id,)).fetchone()
        if row is None:
            return Response(status_code=404)
        return Response(orjson.dumps(shape(row)), media_type="application/json")

    @app.get("/scanners")
    async def page(site: str) -> Response:
        rows = connection.execute(PAGE.format("?"), (site,)).fetchall()
        return Response(orjson.dumps({"items": [shape(r) for r in rows]}), media_type="application/json")

else:
    import asyncpg

    pool = None

    @app.on_event("startup")
    async def start() -> None:
        global pool
        dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", URL)
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=10)

    @app.get("/scanners/{item_id}")
    async def one(item_id: int) -> Response:
        async with pool.acquire() as c:
            row = await c.fetchrow(ONE.format("$1"), item_id)
        if row is None:
            return Response(status_code=404)
        return Response(orjson.dumps(shape(row), default=str), media_type="application/json")

    @app.get("/scanners")
    async def page(site: str) -> Response:
        async with pool.acquire() as c:
            rows = await c.fetch(PAGE.format("$1"), site)
        return Response(orjson.dumps({"items": [shape(r) for r in rows]}, default=str), media_type="application/json")
