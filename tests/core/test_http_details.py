"""HTTP semantics on every route: Allow on 405, HEAD, strong If-Match, 415, repeated parameters."""

from collections import defaultdict

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.api import API_PREFIX
from app.main import create_app
from tests.helpers import LISTS, assert_problem, concrete


def _routes() -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    methods: dict[str, set[str]] = defaultdict(set)
    with_body = []
    for route in iter_route_contexts(create_app().routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith(API_PREFIX):
            methods[route.path] |= set(route.methods)
            if route.original_route.body_field is not None:
                with_body += [(method, route.path) for method in sorted(route.methods)]
    return dict(methods), with_body


METHODS_BY_PATH, BODY_OPERATIONS = _routes()
GET_PATHS = sorted(path for path, methods in METHODS_BY_PATH.items() if "GET" in methods)


def test_the_route_table_has_paths_shared_by_several_routes():
    assert any(len(methods) >= 3 for methods in METHODS_BY_PATH.values())
    assert len(BODY_OPERATIONS) >= 20
    assert len(GET_PATHS) >= 25


async def test_a_405_allows_every_method_of_the_path(admin):
    for path, declared in sorted(METHODS_BY_PATH.items()):
        expected = declared | ({"HEAD"} if "GET" in declared else set())
        refused = next(method for method in ("PUT", "PATCH", "DELETE", "POST", "GET") if method not in declared)
        url = concrete(path)
        response = await admin.request(refused, url, content=b"{}", headers={"content-type": "application/json"})
        assert_problem(response, 405, refused)
        assert {method.strip() for method in response.headers["allow"].split(",")} == expected, path


async def test_head_answers_as_get_without_a_body(admin):
    for path in GET_PATHS:
        url = concrete(path)
        # A first GET settles what a read may advance (the change log's verification checkpoint).
        await admin.get(url)
        got = await admin.get(url)
        head = await admin.head(url)
        assert (head.status_code, head.content) == (got.status_code, b""), path
        for name in ("content-type", "content-length", "etag", "link"):
            assert head.headers.get(name) == got.headers.get(name), (path, name)


@pytest.mark.parametrize(
    ("collection", "resource", "change"),
    [
        ("scanners", "scanner", {"notes": "weak"}),
        ("sites", "site", {"name": "Weak"}),
        ("vendor-restrictions", "vendor-restriction", {"description": "weak"}),
    ],
)
async def test_a_weak_if_match_never_matches(admin, collection, resource, change):
    item = (await admin.get(f"/api/v1/{collection}")).json()["items"][0]
    weak = f'W/"{resource}-{item["id"]}-v{item["version"]}"'
    url = f"/api/v1/{collection}/{item['id']}"
    assert_problem(await admin.patch(url, json=change, headers={"If-Match": weak}), 412)
    assert_problem(await admin.delete(url, headers={"If-Match": weak}), 412)
    assert (await admin.get(url)).json() == item
    other_digits = f'"{resource}-{item["id"]}-v\u0661"'
    assert_problem(await admin.delete(url, headers={"If-Match": other_digits.encode()}), 412)


async def test_a_body_that_is_not_declared_json_is_a_415(admin):
    for method, path in BODY_OPERATIONS:
        for content_type in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            request = admin.build_request(method, concrete(path), content=b"{}")
            request.headers.pop("content-type", None)
            if content_type is not None:
                request.headers["content-type"] = content_type
            response = await admin.send(request)
            assert response.status_code == 415, (method, path, content_type, response.text)
            assert_problem(response, 415, "application/json", type="unsupported-media-type")


async def test_json_media_types_with_parameters_or_suffixes_are_accepted(admin):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json", "Application/JSON"):
        body = b'{"code": "eemshaven-%d", "name": "Eemshaven", "kind": "seaport"}' % len(content_type)
        response = await admin.post("/api/v1/sites", content=body, headers={"content-type": content_type})
        assert response.status_code == 201, (content_type, response.text)


async def test_a_repeated_query_parameter_is_a_422_naming_it(admin):
    for path, names in LISTS:
        for name in names:
            response = await admin.get(f"{path}?{name}=1&{name}=2")
            assert response.status_code == 422, (path, name)
            problem = assert_problem(response, 422, field=name)
            assert [error["field"] for error in problem["errors"]] == [name]
