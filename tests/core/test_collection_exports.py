"""Every collection exports as CSV and JSON Lines through its list operation (Accept), streamed."""

from __future__ import annotations

import csv
import io
import subprocess

import orjson
import pytest

from app.core import exports
from app.main import create_app
from tests.conftest import bearer
from tests.helpers import assert_problem
from tests.serving import ROOT

CSV = {"Accept": "text/csv"}
JSONL = {"Accept": "application/x-ndjson"}


def _list_operations() -> list[tuple[str, str]]:
    """(path, item schema name) of every list operation offering exports, from the contract."""
    schema = create_app().openapi()
    found = []
    for path, methods in schema["paths"].items():
        get = methods.get("get", {})
        content = get.get("responses", {}).get("200", {}).get("content", {})
        if get.get("operationId", "").startswith("list") and "text/csv" in content:
            page = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            found.append((path, page))
    return found


LIST_OPERATIONS = _list_operations()
PATHS = [path for path, _ in LIST_OPERATIONS]


def test_every_collection_offers_exports():
    assert len(PATHS) >= 12, PATHS
    assert {"/api/v1/scanners", "/api/v1/sites", "/api/v1/vendors", "/api/v1/networks"} <= set(PATHS)


async def every_item(client, path: str, params: dict | None = None) -> list[dict]:
    """Every item of a list, read page by page as JSON."""
    items, cursor = [], None
    while True:
        page = await client.get(path, params={**(params or {}), "limit": 500, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return items


def rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.text)))


@pytest.mark.parametrize("path", PATHS)
async def test_json_lines_export_holds_every_item_of_the_json_pages_in_order(admin, path):
    response = await admin.get(path, headers=JSONL)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    exported = [orjson.loads(line) for line in response.text.splitlines()]
    assert exported == await every_item(admin, path)


@pytest.mark.parametrize("path", PATHS)
async def test_csv_export_has_a_row_per_item_under_the_item_fields(admin, path):
    response = await admin.get(path, headers=CSV)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        "attachment" in response.headers["content-disposition"]
        or "filename=" in response.headers["content-disposition"]
    )
    items = await every_item(admin, path)
    table = rows(response)
    assert len(table) == len(items)
    header = next(csv.reader(io.StringIO(response.text)))
    top_level = {column.partition(".")[0] for column in header}
    assert all(set(item) <= top_level for item in items), (header, items[:1])
    assert [row["id"] for row in table] == [str(item["id"]) for item in items]


async def test_a_scanner_export_flattens_site_and_vendor_and_keeps_the_filters(admin):
    response = await admin.get("/api/v1/scanners", params={"site": "maasvlakte", "vendor": "nuctech"}, headers=CSV)
    table = rows(response)
    expected = await every_item(admin, "/api/v1/scanners", {"site": "maasvlakte", "vendor": "nuctech"})
    assert len(table) == len(expected) > 0
    assert {row["site.code"] for row in table} == {"maasvlakte"}
    assert {row["vendor.slug"] for row in table} == {"nuctech"}


async def test_an_export_reads_in_batches_and_loses_nothing_between_them(admin, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_BATCH", 2)
    exported = [orjson.loads(line) for line in (await admin.get("/api/v1/scanners", headers=JSONL)).text.splitlines()]
    assert exported == await every_item(admin, "/api/v1/scanners")
    assert len(exported) > 2 * 3  # several batches


async def test_an_export_starts_after_the_cursor_and_ignores_the_page_size(admin):
    first = (await admin.get("/api/v1/scanners", params={"limit": 3, "sort": "asset_tag"})).json()
    response = await admin.get(
        "/api/v1/scanners", params={"limit": 3, "sort": "asset_tag", "cursor": first["next_cursor"]}, headers=JSONL
    )
    rest = [orjson.loads(line) for line in response.text.splitlines()]
    everything = await every_item(admin, "/api/v1/scanners", {"sort": "asset_tag"})
    assert first["items"] + rest == everything


async def test_an_export_with_a_bad_cursor_or_filter_is_a_problem_before_anything_streams(admin):
    assert_problem(await admin.get("/api/v1/sites", params={"cursor": "garbage"}, headers=CSV), 400, "cursor")
    assert_problem(await admin.get("/api/v1/scanners", params={"limit": 0}, headers=JSONL), 422, field="limit")


async def test_text_a_spreadsheet_would_run_is_exported_as_text(admin):
    site = (await admin.get("/api/v1/sites", params={"code": "schiphol"})).json()["items"][0]
    url = f"/api/v1/sites/{site['id']}"
    etag = (await admin.get(url)).headers["etag"]
    patched = await admin.patch(url, json={"locality": '=HYPERLINK("http://x")'}, headers={"If-Match": etag})
    assert patched.status_code == 200, patched.text
    table = rows(await admin.get("/api/v1/sites", params={"code": "schiphol"}, headers=CSV))
    assert table[0]["locality"] == '\'=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    "accept", ["text/html,application/xhtml+xml,*/*;q=0.8", "application/json", "*/*", "image/png"]
)
async def test_a_list_answers_a_json_page_to_any_other_accept(admin, accept):
    response = await admin.get("/api/v1/vendors", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "items" in response.json()


async def test_readers_export_what_they_may_list_and_no_more(anonymous, tokens):
    reader = {**bearer(tokens["reader"]), **CSV}
    assert (await anonymous.get("/api/v1/scanners", headers=reader)).status_code == 200
    assert_problem(await anonymous.get("/api/v1/api-keys", headers=reader), 403)
    assert_problem(await anonymous.get("/api/v1/scanners", headers=CSV), 401)


def resident_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_exporting_100000_scanners_keeps_the_server_memory_flat(tmp_path):
    """A real server on 100,000 generated scanners: the CSV export (26 MB) streams every row while the
    process grows by about half of it (~14 MB measured); held in memory at once, the 100,000 shaped rows
    alone would take several times the CSV's size."""
    import sys
    import threading

    import httpx

    from tests.serving import Server, run_cli, server_env

    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'big.db'}", rate_limit="off")
    for command in (["migrate"], ["seed"]):
        assert run_cli(env, *command).returncode == 0
    generated = subprocess.run(
        [sys.executable, "-m", "bench.dataset", "--url", env["INVENTORY_DATABASE_URL"], "--scanners", "100000",
         "--sites", "500", "--vendors", "20", "--changes", "100600"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    token = run_cli(env, "create-key", "--name", "exporter", "--owner", "exporter", "--role", "reader").stdout.strip()
    server = Server(env, tmp_path / "server.log", ["--no-prepare"])
    try:
        server.wait_until_live()
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/csv"}
        httpx.get(f"{server.base_url}/api/v1/scanners", headers={**headers, "Accept": "application/json"}, timeout=60)
        before = resident_kib(server.process.pid)
        peak, done = [before], threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak.append(resident_kib(server.process.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        lines = size = 0
        try:
            with httpx.stream("GET", f"{server.base_url}/api/v1/scanners", headers=headers, timeout=120) as response:
                assert response.status_code == 200
                for line in response.iter_lines():
                    lines += 1
                    size += len(line)
        finally:
            done.set()
            sampler.join()
    finally:
        server.stop()
    assert lines == 1 + 100_000 + 13  # the header, the generated scanners and the seeded ones
    growth_kib = max(peak) - before
    assert growth_kib * 1024 < 2 * size, (growth_kib, size)
