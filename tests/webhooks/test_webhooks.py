"""Webhooks through HTTP with a real receiver on loopback: signed per Standard Webhooks (checked with the
`standardwebhooks` library), in change-log order, at least once across an outage of the receiver; targets
checked against the allow-list; failures retried, then the subscription disabled; redelivery from a
chosen change; and on PostgreSQL two `inventory deliver` processes never sending one subscription's
deliveries at the same time, one taking over when the other is killed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from standardwebhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError

from app.core import config
from app.webhooks.delivery import DeliveryWorker
from tests.conftest import bearer
from tests.helpers import assert_problem
from tests.ports import free_port
from tests.servers import ROOT, inventory, serve, server_env, stop, wait_ready

pytestmark = pytest.mark.asyncio

WEBHOOK_ENV = {
    "INVENTORY_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "INVENTORY_WEBHOOK_RETRY_BASE_SECONDS": "0.1",
    "INVENTORY_WEBHOOK_RETRY_MAX_SECONDS": "0.5",
    "INVENTORY_WEBHOOK_MAX_FAILURES": "1000",
    "INVENTORY_WEBHOOK_CONNECT_TIMEOUT": "1",
    "INVENTORY_WEBHOOK_READ_TIMEOUT": "5",
}


class Receiver:
    """A webhook receiver on 127.0.0.1: verifies each delivery's signature, records what it received
    per path, counts requests in flight per path, and can be stopped and started again on its port."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.delay = delay
        self.secrets: dict[str, str] = {}
        self.received: dict[str, list[dict]] = {}
        self.rejected: list[str] = []
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                path = self.path
                with receiver.lock:
                    receiver.in_flight[path] = receiver.in_flight.get(path, 0) + 1
                    receiver.most_in_flight[path] = max(receiver.most_in_flight.get(path, 0), receiver.in_flight[path])
                try:
                    body = self.rfile.read(int(self.headers["content-length"]))
                    time.sleep(receiver.delay)
                    try:
                        payload = Verifier(receiver.secrets[path]).verify(body, dict(self.headers))
                    except (WebhookVerificationError, KeyError) as error:
                        with receiver.lock:
                            receiver.rejected.append(f"{path}: {error}")
                        self.send_response(400)
                    else:
                        with receiver.lock:
                            receiver.received.setdefault(path, []).append(
                                {"webhook-id": self.headers["webhook-id"], **payload}
                            )
                        self.send_response(204)
                    self.end_headers()
                finally:
                    with receiver.lock:
                        receiver.in_flight[path] -= 1

            def log_message(self, *args) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def change_ids(self, path: str) -> list[int]:
        with self.lock:
            return [message["data"]["change"]["id"] for message in self.received.get(path, [])]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    served.start()
    yield served
    served.stop()


@pytest.fixture
def webhook_settings(db: str) -> Iterator[config.Settings]:
    """The suite's settings with loopback allowed as a webhook target and quick retries."""
    saved = {name: os.environ.get(name) for name in WEBHOOK_ENV}
    os.environ.update(WEBHOOK_ENV)
    config.get_settings.cache_clear()
    yield config.get_settings()
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    config.get_settings.cache_clear()


@pytest.fixture
def worker(webhook_settings: config.Settings) -> Iterator[DeliveryWorker]:
    """A delivery worker running on a thread of its own, as `inventory serve` runs it."""
    stop = threading.Event()
    running = DeliveryWorker(webhook_settings)
    thread = threading.Thread(target=running.run, args=(stop,), daemon=True)
    thread.start()
    yield running
    stop.set()
    thread.join(timeout=30)
    running.close()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.1)


async def subscribe(admin, receiver: Receiver, path: str, **fields) -> dict:
    response = await admin.post(
        "/api/v1/webhooks", json={"name": f"receiver {path}", "url": receiver.url(path), **fields}
    )
    assert response.status_code == 201, response.text
    created = response.json()
    receiver.secrets[path] = created["secret"]
    return created


async def make_sites(client, prefix: str, count: int) -> None:
    """``count`` sites in one bulk create (one change record each)."""
    body = [{"code": f"{prefix}-{n}", "name": f"Hook {n}", "kind": "other"} for n in range(count)]
    response = await client.post("/api/v1/sites", json=body)
    assert response.status_code == 201, response.text


async def site_changes_after(admin, position: int) -> list[int]:
    ids = []
    while True:
        page = (
            await admin.get("/api/v1/changes", params={"after": position, "object_type": "sites", "limit": 500})
        ).json()
        ids += [item["id"] for item in page["items"]]
        if not page["items"]:
            return ids
        position = page["position"]


def in_order_at_least_once(received: list[int], expected: list[int]) -> None:
    """Every expected change arrived; a repeat (at least once) only ever resends the last one delivered."""
    first_seen = list(dict.fromkeys(received))
    assert first_seen == expected
    for earlier, later in zip(received, received[1:], strict=False):
        assert later >= earlier or later in received[: received.index(earlier)], (earlier, later)


async def test_every_change_arrives_signed_and_in_order_across_an_outage(admin, client, receiver, worker):
    hook = await subscribe(admin, receiver, "/outage", object_types=["sites"])
    start = hook["position"]
    await make_sites(client, "up", 400)
    wait_for(lambda: len(set(receiver.change_ids("/outage"))) >= 400, "the first 400 deliveries")
    receiver.stop()
    await make_sites(client, "down", 300)

    async def failures() -> list[dict]:
        page = await admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"succeeded": "false"})
        return page.json()["items"]

    deadline = time.monotonic() + 60
    while not await failures():
        assert time.monotonic() < deadline, "no failed attempt while the receiver was down"
        time.sleep(0.1)
    await make_sites(client, "back", 300)
    receiver.start()
    expected = await site_changes_after(admin, start)
    assert len(expected) == 1000
    wait_for(lambda: len(set(receiver.change_ids("/outage"))) >= 1000, "all 1,000 deliveries after the outage")

    in_order_at_least_once(receiver.change_ids("/outage"), expected)
    assert receiver.rejected == []
    message = receiver.received["/outage"][0]
    assert message["type"] == "sites.create"
    assert message["webhook-id"] == f"change-{expected[0]}"
    assert message["data"]["object"] == message["data"]["change"]["after"]
    assert message["data"]["object"]["code"] == "up-0"
    failed = (await failures())[0]
    assert failed["status_code"] is None
    assert failed["error"]
    assert failed["duration_ms"] >= 0
    # The receiver has the last change as soon as it is sent; the worker records the position after the 2xx.
    deadline = time.monotonic() + 60
    while (current := (await admin.get(f"/api/v1/webhooks/{hook['id']}")).json())["position"] < expected[-1]:
        assert time.monotonic() < deadline, f"the position stayed at {current['position']}, before {expected[-1]}"
        await asyncio.sleep(0.1)
    assert current["failure_count"] == 0
    assert current["active"] is True


async def test_redelivery_from_a_chosen_change(admin, client, receiver, worker):
    hook = await subscribe(admin, receiver, "/again", object_types=["sites"], actions=["create"])
    await make_sites(client, "again", 5)
    expected = await site_changes_after(admin, hook["position"])
    wait_for(lambda: receiver.change_ids("/again") == expected, "the five deliveries")
    etag = (await admin.get(f"/api/v1/webhooks/{hook['id']}")).headers["etag"]
    moved = await admin.patch(
        f"/api/v1/webhooks/{hook['id']}", json={"position": expected[2] - 1}, headers={"If-Match": etag}
    )
    assert moved.status_code == 200, moved.text
    wait_for(lambda: receiver.change_ids("/again") == expected + expected[2:], "the redelivery from the third")


async def test_a_failing_receiver_is_retried_then_disabled_with_the_reason(admin, client, worker, db):
    os.environ["INVENTORY_WEBHOOK_MAX_FAILURES"] = "3"
    worker.settings = config.Settings()
    nobody = f"http://127.0.0.1:{free_port()}/nobody"  # nothing listens there
    created = await admin.post("/api/v1/webhooks", json={"name": "nobody", "url": nobody})
    assert created.status_code == 201, created.text
    hook = created.json()
    await make_sites(client, "nobody", 1)

    async def current() -> dict:
        return (await admin.get(f"/api/v1/webhooks/{hook['id']}")).json()

    deadline = time.monotonic() + 60
    while (await current())["active"]:
        assert time.monotonic() < deadline, "not disabled after three failures"
        time.sleep(0.1)
    disabled = await current()
    assert "3 failed attempts" in disabled["disabled_reason"]
    assert disabled["position"] == hook["position"]
    log = (await admin.get(f"/api/v1/webhooks/{hook['id']}/deliveries")).json()["items"]
    assert [(entry["attempt"], entry["succeeded"]) for entry in log] == [(1, False), (2, False), (3, False)]
    assert len({entry["change_id"] for entry in log}) == 1
    # The disabling is a recorded change of the subscription, made by the worker.
    changes = (await admin.get("/api/v1/changes", params={"object_type": "webhooks", "object_id": hook["id"]})).json()
    assert [(item["action"], item["request_id"]) for item in changes["items"]][-1] == ("update", "webhooks")
    etag = (await admin.get(f"/api/v1/webhooks/{hook['id']}")).headers["etag"]
    enabled = await admin.patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True}, headers={"If-Match": etag})
    assert enabled.status_code == 200
    assert enabled.json()["failure_count"] == 0
    assert enabled.json()["disabled_reason"] is None


@pytest.mark.parametrize(
    ("allowed", "url", "field"),
    [
        ("", "http://127.0.0.1:8080/hook", "url"),
        ("", "http://169.254.169.254/latest/meta-data", "url"),
        ("", "http://[::1]/hook", "url"),
        ("", "http://10.1.2.3/hook", "url"),
        ("", "http://localhost:8080/hook", "url"),
        ("", "http://user:pass@hooks.example.org/hook", "url"),
        ("", "ftp://hooks.example.org/hook", "url"),
        ("hooks.example.org", "https://elsewhere.example.org/hook", "url"),
        ("192.0.2.0/24", "https://198.51.100.7/hook", "url"),
    ],
)
async def test_a_target_that_is_not_allowed_is_a_422_naming_the_url(admin, db, allowed, url, field):
    os.environ["INVENTORY_WEBHOOK_ALLOWED_NETWORKS"] = allowed
    config.get_settings.cache_clear()
    try:
        response = await admin.post("/api/v1/webhooks", json={"name": "refused", "url": url})
    finally:
        os.environ.pop("INVENTORY_WEBHOOK_ALLOWED_NETWORKS")
        config.get_settings.cache_clear()
    assert_problem(response, 422, field="url")
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_allowed_targets_and_filters(admin, webhook_settings):
    for url in ("http://127.0.0.1:9/hook", "http://127.0.0.1/other?x=1"):  # in the listed network
        response = await admin.post("/api/v1/webhooks", json={"name": "allowed", "url": url})
        assert response.status_code == 201, response.text
    unknown = await admin.post(
        "/api/v1/webhooks", json={"name": "x", "url": "http://127.0.0.1/x", "object_types": ["spaceships"]}
    )
    assert_problem(unknown, 422, "spaceships", field="object_types")
    bad_action = await admin.post(
        "/api/v1/webhooks", json={"name": "x", "url": "http://127.0.0.1/", "actions": ["eat"]}
    )
    assert_problem(bad_action, 422, field="actions.0")


async def test_the_secret_is_shown_once_and_never_recorded(admin, client, db):
    body = {"name": "once", "url": "https://hooks.example.org/once", "object_types": ["scanners"]}
    created = await admin.post("/api/v1/webhooks", json=body, headers={"Idempotency-Key": "hook-once"})
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    replay = await admin.post("/api/v1/webhooks", json=body, headers={"Idempotency-Key": "hook-once"})
    assert replay.status_code == 201
    assert replay.json()["secret"] is None
    hook_id = created.json()["id"]
    assert "secret" not in (await admin.get(f"/api/v1/webhooks/{hook_id}")).json()
    records = (await admin.get("/api/v1/changes", params={"object_type": "webhooks"})).json()["items"]
    assert records
    assert all(secret not in json.dumps(record) for record in records)
    assert all("secret" not in record["after"] for record in records)
    # Webhook records are the admins' only; webhooks are admin-only.
    assert (await client.get("/api/v1/changes", params={"object_type": "webhooks"})).json()["items"] == []
    assert_problem(await client.get("/api/v1/webhooks"), 403)


def _deliver_process(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        inventory("deliver"), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


async def test_two_workers_on_postgresql_never_deliver_one_subscription_at_once(
    admin, client, db, tmp_path, webhook_settings
):
    if not db.startswith("postgresql"):
        pytest.skip("several delivery workers share one database on PostgreSQL only; on SQLite one process delivers")
    receiver = Receiver(delay=0.01)
    receiver.start()
    paths = ["/first", "/second", "/third"]
    hooks = [await subscribe(admin, receiver, path, object_types=["sites"]) for path in paths]
    env = server_env(db, tmp_path / "var", **WEBHOOK_ENV)
    log = (tmp_path / "workers.log").open("wb")
    workers = [_deliver_process(env, log) for _ in range(2)]
    try:
        await make_sites(client, "pair", 60)
        expected = await site_changes_after(admin, hooks[0]["position"])
        wait_for(lambda: all(len(receiver.change_ids(path)) >= 20 for path in paths), "deliveries by both workers")
        workers[0].send_signal(signal.SIGKILL)  # a crash: its connections close, its locks are released
        workers[0].wait(timeout=10)
        await make_sites(client, "after-crash", 20)
        expected = await site_changes_after(admin, hooks[0]["position"])
        for path in paths:
            wait_for(lambda path=path: len(set(receiver.change_ids(path))) >= len(expected), f"every change at {path}")
            in_order_at_least_once(receiver.change_ids(path), expected)
        assert receiver.most_in_flight == {path: 1 for path in paths}
        assert receiver.rejected == []
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        log.close()
        receiver.stop()


async def test_inventory_serve_delivers_by_default_with_one_sender_on_sqlite(tmp_path, receiver):
    """Two uvicorn workers on SQLite each run the worker thread; the one holding the file lock delivers."""
    receiver.delay = 0.01
    env = server_env(f"sqlite:///{tmp_path / 'inventory.db'}", tmp_path / "var", **WEBHOOK_ENV)
    port, log = free_port(), tmp_path / "serve.log"
    process = serve(env, port, log, "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, process, log, 120)
        token = (tmp_path / "var" / "admin.token").read_text().strip()
        async with httpx.AsyncClient(base_url=base, headers=bearer(token), timeout=30) as http:
            hook = await subscribe(http, receiver, "/served", object_types=["sites"])
            await make_sites(http, "served", 30)
            expected = await site_changes_after(http, hook["position"])
        wait_for(lambda: len(set(receiver.change_ids("/served"))) >= len(expected), "every change from serve")
        in_order_at_least_once(receiver.change_ids("/served"), expected)
        assert receiver.most_in_flight == {"/served": 1}
        assert receiver.rejected == []
    finally:
        stop(process)
