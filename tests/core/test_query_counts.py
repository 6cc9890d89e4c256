"""No list or report issues a query per item: the number of SQL statements a page costs does not grow
with the page. Every paged GET of the contract is read at ``limit=1`` and at ``limit=500`` (at least
two items each, made where the seed has fewer), counting the statements sent to the read path."""

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from app.core.db import get_engine
from tests.factories import add_what_the_seed_lacks

pytestmark = pytest.mark.asyncio

COUNTED = ("fetch", "fetch_heavy", "stream", "execute")


class StatementCounter:
    """Counts the statements sent through the app's read path (every method that runs SQL)."""

    def __init__(self, reads: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for name in COUNTED:
            monkeypatch.setattr(reads, name, self._counting(getattr(reads, name)))

    def _counting(self, method: Callable) -> Callable:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return method(*args, **kwargs)

        return counted


def paged_operations(spec: dict) -> list[tuple[str, str]]:
    """(path, operationId) of every GET that takes ``limit`` and answers JSON."""
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None or "application/json" not in operation["responses"].get("200", {}).get("content", {}):
            continue
        if any(parameter["name"] == "limit" for parameter in operation.get("parameters", [])):
            found.append((path, operation["operationId"]))
    return found


async def first_id(client, path: str) -> int:
    response = await client.get(path.split("/{")[0], params={"limit": 1})
    return response.json()["items"][0]["id"]


async def test_no_page_costs_a_query_per_item(app, admin, monkeypatch):
    await add_what_the_seed_lacks(admin, monkeypatch, each=2)
    scanner = (await admin.get("/api/v1/scanners", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/scanners/{scanner['id']}"
    for n in range(2):  # a history of several records
        etag = (await admin.get(url)).headers["ETag"]
        assert (await admin.patch(url, json={"notes": f"note {n}"}, headers={"If-Match": etag})).status_code == 200
    spec = (await admin.get("/openapi.json")).json()
    operations = paged_operations(spec)
    assert len(operations) >= 30
    # The API key is re-read when the process's cache of it expires (every few seconds): on a busy machine
    # that read could fall into one of the counted requests. Keep it cached for the test.
    monkeypatch.setattr("app.auth.service.CACHE_SECONDS", 3600.0)
    counter = StatementCounter(app.state.reads, monkeypatch)
    compared = []
    for path, operation_id in operations:
        if "{" in path:
            path = re.sub(r"\{[a-z_]+\}", str(await first_id(admin, path)), path)
        costs = {}
        for limit in (1, 500):
            counter.count = 0
            response = await admin.get(path, params={"limit": limit})
            assert response.status_code == 200, f"{operation_id}: {response.text}"
            costs[limit] = (counter.count, len(response.json()["items"]))
        assert costs[1][0] >= 1, f"{operation_id}: no statement counted; the counter misses its read path"
        if costs[500][1] < 2:
            continue
        assert costs[1][0] == costs[500][0], (
            f"{operation_id}: {costs[1][0]} statements for 1 item, {costs[500][0]} for {costs[500][1]}"
        )
        compared.append(operation_id)
    assert {
        "listScanners",
        "listSites",
        "listFindings",
        "getExposureReport",
        "listChanges",
        "getScannerHistory",
    } <= set(compared)


def own_row_reads(statements: list[str], table: str) -> int:
    """How many of ``statements`` read one row of ``table`` by its id, with every column in the table's order
    (an ORM load or a recorded state; an item shaped for a response reads its own list of fields)."""
    columns = ", ".join(f"{table}.{column.name}" for column in SQLModel.metadata.tables[table].columns)
    return sum(
        1 for statement in statements if statement.startswith(f"SELECT {columns} FROM {table} WHERE {table}.id = ")
    )


async def sent_by(db: str, request) -> tuple[Any, list[str]]:
    """The response to ``request`` (awaited) and the statements it sent through the write path."""
    engine = get_engine(db)
    statements: list[str] = []

    def note(connection, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        return await request, statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


@pytest.mark.parametrize("collection", ["sites", "scanners"])
async def test_a_write_reads_the_row_it_changes_once_before_and_never_after(steward, db, collection):
    """A PATCH reads the row it changes for the rules and the state it records before (the approval policy's
    check and the write share one read: the session keeps the row while the write runs); the state it leaves
    comes back from the UPDATE itself, and a DELETE's from the DELETE. Each read was a round trip on every
    write: a PATCH of a scanner read its row four times."""
    table = collection.removesuffix("s")
    created = {
        "sites": {"code": "reads-probe", "name": "Reads probe", "kind": "seaport"},
        "scanners": {"asset_tag": "READS-PROBE", "use": "baggage", "status": "active", "network_mode": "standalone"},
    }[collection]
    if collection == "scanners":
        created["site_id"] = (await steward.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]["id"]
    response = await steward.post(f"/api/v1/{collection}", json=created)
    assert response.status_code == 201, response.text
    url = response.headers["location"]
    patched, statements = await sent_by(
        db, steward.patch(url, json={"notes": "read once"}, headers={"If-Match": response.headers["etag"]})
    )
    assert patched.status_code == 200, patched.text
    assert own_row_reads(statements, table) == 2, statements
    deleted, statements = await sent_by(db, steward.delete(url, headers={"If-Match": patched.headers["etag"]}))
    assert deleted.status_code == 204, deleted.text
    assert own_row_reads(statements, table) <= 1, statements
