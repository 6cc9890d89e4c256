"""Operators (who operates scanners and sites), and what operators, sites and investigations quote from
the document: seeded with citations and verbatim quotes, and written like every collection."""

import re
from pathlib import Path

import pytest

from tests.helpers import assert_problem, etag, items

pytestmark = pytest.mark.asyncio

DOCUMENT_NAME = "kamervragen-nuctech-douanescanners-2021.txt"
SEED_SOURCE = Path(__file__).resolve().parents[2] / "seed" / "source"
CITATION = "Aanhangsel Handelingen II 2020-2021, nr. 1778"


def _normalised(text: str) -> str:
    """The document's text with line-break hyphenation joined and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"-\s*\n\s*", "", text)).strip()


def _document_text() -> str:
    """The source document as the repository keeps it beside the seed file."""
    return _normalised((SEED_SOURCE / DOCUMENT_NAME).read_text(encoding="utf-8"))


async def test_the_document_operators_are_seeded_with_citations(client):
    operators = {item["code"]: item for item in await items(client, "/api/v1/operators")}
    assert set(operators) == {"douane", "other-institutions-and-sectors"}
    customs = operators["douane"]
    assert (customs["kind"], customs["uses_nuctech"]) == ("customs", "yes")
    assert customs["source"].startswith(CITATION)
    assert "Antwoord 2" in customs["source"]
    scanners = await items(client, "/api/v1/scanners")
    sites = await items(client, "/api/v1/sites")
    assert customs["scanner_ids"] == sorted(scanner["id"] for scanner in scanners)
    assert customs["site_ids"] == sorted(site["id"] for site in sites)
    others = operators["other-institutions-and-sectors"]
    assert (others["kind"], others["uses_nuctech"]) == ("unknown", "unknown")
    assert others["site_ids"] == []
    assert others["scanner_ids"] == []
    assert "geen totaaloverzicht" in others["as_stated"]
    assert "Vraag 3" in others["source"]
    by_site = await items(client, "/api/v1/operators", site="schiphol")
    assert [item["code"] for item in by_site] == ["douane"]
    assert [item["code"] for item in await items(client, "/api/v1/operators", kind="unknown")] == [
        "other-institutions-and-sectors"
    ]


async def test_every_as_stated_field_quotes_the_document_verbatim(client):
    document = _document_text()
    quoted = []
    for item in await items(client, "/api/v1/operators"):
        quoted += [item["as_stated"], item["responsible_as_stated"], item["scan_direction_as_stated"]]
    for item in await items(client, "/api/v1/sites"):
        quoted.append(item["scanner_list_as_stated"])
    for item in await items(client, "/api/v1/investigations"):
        quoted += [item["conducted_by_as_stated"], item["scope_as_stated"], item["expected_results_as_stated"]]
    quoted = [text for text in quoted if text]
    assert len(quoted) >= 10
    for text in quoted:
        assert _normalised(text) in document, text


async def test_operator_writes_check_references_versions_and_keys(client):
    site = (await items(client, "/api/v1/sites", code="schiphol"))[0]
    created = await client.post(
        "/api/v1/operators",
        json={"code": "kmar", "name": "Royal Marechaussee", "kind": "government_body", "site_ids": [site["id"]]},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["uses_nuctech"] == "unknown"
    assert body["site_ids"] == [site["id"]]
    assert body["scanner_ids"] == []
    url = f"/api/v1/operators/{body['id']}"
    assert created.headers["etag"] == f'"operator-{body["id"]}-v1"'
    assert_problem(
        await client.post("/api/v1/operators", json={"code": "kmar", "name": "x", "kind": "sector"}), 409, "kmar"
    )
    assert_problem(
        await client.post(
            "/api/v1/operators", json={"code": "x", "name": "x", "kind": "sector", "scanner_ids": [99999]}
        ),
        422,
        field="scanner_ids",
    )
    assert_problem(
        await client.post("/api/v1/operators", json={"code": "x", "name": "x", "kind": "army"}), 422, field="kind"
    )
    assert_problem(await client.patch(url, json={"name": "y"}), 428, "If-Match")
    patched = await client.patch(url, json={"site_ids": []}, headers={"If-Match": await etag(client, url)})
    assert patched.status_code == 200
    assert patched.json()["site_ids"] == []
    assert patched.json()["version"] == 2
    # A site an operator names cannot be deleted.
    await client.patch(url, json={"site_ids": [site["id"]]}, headers={"If-Match": await etag(client, url)})
    site_url = f"/api/v1/sites/{site['id']}"
    assert_problem(await client.delete(site_url, headers={"If-Match": await etag(client, site_url)}), 409)
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
    history = (await client.get(f"{url}/history")).json()["items"]
    assert [change["action"] for change in history] == ["create", "update", "update", "delete"]
    assert_problem(await client.get(url), 404, str(body["id"]))
    assert_problem(await client.get("/api/v1/operators", params={"uses_nuctech": "maybe"}), 422, field="uses_nuctech")


async def test_operators_and_investigations_export_like_every_list(client):
    csv = await client.get("/api/v1/operators", headers={"Accept": "text/csv"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("id,code,name,kind")
    lines = (await client.get("/api/v1/investigations", headers={"Accept": "application/x-ndjson"})).text.splitlines()
    assert len(lines) == 1
    assert '"status":"announced"' in lines[0]


async def test_readers_may_read_and_not_write(tokens, anonymous):
    reader = {"Authorization": f"Bearer {tokens['reader']}"}
    assert (await anonymous.get("/api/v1/operators", headers=reader)).status_code == 200
    assert_problem(await anonymous.post("/api/v1/investigations", json={"title": "x"}, headers=reader), 403)
    assert_problem(await anonymous.get("/api/v1/investigations"), 401)


async def test_deleting_a_scanner_takes_it_off_its_operators_list(client):
    scanner = (await items(client, "/api/v1/scanners", site="maasvlakte", vendor_disclosed="false"))[0]
    url = f"/api/v1/scanners/{scanner['id']}"
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
    [customs] = await items(client, "/api/v1/operators", code="douane")
    assert scanner["id"] not in customs["scanner_ids"]
    assert len(customs["scanner_ids"]) == 12
    links = (
        await client.get("/api/v1/changes", params={"object_type": "operator-scanners", "action": "delete"})
    ).json()
    assert [change["before"]["scanner_id"] for change in links["items"]] == [scanner["id"]]
    # A scanner an investigation names stays until it is taken off it.
    nuctech = (await items(client, "/api/v1/scanners", vendor="nuctech"))[0]
    assert_problem(
        await client.delete(
            f"/api/v1/scanners/{nuctech['id']}",
            headers={"If-Match": await etag(client, f"/api/v1/scanners/{nuctech['id']}")},
        ),
        409,
    )


async def test_scan_direction_is_recorded_for_customs_as_a_whole_and_unknown_elsewhere(client):
    customs, others = await items(client, "/api/v1/operators", sort="code")
    assert customs["code"] == "douane"
    assert customs["scan_direction"] == "entering_and_leaving_eu"
    assert "binnenkomen en uitgaan" in customs["scan_direction_as_stated"]
    assert "not per scanner" in customs["notes"]
    assert (others["scan_direction"], others["scan_direction_as_stated"]) == ("unknown", None)
    found = await items(client, "/api/v1/operators", scan_direction="entering_and_leaving_eu")
    assert [operator["code"] for operator in found] == ["douane"]
    assert await items(client, "/api/v1/operators", scan_direction="leaving_eu") == []
    assert_problem(
        await client.get("/api/v1/operators", params={"scan_direction": "outbound"}), 422, field="scan_direction"
    )


async def test_each_site_says_whether_its_scanner_list_is_complete(client):
    sites = {site["code"]: site for site in await items(client, "/api/v1/sites")}
    assert sites["maasvlakte"]["scanner_list"] == "complete"
    assert "zeven grote ladingscanners" in sites["maasvlakte"]["scanner_list_as_stated"]
    maasvlakte_scanners = await items(client, "/api/v1/scanners", site="maasvlakte")
    assert len(maasvlakte_scanners) == 7  # the list the source calls complete is complete here
    partial = ["maastricht-aachen-airport", "postal-sorting-centres", "rotterdam-the-hague-airport", "schiphol"]
    assert sorted(code for code, site in sites.items() if site["scanner_list"] == "partial") == partial
    for code in partial:
        assert re.search(r"waaronder|zoals", sites[code]["scanner_list_as_stated"]), code
    found = await items(client, "/api/v1/sites", scanner_list="complete")
    assert [site["code"] for site in found] == ["maasvlakte"]
    assert_problem(await client.get("/api/v1/sites", params={"scanner_list": "full"}), 422, field="scanner_list")


async def test_scanner_list_and_scan_direction_are_written_like_every_field(client):
    created = await client.post("/api/v1/sites", json={"code": "eemshaven", "name": "Eemshaven", "kind": "seaport"})
    assert created.status_code == 201, created.text
    site = created.json()
    assert (site["scanner_list"], site["scanner_list_as_stated"]) == ("unknown", None)
    url = f"/api/v1/sites/{site['id']}"
    refused = await client.patch(url, json={"scanner_list": "all"}, headers={"If-Match": created.headers["ETag"]})
    assert_problem(refused, 422, field="scanner_list")
    changed = await client.patch(
        url,
        json={"scanner_list": "partial", "scanner_list_as_stated": "onder meer"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["scanner_list"], (await client.get(url)).json()["scanner_list"]) == ("partial", "partial")
    operator = await client.post(
        "/api/v1/operators",
        json={"code": "kmar", "name": "Royal Marechaussee", "kind": "government_body", "scan_direction": "leaving_eu"},
    )
    assert operator.status_code == 201, operator.text
    assert operator.json()["scan_direction"] == "leaving_eu"
    assert_problem(
        await client.post("/api/v1/operators", json={"code": "x", "name": "X", "kind": "sector", "scan_direction": 1}),
        422,
        field="scan_direction",
    )
