"""Database faults in process, on both backends: lock timeouts are a 503 problem; the contract states what is checked.

The faults of a real server (refused, blackholed, terminated) are in tests/service/test_faults.py.
"""

import re
import sqlite3

import pytest
import sqlalchemy as sa

from app.changes.recording import CHAIN_LOCK
from app.core import config
from app.core.constraints import HEADER_SCHEMAS, NO_CONTROL_CHARACTERS
from app.core.db import dispose_engines, get_engine, sqlite_path
from app.core.schemas import CONTROL_CHARACTERS
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

SITE = {"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"}


@pytest.fixture
def short_lock_waits(monkeypatch):
    """Writers wait at most half a second for a lock (the write engine is rebuilt with the setting)."""
    monkeypatch.setenv("INVENTORY_SQLITE_BUSY_TIMEOUT", "0.5")
    monkeypatch.setenv("INVENTORY_DB_STATEMENT_TIMEOUT", "0.5")
    config.get_settings.cache_clear()
    dispose_engines()
    yield
    monkeypatch.undo()
    config.get_settings.cache_clear()
    dispose_engines()


class WriterHoldingTheLock:
    """Another writer in the middle of its transaction: SQLite's write lock, PostgreSQL's change-log lock."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(sqlite_path(self.url), isolation_level=None)
            self.sqlite.execute("BEGIN IMMEDIATE")
        else:
            self.connection = sa.create_engine(sa.make_url(self.url).set(drivername="postgresql+psycopg")).connect()
            self.connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        return self

    def __exit__(self, *_):
        if self.url.startswith("sqlite"):
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
        else:
            self.connection.rollback()
            self.connection.close()
            self.connection.engine.dispose()


async def test_a_write_that_cannot_get_its_lock_in_time_is_a_503_and_changes_nothing(client, db, short_lock_waits):
    before = (await client.get("/api/v1/sites", params={"limit": 500})).json()["items"]
    with WriterHoldingTheLock(db):
        response = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": '"lock-1"'})
        assert_problem(response, 503, type="database-unavailable")
        assert int(response.headers["retry-after"]) >= 1
    assert (await client.get("/api/v1/sites", params={"limit": 500})).json()["items"] == before
    # The other writer finished: the same request, with the same key, goes through at once.
    retried = await client.post("/api/v1/sites", json=SITE, headers={"Idempotency-Key": '"lock-1"'})
    assert retried.status_code == 201, retried.text
    with get_engine(db).connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM change_record WHERE object_type = 'sites'"))
        assert count.scalar_one() == len(before) + 1


async def test_a_malformed_if_match_is_a_422_naming_the_header_and_changes_nothing(client):
    site = (await client.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
    url = f"/api/v1/sites/{site['id']}"
    for value in ("{}", "site", '"unterminated', 'W/"a" junk'):
        response = await client.patch(url, json={"notes": "x"}, headers={"If-Match": value})
        problem = assert_problem(response, 422, field="If-Match")
        assert problem["errors"][0]["field"] == "If-Match"
    assert (await client.get(url)).json()["version"] == site["version"]


async def test_the_contract_states_the_checks_a_valid_request_must_pass(app):
    schema = app.openapi()
    assert all(
        bool(re.match(NO_CONTROL_CHARACTERS, chr(code))) != bool(CONTROL_CHARACTERS.search(chr(code)))
        for code in range(0x80)
    )
    time_parameters, free_text = 0, []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert "400" in responses, (method, path)  # a body that is not parsable
            if path != "/health/live":
                assert "503" in responses
                assert "Retry-After" in responses["503"]["headers"], (method, path)
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] == "header" and name.lower() in HEADER_SCHEMAS:
                    assert parameter["schema"]["pattern"] == HEADER_SCHEMAS[name.lower()]["pattern"]
                options = parameter["schema"].get("anyOf", [parameter["schema"]])
                for option in options:
                    if option.get("type") != "string":
                        continue
                    if name in {"as_of", "since", "until"}:
                        time_parameters += 1
                        assert option["format"] == "date-time", (path, name)
                    elif not {"pattern", "enum", "format", "const"} & option.keys():
                        free_text.append((method, path, name))
    assert time_parameters > 5
    assert free_text == []


async def test_an_unparsable_body_is_the_declared_400_problem_and_changes_nothing(client):
    before = (await client.get("/api/v1/networks")).json()["items"]
    response = await client.post("/api/v1/networks", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert_problem(response, 400)
    assert (await client.get("/api/v1/networks")).json()["items"] == before


async def test_every_body_schema_states_the_text_rule_at_any_depth(app):
    """Bulk bodies name their item schemas inside arrays and one-of forms; those items' free text must carry
    the same no-control-characters rule as a single object's (a fuzzer otherwise sends text the service refuses)."""
    from app.core.constraints import _references

    schema = app.openapi()
    components = schema["components"]["schemas"]
    named = set()
    for methods in schema["paths"].values():
        for operation in methods.values():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                named |= _references(content.get("schema", {}))
    assert {"SiteBulkUpdate", "ScannerBulkUpdate", "SiteCreate"} <= named
    unruled = [
        (name, field)
        for name in named
        for field, property_schema in components[name].get("properties", {}).items()
        for option in property_schema.get("anyOf", [property_schema])
        if option.get("type") == "string" and not {"pattern", "enum", "format", "const"} & option.keys()
    ]
    assert unruled == []
