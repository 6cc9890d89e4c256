"""Metrics and logs, on a real server with two workers and in process on both databases."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.core.logs import logging_config
from app.core.migrate import upgrade
from tests.conftest import bearer
from tests.serving import Server, run_cli, server_env

METRICS_TOKEN = "metrics-scraper-token-" + "x" * 24
QUERY_SECRET = "QuerySecretValue4711"


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples of one metric in an exposition, by their sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def label(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """A migrated, seeded SQLite database served by two uvicorn workers; keys minted by the CLI."""
    tmp = tmp_path_factory.mktemp("observed")
    url = f"sqlite:///{tmp / 'observed.db'}"
    env = server_env(tmp, url, metrics_token=METRICS_TOKEN, workers="2")
    cli_logs = [run_cli(env, "migrate"), run_cli(env, "seed")]
    tokens = {}
    for role in ("reader", "editor", "admin"):
        minted = run_cli(
            env,
            "create-key",
            "--name",
            f"{role} for the log test",
            "--owner",
            f"{role} for the log test",
            "--role",
            role,
        )
        assert minted.returncode == 0, minted.stderr
        tokens[role] = minted.stdout.strip()
        cli_logs.append(minted)
    server = Server(env, tmp / "server.log", ["--no-prepare"])
    try:
        server.wait_until_live()
        deadline = time.monotonic() + 90  # the second worker may still be starting
        while sum(json.loads(line)["event"] == "startup" for line in server.lines()) < 2:
            assert time.monotonic() < deadline, "the second worker did not start:\n" + server.log.read_text()
            time.sleep(0.3)
        yield server, tokens, cli_logs
    finally:
        server.stop()


def request_lines(server: Server, **match) -> list[dict]:
    lines = [json.loads(line) for line in server.lines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "request" and match.items() <= line.items()]


def wait_for_lines(server: Server, count: int, **match) -> list[dict]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = request_lines(server, **match)
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no log line matching {match}:\n" + "\n".join(server.lines()[-20:]))


def test_one_json_line_per_request_without_tokens_or_query_strings(two_workers):
    server, tokens, cli_logs = two_workers
    base = server.base_url
    reader = bearer(tokens["reader"])
    keys = httpx.get(f"{base}/api/v1/api-keys?role=reader", headers=bearer(tokens["admin"]), timeout=30).json()
    reader_id = keys["items"][0]["id"]

    ok = httpx.get(f"{base}/api/v1/scanners/1", headers={**reader, "X-Request-ID": "log-test-ok"}, timeout=30)
    forged = httpx.get(
        f"{base}/api/v1/scanners?cursor={QUERY_SECRET}",
        headers={**reader, "X-Request-ID": "log-test-cursor"},
        timeout=30,
    )
    refused = httpx.get(f"{base}/api/v1/sites", headers={"Authorization": f"Bearer {QUERY_SECRET}"}, timeout=30)
    assert (ok.status_code, forged.status_code, refused.status_code) == (200, 400, 401)

    [line] = wait_for_lines(server, 1, request_id="log-test-ok")
    assert line["level"] == "info"
    assert line["logger"] == "app.request"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/scanners/{scanner_id}"
    assert line["path"] == "/api/v1/scanners/1"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["api_key_id"] == reader_id
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0
    [line] = wait_for_lines(server, 1, request_id="log-test-cursor")
    assert (line["route"], line["status"], line["path"]) == ("/api/v1/scanners", 400, "/api/v1/scanners")
    [line] = wait_for_lines(server, 1, request_id=refused.headers["x-request-id"])
    assert (line["status"], line["api_key_id"]) == (401, None)

    everything = server.log.read_text() + "".join(result.stderr + result.stdout for result in cli_logs)
    assert QUERY_SECRET not in everything
    for token in tokens.values():
        assert token not in server.log.read_text()
        assert all(token not in result.stderr for result in cli_logs)
    for text_line in server.lines():
        json.loads(text_line)  # every line the server writes is one JSON object


def test_application_events_are_logged(two_workers):
    server, tokens, cli_logs = two_workers
    startups = [event for event in map(json.loads, server.lines()) if event["event"] == "startup"]
    assert len({event["pid"] for event in startups}) == 2  # one per worker
    assert {(event["mode"], event["database"]) for event in startups} == {("development", "sqlite")}
    migrate, seed, *mints = (
        [event for event in map(json.loads, result.stderr.splitlines()) if event["logger"].startswith("app.")]
        for result in cli_logs
    )
    assert any(event["event"] == "migrated" and event["to_revision"] for event in migrate)
    assert [event["event"] for event in seed] == ["seed loaded"]
    assert [(event["event"], event["role"]) for minted in mints for event in minted] == [
        ("api key minted", "reader"),
        ("api key minted", "editor"),
        ("api key minted", "admin"),
    ]


def test_metrics_add_up_every_worker(two_workers):
    server, tokens, _ = two_workers
    base = server.base_url
    reader = bearer(tokens["reader"])
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    sent = 0
    # New connections until both workers have answered some (the kernel picks the worker), bounded.
    while sent < 200:
        for _ in range(20):
            assert httpx.get(f"{base}/api/v1/sites/1", headers=reader, timeout=30).status_code == 200
        sent += 20
        if len({line["pid"] for line in wait_for_lines(server, sent, route="/api/v1/sites/{site_id}")}) == 2:
            break
    assert len({line["pid"] for line in request_lines(server, route="/api/v1/sites/{site_id}")}) == 2
    route = label(method="GET", route="/api/v1/sites/{site_id}", status="200")
    for _ in range(4):  # each scrape is answered by either worker; all must see the sum
        text = httpx.get(f"{base}/metrics", headers=scrape, timeout=30).text
        assert samples(text, "inventory_http_requests_total")[route] == sent
        assert samples(text, "inventory_http_request_duration_seconds_count")[route] == sent
        buckets = samples(text, "inventory_http_request_duration_seconds_bucket")
        assert buckets[tuple(sorted({**dict(route), "le": "+Inf"}.items()))] == sent
    pools = samples(text, "inventory_db_pool_connections")
    assert {key for key in pools} >= {
        label(pool=pool, state=state) for pool in ("write", "read") for state in ("open", "in_use", "max")
    }
    assert pools[label(pool="read", state="max")] == 2  # one sqlite3 connection per live worker


def test_metrics_show_the_change_log_head(two_workers):
    server, tokens, _ = two_workers
    base = server.base_url
    admin = bearer(tokens["admin"])
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    newest = httpx.get(f"{base}/api/v1/changes?sort=-id&limit=1", headers=admin, timeout=30).json()["items"][0]["id"]
    text = httpx.get(f"{base}/metrics", headers=scrape, timeout=30).text
    assert samples(text, "inventory_change_log_head_id")[()] == newest
    created = httpx.post(
        f"{base}/api/v1/sites",
        headers=bearer(tokens["editor"]),
        json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"},
        timeout=30,
    )
    assert created.status_code == 201
    text = httpx.get(f"{base}/metrics", headers=scrape, timeout=30).text
    assert samples(text, "inventory_change_log_head_id")[()] == newest + 1


def test_who_may_read_the_metrics(two_workers):
    server, tokens, _ = two_workers
    url = f"{server.base_url}/metrics"
    anonymous = httpx.get(url, timeout=30)
    assert anonymous.status_code == 401
    assert anonymous.json()["type"] == "/problems/unauthorized"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(url, headers={"Authorization": "Bearer " + METRICS_TOKEN[:-1]}, timeout=30).status_code == 401
    for role in ("reader", "editor"):
        forbidden = httpx.get(url, headers=bearer(tokens[role]), timeout=30)
        assert forbidden.status_code == 403
        assert forbidden.json()["type"] == "/problems/forbidden"
    for token in (METRICS_TOKEN, tokens["admin"]):
        allowed = httpx.get(url, headers=bearer(token), timeout=30)
        assert allowed.status_code == 200
        assert allowed.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    openmetrics = httpx.get(
        url, headers={**bearer(METRICS_TOKEN), "Accept": "application/openmetrics-text"}, timeout=30
    )
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    assert openmetrics.text.endswith("# EOF\n")


async def test_metrics_count_by_route_template_and_status(app, anonymous, tokens):
    admin = bearer(tokens["admin"])

    async def counts() -> dict:
        return samples((await anonymous.get("/metrics", headers=admin)).text, "inventory_http_requests_total")

    before = await counts()
    for scanner_id in (1, 2, 3):
        assert (await anonymous.get(f"/api/v1/scanners/{scanner_id}", headers=admin)).status_code == 200
    assert (await anonymous.get("/api/v1/scanners/424242", headers=admin)).status_code == 404
    assert (await anonymous.get("/no/such/path")).status_code == 404
    after = await counts()

    def grew(**labels: str) -> float:
        key = label(**labels)
        return after.get(key, 0) - before.get(key, 0)

    assert grew(method="GET", route="/api/v1/scanners/{scanner_id}", status="200") == 3
    assert grew(method="GET", route="/api/v1/scanners/{scanner_id}", status="404") == 1
    assert grew(method="GET", route="<unmatched>", status="404") == 1
    assert not [key for key in after if "/api/v1/scanners/1" in dict(key).get("route", "")]


def test_the_text_format_is_for_a_terminal():
    config = logging_config("text", "info")
    formatter = config["formatters"]["text"]["()"](
        **{key: value for key, value in config["formatters"]["text"].items() if key != "()"}
    )
    record = logging.LogRecord("app.request", logging.INFO, __file__, 1, "request", None, None)
    record.route, record.status = "/api/v1/scanners/{scanner_id}", 200
    line = formatter.format(record)
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
    assert "request" in line
    assert "route=/api/v1/scanners/{scanner_id}" in line
    assert "status=200" in line
    assert "info" in line


def test_migrations_are_logged_as_an_event(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="app.migrations"):
        upgrade(f"sqlite:///{tmp_path / 'events.db'}")
    [record] = [record for record in caplog.records if record.name == "app.migrations"]
    assert record.getMessage() == "migrated"
    assert record.from_revision is None
    assert record.to_revision
