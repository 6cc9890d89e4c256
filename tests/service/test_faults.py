"""Database faults against a real server: ``inventory serve --workers 2`` on PostgreSQL behind a TCP proxy.

The proxy (tests/faultproxy.py) refuses or blackholes the database on command; backends are
also terminated from the server side. Every request during a fault must get the 503 problem with
``Retry-After`` (never a 500, never a hang) within 3 s, the service must heal by itself when the
database returns, and the writes it acknowledged must be exactly those in the change log.

Times: the server runs with the default timeouts, whose worst case for one request is 2.5 s
(statement timeout 2 s plus 0.5 s client margin, or a 0.5 s liveness ping plus a 2 s connect); the
time to 503 is asserted against 3 s with a margin for a loaded CI machine. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

from tests.conftest import BACKENDS, _admin_engine, new_database
from tests.faultproxy import FaultProxy
from tests.ports import free_port
from tests.servers import serve, server_env, stop, wait_ready

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.xdist_group("faults"),
    pytest.mark.skipif("postgresql" not in BACKENDS, reason="fault tests run on PostgreSQL (CI sets it)"),
]

FAULT_DETECTION = 3.0
"""The requirement: a 503 within 3 s of the fault."""
CI_MARGIN = 3.0
"""Allowance for a loaded CI machine on top of the requirement (the configured worst case is 2.5 s)."""
RECOVERY_LIMIT = 20.0
STARTUP_LIMIT = 90.0
REQUEST_TIMEOUT = 30.0
MEASURED: dict[str, list[float]] = {}


@dataclass
class Service:
    """The server under test, its proxy, its database, and the writes it acknowledged."""

    base_url: str
    token: str
    proxy: FaultProxy
    direct_url: str
    database: str
    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)

    def client(self) -> httpx.AsyncClient:
        # No keep-alive: each request opens a new connection, so both workers take their share.
        return httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=REQUEST_TIMEOUT,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def write(self, http: httpx.AsyncClient, method: str, url: str, **kwargs) -> httpx.Response:
        """Send a write with a fresh request id and remember whether it was acknowledged."""
        request_id = f"fault-{uuid.uuid4().hex}"
        headers = {**kwargs.pop("headers", {}), "X-Request-ID": request_id}
        self.sent.add(request_id)
        response = await http.request(method, url, headers=headers, **kwargs)
        if response.is_success and response.headers.get("idempotent-replayed") != "true":
            self.acknowledged.add(request_id)
        return response

    async def changed_request_ids(self, http: httpx.AsyncClient) -> set[str]:
        found: set[str] = set()
        params: dict[str, str | int] = {"limit": 500}
        while True:
            page = (await http.get("/api/v1/changes", params=params)).json()
            found |= {record["request_id"] for record in page["items"] if record["request_id"] in self.sent}
            if not page.get("next_cursor"):
                return found
            params = {"limit": 500, "cursor": page["next_cursor"]}

    async def assert_acknowledged_writes_are_the_change_records(self) -> None:
        async with self.client() as http:
            assert await self.changed_request_ids(http) == self.acknowledged

    def terminate_backends(self) -> int:
        engine = _admin_engine(self.direct_url)
        try:
            with engine.connect() as connection:
                return len(
                    connection.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :name AND pid <> pg_backend_pid()"
                        ),
                        {"name": self.database},
                    ).all()
                )
        finally:
            engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def service(request, tmp_path_factory) -> AsyncIterator[Service]:
    """``inventory serve --workers 2`` (migrating and seeding first) on a new PostgreSQL database via the proxy."""
    direct_url = new_database("postgresql", tmp_path_factory, request)
    target = sa.make_url(direct_url)
    proxy = await FaultProxy(target.host or "127.0.0.1", target.port or 5432).start()
    proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    var_dir = tmp_path_factory.mktemp("fault-var")
    log = var_dir / "server.log"
    port = free_port()
    process = serve(server_env(proxied, var_dir), port, log, "--workers", "2")
    base_url = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base_url, process, log, STARTUP_LIMIT)
        token = (var_dir / "admin.token").read_text().strip()
        yield Service(base_url, token, proxy, direct_url, target.database or "")
    finally:
        stop(process)
        await proxy.close()
        for name, values in sorted(MEASURED.items()):  # shown with pytest -s
            print(f"{name}: max {max(values):.2f} s, mean {sum(values) / len(values):.2f} s over {len(values)}")
        if os.environ.get("INVENTORY_FAULT_LOG"):
            Path(os.environ["INVENTORY_FAULT_LOG"]).write_bytes(log.read_bytes())


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    if response.request.url.path == "/health/ready":
        # The readiness report, the same shape as its 200 (as its OpenAPI declares), saying why.
        report = response.json()
        assert report["status"] == "unavailable"
        assert report["database"] == "unreachable", report
        return
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    problem = response.json()
    assert problem["type"] == "/problems/database-unavailable"
    assert problem["status"] == 503


async def timed(call) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def a_site(service: Service, http: httpx.AsyncClient) -> tuple[str, str]:
    code = f"f{uuid.uuid4().hex[:10]}"
    created = await service.write(http, "POST", "/api/v1/sites", json={"code": code, "name": code, "kind": "other"})
    assert created.status_code == 201, created.text
    return created.headers["location"], created.headers["etag"]


async def requests_during_fault(service: Service, http: httpx.AsyncClient, label: str) -> str:
    """Reads, writes and the readiness probe each answer the 503 problem in time; returns an unused idempotency key."""
    location, etag = await a_site(service, http)
    scanner = (await http.get("/api/v1/scanners", params={"limit": 1})).json()["items"][0]
    await service.proxy.set_mode(label)
    key = f'"{uuid.uuid4()}"'
    calls = {
        "list": http.get("/api/v1/sites", params={"limit": 5}),
        "item": http.get(f"/api/v1/scanners/{scanner['id']}"),
        "changes": http.get("/api/v1/changes", params={"limit": 5}),
        "create": service.write(
            http,
            "POST",
            "/api/v1/sites",
            json={"code": f"c{uuid.uuid4().hex[:10]}", "name": "During the fault", "kind": "other"},
            headers={"Idempotency-Key": key},
        ),
        "update": service.write(
            http, "PATCH", location, json={"notes": "during the fault"}, headers={"If-Match": etag}
        ),
        "ready": http.get("/health/ready"),
    }
    for name, call in calls.items():
        response, elapsed = await timed(call)
        MEASURED.setdefault(f"{label} time to 503", []).append(elapsed)
        assert_unavailable(response)
        assert elapsed < FAULT_DETECTION + CI_MARGIN, f"{name}: 503 after {elapsed:.2f} s"
    assert (await http.get("/health/live")).status_code == 200
    return key


async def recover(service: Service, http: httpx.AsyncClient, label: str) -> None:
    """After the proxy passes again: ready, reads and writes work on every worker, without a restart."""
    await service.proxy.set_mode("pass")
    MEASURED.setdefault(f"{label} recovery", []).append(await _ready_after(service, http))
    statuses: Counter[int] = Counter()
    for _ in range(8):
        statuses[(await http.get("/api/v1/sites", params={"limit": 5})).status_code] += 1
        statuses[(await http.get("/health/ready")).status_code] += 1
    assert statuses == {200: 16}
    location, etag = await a_site(service, http)
    patched = await service.write(http, "PATCH", location, json={"notes": "after"}, headers={"If-Match": etag})
    assert patched.status_code == 200, patched.text


async def _ready_after(service: Service, http: httpx.AsyncClient) -> float:
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_LIMIT:
        with contextlib.suppress(httpx.TransportError):
            if (await http.get("/health/ready")).status_code == 200:
                return time.monotonic() - started
        await asyncio.sleep(0.1)
    pytest.fail(f"not ready {RECOVERY_LIMIT} s after the database returned")


async def test_racing_patches_with_one_etag_give_one_200_and_412s(service):
    async with service.client() as http:
        location, etag = await a_site(service, http)
        responses = await asyncio.gather(
            *(
                service.write(http, "PATCH", location, json={"notes": f"writer {i}"}, headers={"If-Match": etag})
                for i in range(8)
            )
        )
        assert Counter(response.status_code for response in responses) == {200: 1, 412: 7}
        assert (await http.get(location)).json()["version"] == 2
    await service.assert_acknowledged_writes_are_the_change_records()


async def test_racing_creates_of_one_code_give_one_201_and_409s(service):
    body = {"code": f"r{uuid.uuid4().hex[:10]}", "name": "Race", "kind": "other"}
    async with service.client() as http:
        responses = await asyncio.gather(*(service.write(http, "POST", "/api/v1/sites", json=body) for _ in range(8)))
        assert Counter(response.status_code for response in responses) == {201: 1, 409: 7}
        found = (await http.get("/api/v1/sites", params={"code": body["code"]})).json()["items"]
        assert len(found) == 1
    await service.assert_acknowledged_writes_are_the_change_records()


async def test_racing_idempotent_retries_create_once_and_replay(service):
    body = {"code": f"i{uuid.uuid4().hex[:10]}", "name": "Idempotent", "kind": "other"}
    headers = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    async with service.client() as http:
        responses = await asyncio.gather(
            *(service.write(http, "POST", "/api/v1/sites", json=body, headers=headers) for _ in range(8))
        )
        assert set(Counter(response.status_code for response in responses)) <= {201, 409}
        created = [response for response in responses if response.status_code == 201]
        assert sum(response.headers.get("idempotent-replayed") != "true" for response in created) == 1
        assert all(response.json() == created[0].json() for response in created)
        retry = await service.write(http, "POST", "/api/v1/sites", json=body, headers=headers)
        assert retry.status_code == 201
        assert retry.headers["idempotent-replayed"] == "true"
        assert retry.json() == created[0].json()
        assert len((await http.get("/api/v1/sites", params={"code": body["code"]})).json()["items"]) == 1
    await service.assert_acknowledged_writes_are_the_change_records()


async def test_a_refused_database_gives_503s_and_heals(service):
    async with service.client() as http:
        await requests_during_fault(service, http, "refuse")
        await recover(service, http, "refuse")
    await service.assert_acknowledged_writes_are_the_change_records()


async def test_a_blackholed_database_gives_503s_heals_and_frees_the_idempotency_key(service):
    async with service.client() as http:
        key = await requests_during_fault(service, http, "blackhole")
        await recover(service, http, "blackhole")
        # The create cut by the outage left nothing behind: its key is free at once, and used once.
        body = {"code": f"k{uuid.uuid4().hex[:10]}", "name": "Retried", "kind": "other"}
        retried = await service.write(http, "POST", "/api/v1/sites", json=body, headers={"Idempotency-Key": key})
        assert retried.status_code == 201, retried.text
    await service.assert_acknowledged_writes_are_the_change_records()


async def test_terminated_backends_cost_at_most_a_503_and_heal(service):
    async with service.client() as http:
        location, etag = await a_site(service, http)
        for round_ in range(3):
            assert service.terminate_backends() > 0
            statuses: Counter[int] = Counter()
            for i in range(6):
                statuses[(await http.get("/api/v1/sites", params={"limit": 5})).status_code] += 1
                patched = await service.write(
                    http, "PATCH", location, json={"notes": f"round {round_} {i}"}, headers={"If-Match": etag}
                )
                statuses[patched.status_code] += 1
                if patched.status_code == 200:
                    etag = patched.headers["etag"]
                else:
                    assert_unavailable(patched)
            assert set(statuses) <= {200, 503}, statuses
            assert statuses[200] >= 10, statuses  # the pools replace the dead connections at once
        assert (await http.get("/health/ready")).status_code == 200
    await service.assert_acknowledged_writes_are_the_change_records()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def proxied_database(request, tmp_path_factory) -> AsyncIterator[tuple[FaultProxy, str]]:
    """A new PostgreSQL database (migrated by the first server) and a proxy in front of it."""
    direct = sa.make_url(new_database("postgresql", tmp_path_factory, request))
    proxy = await FaultProxy(direct.host or "127.0.0.1", direct.port or 5432).start()
    yield proxy, direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    await proxy.close()


async def exit_status(process: subprocess.Popen, limit: float) -> int:
    started = time.monotonic()
    while process.poll() is None:
        if time.monotonic() - started > limit:
            stop(process)
            pytest.fail(f"still running after {limit} s")
        await asyncio.sleep(0.2)
    return process.returncode


@pytest.mark.parametrize(
    ("fault", "options"),
    [
        ("refuse", ["--workers", "2", "--no-prepare"]),
        ("refuse", ["--workers", "2"]),
        ("blackhole", ["--no-prepare"]),
    ],
)
async def test_startup_against_an_unreachable_database_retries_then_exits_non_zero(
    proxied_database, tmp_path, fault, options
):
    proxy, url = proxied_database
    await proxy.set_mode(fault)
    log = tmp_path / "server.log"
    started = time.monotonic()
    process = serve(server_env(url, tmp_path, INVENTORY_DB_STARTUP_TIMEOUT="2"), free_port(), log, *options)
    try:
        status = await exit_status(process, STARTUP_LIMIT)
    finally:
        await proxy.set_mode("pass")
    output = log.read_text()
    assert status != 0, output
    assert "did not answer within INVENTORY_DB_STARTUP_TIMEOUT=2 s" in output
    assert output.count("retrying in") >= 1  # it did retry
    MEASURED.setdefault(f"startup give-up ({fault})", []).append(time.monotonic() - started)


async def test_workers_that_cannot_reach_the_database_stop_the_server_non_zero(proxied_database, tmp_path):
    proxy, url = proxied_database
    log = tmp_path / "server.log"
    before = proxy.accepted
    env = server_env(url, tmp_path, INVENTORY_DB_STARTUP_TIMEOUT="1")
    process = serve(env, free_port(), log, "--workers", "2", "--no-prepare")
    try:
        # The parent's check gets through; the database is gone before the workers start.
        while proxy.accepted == before and process.poll() is None:
            await asyncio.sleep(0.01)
        await proxy.set_mode("refuse")
        status = await exit_status(process, STARTUP_LIMIT)
    finally:
        await proxy.set_mode("pass")
    assert status != 0, log.read_text()


async def test_startup_waits_for_a_database_that_comes_up(proxied_database, tmp_path):
    proxy, url = proxied_database
    await proxy.set_mode("refuse")
    log = tmp_path / "server.log"
    port = free_port()
    process = serve(server_env(url, tmp_path, INVENTORY_DB_STARTUP_TIMEOUT="60"), port, log, "--workers", "2")
    try:
        started = time.monotonic()
        while "retrying in" not in log.read_text():  # it tried, failed, and waits to try again
            assert process.poll() is None
            assert time.monotonic() - started < STARTUP_LIMIT, log.read_text()
            await asyncio.sleep(0.1)
        await proxy.set_mode("pass")
        await wait_ready(f"http://127.0.0.1:{port}", process, log, STARTUP_LIMIT)
    finally:
        stop(process)
