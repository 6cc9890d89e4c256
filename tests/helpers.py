"""Helpers shared by the test modules: problem assertions, reads and writes through the API, and the
API's own read operations. Fixtures live in conftest.py; items the seed lacks are made in factories.py."""

from fastapi.routing import APIRoute, iter_route_contexts

from app.api import API_PREFIX
from app.core.errors import PROBLEM_BASE, PROBLEM_MEDIA_TYPE
from app.docs.problems import PROBLEM_TYPES
from app.main import create_app

# Problems


def assert_problem(response, status: int, *words: str, type: str | None = None, field: str | None = None) -> dict:
    """Assert ``response`` is a problem (RFC 9457) of ``status`` and return it.

    Its ``type`` is a documented problem type of that status (the one named by the slug ``type`` when
    given); ``field``, when given, is named by an entry of its ``errors``; each of ``words`` appears in
    its ``detail``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= set(problem), problem
    assert problem["status"] == status
    assert problem["type"].startswith(PROBLEM_BASE), problem["type"]
    documented = PROBLEM_TYPES.get(problem["type"].removeprefix(PROBLEM_BASE))
    assert documented is not None, f"{problem['type']} is not a documented problem type"
    if documented.slug != "http-error":  # the one type whose status varies
        assert documented.status == status, problem["type"]
    if type is not None:
        assert problem["type"] == PROBLEM_BASE + type
    if field is not None:
        assert field in [error["field"] for error in problem.get("errors") or []], problem
    for word in words:
        assert word in problem["detail"], (word, problem["detail"])
    return problem


# Reading and writing through the API


async def all_items(client, url: str) -> list[dict]:
    """Follow the ``Link: rel="next"`` headers to the end."""
    items: list[dict] = []
    while url:
        response = await client.get(url)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        link = response.headers.get("link")
        url = link[1 : link.index(">")] if link else None
    return items


async def etag(client, url: str) -> str:
    return (await client.get(url)).headers["etag"]


async def items(client, path: str, **params) -> list[dict]:
    """The items of one page of 500 (all of them, for the seed and what tests add)."""
    response = await client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def find(client, collection: str, **params) -> dict:
    return (await client.get(f"/api/v1/{collection}", params=params)).json()["items"][0]


async def last_instant(client) -> str:
    return (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["recorded_at"]


SEEDED_CHANGES = 69
"""Change records the seed writes: 24 inventory rows, 13 of the assurance (procurement, audit,
vendor assessment and their scanner links), 20 of the operators (2, with Customs' 5 site and 13
scanner links) and 12 of the announced research (1, with its vendor and 10 scanner links)."""


async def patch(client, url: str, body: dict):
    etag = (await client.get(url)).headers["etag"]
    return await client.patch(url, json=body, headers={"If-Match": etag})


async def scanner_by_tag(client, tag: str) -> dict:
    items = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    return next(item for item in items if item["asset_tag"] == tag)


async def seeded_audit(client) -> dict:
    return (await client.get("/api/v1/audits")).json()["items"][0]


# Reports


def as_csv_cells(item: dict) -> dict:
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return " | ".join(str(part) for part in value)
        return str(value)

    return {key: cell(value) for key, value in item.items()}


class Watched:
    """The app's read backend, unchanged, noting which of its methods run which queries."""

    def __init__(self, reads) -> None:
        self._reads = reads
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, name):
        attribute = getattr(self._reads, name)
        if name not in ("fetch", "fetch_heavy", "stream", "execute"):
            return attribute

        def watched(sql, *args, **kwargs):
            self.calls.append((name, sql))
            return attribute(sql, *args, **kwargs)

        return watched


# The API's read operations


def _read_operations() -> list[tuple[str, list[str]]]:
    app = create_app()
    schema = app.openapi()
    operations = []
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.path.startswith(API_PREFIX):
            continue
        if "GET" not in route.methods:
            continue
        parameters = schema["paths"][route.path]["get"].get("parameters", [])
        operations.append((route.path, sorted(p["name"] for p in parameters if p["in"] == "query")))
    return operations


READ_OPERATIONS = _read_operations()
"""Every GET of the API with the names of its query parameters."""
LISTS = [(path, names) for path, names in READ_OPERATIONS if "{" not in path]
ITEMS = [path for path, _ in READ_OPERATIONS if "{" in path]


def concrete(path: str, item_id: str = "1") -> str:
    """``path`` with every path parameter set to ``item_id``."""
    parts = [item_id if part.startswith("{") else part for part in path.split("/")]
    return "/".join(parts)
