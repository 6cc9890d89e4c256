"""Request limits before parsing, and authentication before any input is looked at."""

from collections.abc import AsyncIterator

import orjson
import pytest

from app.core.config import Settings
from app.core.errors import MAX_REPORTED_ERRORS
from app.main import create_app
from tests.conftest import bearer, http_client
from tests.helpers import assert_problem

pytestmark = pytest.mark.asyncio

MIB = 1024 * 1024
SITE = {"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"}


def padded_site(size: int) -> bytes:
    """A valid site body of about ``size`` bytes (the padding is in ``notes``)."""
    return orjson.dumps({**SITE, "notes": "x" * size})


async def sites(client) -> list[dict]:
    return (await client.get("/api/v1/sites", params={"limit": 500})).json()["items"]


async def test_a_body_over_the_limit_is_a_413_problem_and_stores_nothing(client):
    before = await sites(client)
    problem = assert_problem(
        await client.post("/api/v1/sites", content=padded_site(MIB + 10)), 413, "1048576", type="content-too-large"
    )
    assert problem["max_body_bytes"] == MIB
    assert await sites(client) == before


async def test_a_body_at_the_limit_is_read(client):
    body = padded_site(MIB)[: MIB - 100]  # valid JSON is not needed: only that it was read and parsed
    response = await client.post("/api/v1/sites", content=body, headers={"content-type": "application/json"})
    assert_problem(response, 422)


async def test_a_chunked_body_is_cut_off_at_the_limit_without_reading_the_rest(client):
    chunk, sent = b" " * 65536, 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(200):  # 12.5 MiB on offer
            sent += 1
            yield chunk

    before = await sites(client)
    response = await client.post("/api/v1/sites", content=stream(), headers={"content-type": "application/json"})
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)
    assert sent <= MIB // len(chunk) + 2
    assert await sites(client) == before


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE", "PUT"])
async def test_the_limit_applies_to_every_method_and_path_before_routing(client, method):
    response = await client.request(method, "/api/v1/sites/1", content=padded_site(2 * MIB))
    assert_problem(response, 413)


async def test_the_body_limit_is_configurable(db, tokens):
    app = create_app(Settings(max_body_bytes=2048))
    async with app.router.lifespan_context(app), http_client(app, bearer(tokens["editor"])) as http:
        assert_problem(await http.post("/api/v1/sites", content=padded_site(3000)), 413, "2048")
        assert (await http.post("/api/v1/sites", json=SITE)).status_code == 201


async def test_a_malformed_content_length_is_a_400_problem(client):
    request = client.build_request("POST", "/api/v1/sites", content=orjson.dumps(SITE))
    request.headers["content-length"] = "1e3"
    assert_problem(await client.send(request), 400, "Content-Length")


async def test_too_many_headers_are_a_431_problem(client):
    headers = {f"x-filler-{n}": "1" for n in range(150)}
    problem = assert_problem(await client.get("/api/v1/sites", headers=headers), 431, "at most 100")
    assert problem["max_header_count"] == 100


@pytest.mark.parametrize("where", ["header", "query"])
async def test_an_oversized_head_is_a_431_problem(client, where):
    big = "a" * 20_000
    if where == "header":
        response = await client.get("/api/v1/sites", headers={"x-filler": big})
    else:
        response = await client.get("/api/v1/sites", params={"code": big})
    assert_problem(response, 431, "16384", type="header-fields-too-large")


async def test_a_body_of_many_unknown_keys_gets_a_small_422_with_a_count(client):
    body = orjson.dumps({**SITE, **{f"k{n}": 0 for n in range(60_000)}})
    assert len(body) < MIB
    response = await client.post("/api/v1/sites", content=body, headers={"content-type": "application/json"})
    problem = assert_problem(response, 422, "more")
    assert len(problem["errors"]) == MAX_REPORTED_ERRORS
    assert problem["error_count"] == 60_000
    assert len(response.content) < 10_000


async def test_a_query_of_many_unknown_parameters_gets_a_capped_422(client):
    params = {f"p{n}": "1" for n in range(500)}
    problem = assert_problem(await client.get("/api/v1/sites", params=params), 422)
    assert len(problem["errors"]) == MAX_REPORTED_ERRORS
    assert problem["error_count"] == 500


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("POST", "/api/v1/sites", {"content": b'{"code": 5, "colour": "red"}'}),
        ("POST", "/api/v1/sites", {"content": b"{not json"}),
        ("POST", "/api/v1/sites?bogus=1", {"json": SITE}),
        ("POST", "/api/v1/sites", {"json": SITE, "headers": {"X-Change-Reason": "bad\x01reason"}}),
        ("PATCH", "/api/v1/sites/1", {"content": b'{"unknown": 1}'}),
        ("GET", "/api/v1/scanners?limit=0&vendr=x", {}),
        ("GET", "/api/v1/sites/0", {}),
        ("POST", "/api/v1/api-keys", {"content": b'{"role": "god"}'}),
    ],
)
async def test_an_unauthenticated_request_gets_a_401_before_its_input_is_looked_at(anonymous, method, path, extra):
    headers = {"content-type": "application/json", **extra.pop("headers", {})}
    response = await anonymous.request(method, path, headers=headers, **extra)
    problem = assert_problem(response, 401)
    assert "errors" not in problem
    for echoed in ("colour", "bogus", "unknown", "vendr", "god", "reason"):
        assert echoed not in response.text


async def test_a_reader_gets_a_403_before_its_body_is_parsed(anonymous, tokens):
    response = await anonymous.post(
        "/api/v1/sites",
        content=b'{"colour": "red"}',
        headers={**bearer(tokens["reader"]), "content-type": "application/json"},
    )
    assert_problem(response, 403, "editor")


async def test_an_oversized_unauthenticated_body_is_a_413_not_read(anonymous):
    assert_problem(await anonymous.post("/api/v1/sites", content=padded_site(5 * MIB)), 413)
