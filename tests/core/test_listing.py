"""Pagination, sorting and the errors of every listing parameter."""

import pytest

from tests.helpers import all_items, assert_problem

pytestmark = pytest.mark.asyncio


async def test_pages_follow_link_header_and_cover_everything_once(client):
    everything = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    seen, url = [], "/api/v1/scanners?limit=4&sort=-asset_tag"
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        seen += response.json()["items"]
        link = response.headers.get("link")
        if response.json()["next_cursor"]:
            assert link
            assert link.endswith('rel="next"')
            url = link[1 : link.index(">")]
        else:
            assert link is None
            url = None
    assert len(seen) == len(everything) == 13
    assert [s["asset_tag"] for s in seen] == sorted((s["asset_tag"] for s in everything), reverse=True)


@pytest.mark.parametrize(
    "sort", ["status,-asset_tag", "-use,id", "network_mode,-id", "-created_at", "updated_at,asset_tag"]
)
async def test_every_sort_order_pages_without_gaps_or_repeats(client, sort):
    one_page = (await client.get("/api/v1/scanners", params={"limit": 500, "sort": sort})).json()["items"]
    paged = await all_items(client, f"/api/v1/scanners?limit=3&sort={sort}")
    assert [s["id"] for s in paged] == [s["id"] for s in one_page]


async def test_sort_orders_are_applied(client):
    items = (await client.get("/api/v1/scanners", params={"sort": "-network_mode,asset_tag"})).json()["items"]
    modes = [s["network_mode"] for s in items]
    assert modes == sorted(modes, reverse=True)
    standalone = [s["asset_tag"] for s in items if s["network_mode"] == "standalone"]
    assert standalone == sorted(standalone)


@pytest.mark.parametrize("limit", ["0", "501", "-1"])
async def test_limit_out_of_range_is_a_422_naming_the_bound(client, limit):
    body = assert_problem(await client.get("/api/v1/scanners", params={"limit": limit}), 422, field="limit")
    assert body["errors"][0]["field"] == "limit"
    assert ("500" if limit == "501" else "1") in body["detail"]


async def test_non_numeric_limit_is_a_422(client):
    assert_problem(await client.get("/api/v1/sites", params={"limit": "ten"}), 422, field="limit")


@pytest.mark.parametrize(
    "cursor", ["garbage", "a.b", "....", "WyJzY2FubmVycyIsImlkIixbMl1d.AAAAAAAAAAAAAAAAAAAAAAAA", "x" * 2000]
)
async def test_garbage_cursor_is_a_400_problem(client, cursor):
    assert_problem(await client.get("/api/v1/scanners", params={"cursor": cursor}), 400, "cursor")


@pytest.mark.parametrize("cursor", ["é", "a b", "a/b+c", "\u0661\u0662"])
async def test_a_cursor_outside_the_declared_alphabet_is_a_422(client, cursor):
    """The contract states a cursor's alphabet (base64url), so a fuzzer's schema-valid cursor is never a 422."""
    assert_problem(await client.get("/api/v1/scanners", params={"cursor": cursor}), 422, field="cursor")


async def test_cursor_from_another_collection_or_sort_is_refused(client):
    sites_cursor = (await client.get("/api/v1/sites", params={"limit": 1})).json()["next_cursor"]
    assert_problem(await client.get("/api/v1/scanners", params={"cursor": sites_cursor}), 400, "sites")
    cursor = (await client.get("/api/v1/scanners", params={"limit": 1, "sort": "asset_tag"})).json()["next_cursor"]
    assert_problem(await client.get("/api/v1/scanners", params={"cursor": cursor, "sort": "-asset_tag"}), 400, "sort")


async def test_tampered_cursor_is_refused(client):
    cursor = (await client.get("/api/v1/scanners", params={"limit": 1})).json()["next_cursor"]
    payload, signature = cursor.split(".")
    tampered = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + signature
    assert_problem(await client.get("/api/v1/scanners", params={"cursor": tampered}), 400, "cursor")


@pytest.mark.parametrize("sort", ["foo", "-foo", "asset_tag,foo", "", "asset_tag,asset_tag", "-"])
async def test_unknown_or_repeated_sort_field_is_a_422(client, sort):
    response = await client.get("/api/v1/scanners", params={"sort": sort})
    # An empty sort= is none of the documented orders either (leave the parameter out for the default).
    assert_problem(response, 422, "sort" if sort != "asset_tag,asset_tag" else "twice", field="sort")


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/scanners?status=broken", "status"),
        ("/api/v1/scanners?network_mode=wifi", "network_mode"),
        ("/api/v1/scanners?use=people", "use"),
        ("/api/v1/sites?kind=moon", "kind"),
        ("/api/v1/scanners?vendor_disclosed=perhaps", "vendor_disclosed"),
    ],
)
async def test_unknown_enum_value_is_a_422_naming_the_field(client, url, field):
    body = assert_problem(await client.get(url), 422, field=field)
    assert body["errors"][0]["field"] == field


async def test_unknown_query_parameter_is_a_422(client):
    body = assert_problem(await client.get("/api/v1/scanners?vendr=nuctech"), 422, field="vendr")
    assert body["errors"] == [
        {"location": "query", "field": "vendr", "message": "unknown parameter", "type": "extra_forbidden"}
    ]


async def test_unknown_path_and_method_are_problems(client):
    assert_problem(await client.get("/api/v1/nothing-here"), 404)
    assert_problem(await client.put("/api/v1/sites"), 405, "PUT")
    assert_problem(await client.get("/api/v1/sites/abc"), 422, field="site_id")
