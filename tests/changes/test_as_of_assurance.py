"""Point-in-time (as_of) reads of the assurance collections: audits, findings, procurements, vendor
assessments, supplier-access facts, access overrides, mitigation measures, operators and investigations.

Each collection gets two items of its own before the instant T; after T one is changed (its fields and its
links), the other deleted, and a third created. At T every list and item answers as before, links and
derived fields included, filters select by the state at T, cursors walk it and are bound to it, and the
item created later is a 404 naming the instant.

The exposure and summary reports (JSON and CSV) at T answer as they did at T after a scanner, a finding, a
measure and a fact change; at the document's date the audit information is 0 days old. At the present
instant every filter and sort answers as the present read does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.factories import add_what_the_seed_lacks
from tests.helpers import assert_problem, etag, last_instant

pytestmark = pytest.mark.asyncio

COLLECTIONS = (
    "audits",
    "findings",
    "procurements",
    "vendor-assessments",
    "supplier-access-facts",
    "access-overrides",
    "mitigation-measures",
    "operators",
    "investigations",
)


async def listed(client, collection: str, **params) -> list[dict]:
    response = await client.get(f"/api/v1/{collection}", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


async def walked(client, collection: str, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = await client.get(
            f"/api/v1/{collection}", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return items


class World:
    """The ids the bodies refer to."""

    def __init__(self, scanners: list[int], vendor: int, site: int, audit: int) -> None:
        self.scanners, self.vendor, self.site, self.audit = scanners, vendor, site, audit

    def create(self, collection: str, n: int) -> dict[str, Any]:
        s = self.scanners
        return {
            "audits": {"title": f"As-of audit {n}", "scanner_ids": [s[0]], "site_ids": [self.site]},
            "findings": {
                "audit_id": self.audit,
                "severity": "low",
                "title": f"As-of finding {n}",
                "scanner_ids": [s[0]],
            },
            "procurements": {"vendor_id": self.vendor, "title": f"As-of procurement {n}", "scanner_ids": [s[0]]},
            "vendor-assessments": {
                "vendor_id": self.vendor,
                "criterion_1": "unknown",
                "criterion_1_rationale": "Not known.",
                "criterion_2": "unknown",
                "criterion_2_rationale": "Not known.",
                "assessed_on": f"2030-01-0{n + 1}",
                "assessor": f"Assessor {n}",
            },
            "supplier-access-facts": {
                "scanner_id": s[n],
                "aspect": "remote_maintenance",
                "answer": "unknown",
                "source": "as-of test",
            },
            "access-overrides": {"scanner_id": s[n], "criterion_3a": "unknown", "reason": "as-of test"},
            "mitigation-measures": {"scanner_id": s[0], "title": f"As-of measure {n}"},
            "operators": {
                "code": f"as-of-{n}",
                "name": f"As-of operator {n}",
                "kind": "sector",
                "site_ids": [self.site],
                "scanner_ids": [s[0]],
            },
            "investigations": {
                "title": f"As-of investigation {n}",
                "vendor_ids": [self.vendor],
                "scanner_ids": [s[0]],
            },
        }[collection]

    def change(self, collection: str) -> dict[str, Any]:
        s = self.scanners
        return {
            "audits": {"title": "As-of audit renamed", "status": "in_progress", "scanner_ids": [s[1]], "site_ids": []},
            "findings": {"title": "As-of finding renamed", "scanner_ids": [s[1]]},
            "procurements": {"title": "As-of procurement renamed", "scanner_ids": [s[1]]},
            "vendor-assessments": {"assessor": "Renamed assessor", "assessed_on": "2020-01-01"},
            "supplier-access-facts": {"answer": "yes"},
            "access-overrides": {"criterion_3a": "yes"},
            "mitigation-measures": {"title": "As-of measure renamed", "status": "implemented"},
            "operators": {"name": "As-of operator renamed", "site_ids": [], "scanner_ids": [s[1]]},
            "investigations": {"title": "As-of investigation renamed", "vendor_ids": [], "scanner_ids": [s[1]]},
        }[collection]

    def filters(self, collection: str) -> tuple[dict[str, Any], Callable[[dict], bool]]:
        """A filter whose answer the changes after T alter, and what it keeps of an item."""
        s = self.scanners
        return {
            "audits": ({"status": "commissioned"}, lambda i: i["status"] == "commissioned"),
            "findings": ({"scanner": s[0]}, lambda i: s[0] in i["scanner_ids"]),
            "procurements": ({"scanner": s[0]}, lambda i: s[0] in i["scanner_ids"]),
            "vendor-assessments": ({"current": "true"}, lambda i: i["current"]),
            "supplier-access-facts": ({"answer": "unknown"}, lambda i: i["answer"] == "unknown"),
            "access-overrides": ({"scanner": s[0]}, lambda i: i["scanner_id"] == s[0]),
            "mitigation-measures": ({"status": "planned"}, lambda i: i["status"] == "planned"),
            "operators": ({"scanner": s[0]}, lambda i: s[0] in i["scanner_ids"]),
            "investigations": ({"scanner": s[0]}, lambda i: s[0] in i["scanner_ids"]),
        }[collection]


async def _world(client) -> World:
    scanners = [item["id"] for item in (await client.get("/api/v1/scanners", params={"limit": 3})).json()["items"]]
    vendor = (await client.get("/api/v1/vendors", params={"limit": 1})).json()["items"][0]["id"]
    site = (await client.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]["id"]
    audit = await client.post("/api/v1/audits", json={"title": "As-of base audit", "covers_all_scanners": True})
    assert audit.status_code == 201, audit.text
    return World(scanners, vendor, site, audit.json()["id"])


async def _create(client, collection: str, body: dict) -> dict:
    response = await client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 201, f"{collection}: {response.text}"
    return response.json()


async def test_as_of_shows_each_assurance_collection_as_it_stood(steward):
    client = steward  # covered writes apply at once (admin, with a reason)
    world = await _world(client)
    kept, doomed = {}, {}
    for collection in COLLECTIONS:
        kept[collection] = await _create(client, collection, world.create(collection, 0))
        doomed[collection] = await _create(client, collection, world.create(collection, 1))
    # An override's derived consideration rests on the facts: they change after T too.
    at = await last_instant(client)
    before = {collection: await listed(client, collection) for collection in COLLECTIONS}
    items_before = {
        collection: (await client.get(f"/api/v1/{collection}/{kept[collection]['id']}")).json()
        for collection in COLLECTIONS
    }

    newcomers = {}
    for collection in COLLECTIONS:
        url = f"/api/v1/{collection}/{kept[collection]['id']}"
        response = await client.patch(url, json=world.change(collection), headers={"If-Match": await etag(client, url)})
        assert response.status_code == 200, f"{collection}: {response.text}"
        url = f"/api/v1/{collection}/{doomed[collection]['id']}"
        response = await client.delete(url, headers={"If-Match": await etag(client, url)})
        assert response.status_code == 204, f"{collection}: {response.text}"
        newcomers[collection] = await _create(client, collection, world.create(collection, 2))

    for collection in COLLECTIONS:
        present = await listed(client, collection)
        assert present != before[collection], collection
        assert await listed(client, collection, as_of=at) == before[collection], collection
        # The item as it stood, links and derived fields included; the deleted one still there then.
        response = await client.get(f"/api/v1/{collection}/{kept[collection]['id']}", params={"as_of": at})
        assert response.status_code == 200, f"{collection}: {response.text}"
        assert response.json() == items_before[collection], collection
        gone = await client.get(f"/api/v1/{collection}/{doomed[collection]['id']}", params={"as_of": at})
        assert gone.status_code == 200, f"{collection}: {gone.text}"
        assert gone.json() == next(item for item in before[collection] if item["id"] == doomed[collection]["id"])
        assert_problem(await client.get(f"/api/v1/{collection}/{doomed[collection]['id']}"), 404)
        problem = assert_problem(
            await client.get(f"/api/v1/{collection}/{newcomers[collection]['id']}", params={"as_of": at}),
            404,
            "existed",
        )
        assert at in problem["detail"], collection
        # Filters select by the state at T; a page of one walks it with cursors bound to T.
        params, keeps = world.filters(collection)
        expected = [item for item in before[collection] if keeps(item)]
        assert expected, collection
        assert await listed(client, collection, as_of=at, **params) == expected, collection
        assert await listed(client, collection, **params) != expected, collection
        assert await walked(client, collection, as_of=at, limit=1) == before[collection], collection
        first = (await client.get(f"/api/v1/{collection}", params={"as_of": at, "limit": 1})).json()
        assert_problem(await client.get(f"/api/v1/{collection}", params={"cursor": first["next_cursor"]}), 400)

    # Exports read the same listing at T: every item as the JSON list showed it, as JSON Lines.
    for collection in ("audits", "operators"):
        response = await client.get(
            f"/api/v1/{collection}", params={"as_of": at}, headers={"Accept": "application/x-ndjson"}
        )
        assert response.status_code == 200, response.text
        assert [orjson.loads(line) for line in response.text.splitlines()] == before[collection], collection
        response = await client.get(f"/api/v1/{collection}", params={"as_of": at}, headers={"Accept": "text/csv"})
        assert response.status_code == 200
        assert len(response.text.splitlines()) == len(before[collection]) + 1

    # Links as they stood: the changed items named the first scanner at T and the second now.
    s0, s1 = world.scanners[:2]
    for collection in ("audits", "findings", "procurements", "operators", "investigations"):
        past = (await client.get(f"/api/v1/{collection}/{kept[collection]['id']}", params={"as_of": at})).json()
        now = (await client.get(f"/api/v1/{collection}/{kept[collection]['id']}")).json()
        assert (past["scanner_ids"], now["scanner_ids"]) == ([s0], [s1]), collection
    audit = (await client.get(f"/api/v1/audits/{kept['audits']['id']}", params={"as_of": at})).json()
    assert audit["site_ids"] == [world.site]
    assert audit["allowed_next_status"] == ["in_progress"]
    operator = (await client.get(f"/api/v1/operators/{kept['operators']['id']}", params={"as_of": at})).json()
    assert operator["site_ids"] == [world.site]
    investigation = await client.get(f"/api/v1/investigations/{kept['investigations']['id']}", params={"as_of": at})
    assert investigation.json()["vendor_ids"] == [world.vendor]
    # Derived over the past tables: the override's 3a from the fact as it stood (unknown), now yes.
    override = kept["access-overrides"]["id"]
    past = (await client.get(f"/api/v1/access-overrides/{override}", params={"as_of": at})).json()
    now = (await client.get(f"/api/v1/access-overrides/{override}")).json()
    assert (past["derived_criterion_3a"], now["derived_criterion_3a"]) == ("unknown", "yes")
    # The vendor assessment current at T was the newest then; moved back in time, it is not current now.
    assessment = kept["vendor-assessments"]["id"]
    past = (await client.get(f"/api/v1/vendor-assessments/{assessment}", params={"as_of": at})).json()
    assert past["current"] is False  # the doomed one, assessed a day later, was current at T


async def test_as_of_on_the_assurance_collections_is_validated_like_the_inventory(client):
    for collection in COLLECTIONS:
        for url in (f"/api/v1/{collection}", f"/api/v1/{collection}/1"):
            for value in ("2021-04-19T12:00:00", "2999-01-01T00:00:00Z"):
                problem = assert_problem(await client.get(url, params={"as_of": value}), 422, field="as_of")
                assert problem["errors"][0]["field"] == "as_of"
        assert await listed(client, collection, as_of="2021-04-18T00:00:00Z") == [], collection


async def test_the_seeded_assurance_is_as_of_the_documents_date(client):
    for collection in ("audits", "procurements", "vendor-assessments", "operators", "investigations"):
        present = await listed(client, collection)
        assert present, collection
        assert await listed(client, collection, as_of="2021-04-19T12:00:00Z") == present, collection
        item = present[0]
        problem = assert_problem(
            await client.get(f"/api/v1/{collection}/{item['id']}", params={"as_of": "2021-04-18T00:00:00Z"}), 404
        )
        assert "2021-04-18T00:00:00.000000Z" in problem["detail"], collection


# Reports as of an instant -------------------------------------------------------------------------


async def _report(client, path: str, **params) -> dict:
    response = await client.get(
        f"/api/v1/reports/{path}", params={"limit": 500, **params} if path == "exposure" else params
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _csv(client, path: str, **params) -> str:
    response = await client.get(f"/api/v1/reports/{path}.csv", params=params)
    assert response.status_code == 200, response.text
    return response.text


async def test_the_exposure_and_summary_reports_as_of_an_instant(steward):
    client = steward  # covered writes apply at once (admin, with a reason)
    # Now, not the last change (the seed's, in 2021): the information's age at T is today's.
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    exposure, summary = await _report(client, "exposure"), await _report(client, "summary")
    exposure_csv, summary_csv = await _csv(client, "exposure"), await _csv(client, "summary")
    elevated = await _report(client, "exposure", risk_tier="elevated")

    # After T: a fibre-linked scanner is taken off its network, another gets an open finding, a third a verified
    # mitigation measure and a supplier-access fact.
    linked = next(row for row in exposure["items"] if row["asset_tag"] == "RTM-CS-01")
    url = f"/api/v1/scanners/{linked['scanner_id']}"
    response = await client.patch(
        url, json={"network_mode": "standalone", "network_id": None}, headers={"If-Match": await etag(client, url)}
    )
    assert response.status_code == 200, response.text
    audit = (await client.get("/api/v1/audits", params={"limit": 1})).json()["items"][0]
    found = next(row for row in exposure["items"] if row["asset_tag"] == "RTM-CS-05")
    body = {
        "audit_id": audit["id"],
        "severity": "high",
        "title": "As-of report finding",
        "scanner_ids": [found["scanner_id"]],
    }
    await _create(client, "findings", body)
    mitigated = next(row for row in exposure["items"] if row["asset_tag"] == "RTM-CS-02")["scanner_id"]
    await _create(client, "mitigation-measures", {"scanner_id": mitigated, "title": "Isolated", "status": "verified"})
    await _create(
        client,
        "supplier-access-facts",
        {"scanner_id": mitigated, "aspect": "remote_maintenance", "answer": "no", "source": "as-of test"},
    )

    now = await _report(client, "exposure")
    assert now != exposure
    row_now = next(row for row in now["items"] if row["scanner_id"] == linked["scanner_id"])
    assert (row_now["network_mode"], linked["network_mode"]) == ("standalone", "fibre_linked")
    # At T every row is as it was: the scanner's old network, the finding and the measure not yet there.
    assert await _report(client, "exposure", as_of=at) == exposure
    assert await _report(client, "summary", as_of=at) == summary
    assert await _report(client, "summary") != summary
    assert await _csv(client, "exposure", as_of=at) == exposure_csv
    assert await _csv(client, "summary", as_of=at) == summary_csv
    # Filters and the sort read the state at T; a page of five walks it, its cursor bound to T.
    assert await _report(client, "exposure", as_of=at, risk_tier="elevated") == elevated
    assert await _report(client, "exposure", risk_tier="elevated") != elevated
    walked_rows, cursor = [], None
    while True:
        params = {"as_of": at, "limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/reports/exposure", params=params)).json()
        walked_rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert_problem(await client.get("/api/v1/reports/exposure", params={"cursor": cursor, "limit": 5}), 400)
    assert walked_rows == exposure["items"]
    by_tag = await _report(client, "exposure", as_of=at, sort="asset_tag")
    assert [row["asset_tag"] for row in by_tag["items"]] == sorted(row["asset_tag"] for row in exposure["items"])


async def test_reports_as_of_the_documents_date_count_the_information_age_to_that_day(client):
    seeded = await _report(client, "exposure", as_of="2021-04-19T12:00:00Z")
    assert len(seeded["items"]) == 13
    assert {row["audit_information_age_days"] for row in seeded["items"]} == {0}
    assert all("(0 days ago)" in " ".join(row["reasons"]) for row in seeded["items"])
    before = "2021-04-18T00:00:00Z"
    assert (await _report(client, "exposure", as_of=before))["items"] == []
    empty = await _report(client, "summary", as_of=before)
    assert (empty["items"], empty["meta"]["groups"], empty["meta"]["totals_by_network_mode"]) == ([], 0, [])
    # The overdue reports judge the present records on the day `on` names: an as_of there is an unknown parameter.
    for path in ("overdue/findings", "overdue/audits", "overdue/assessments"):
        url = f"/api/v1/reports/{path}"
        assert_problem(await client.get(url, params={"as_of": "2021-04-19T12:00:00Z"}), 422, field="as_of")
    for path in ("exposure", "summary", "exposure.csv", "summary.csv"):
        for value in ("2021-04-19T12:00:00", "2999-01-01T00:00:00Z"):
            problem = assert_problem(
                await client.get(f"/api/v1/reports/{path}", params={"as_of": value}), 422, field="as_of"
            )
            assert problem["errors"][0]["field"] == "as_of", path


FILTERS = {
    "audits": [{"status": "commissioned"}, {"scanner": 1}, {"site": "maasvlakte"}, {"site": "1"}],
    "findings": [{"audit": 1}, {"status": "open"}, {"severity": "low"}, {"scanner": 1}],
    "procurements": [{"vendor": "nuctech"}, {"scanner": 1}, {"national_security_quickscan": "unknown"}],
    "vendor-assessments": [{"vendor": "nuctech"}, {"current": "true"}, {"current": "false"}],
    "supplier-access-facts": [{"scanner": 1}, {"aspect": "remote_maintenance"}, {"answer": "unknown"}],
    "access-overrides": [{"scanner": 1}],
    "mitigation-measures": [{"scanner": 1}, {"status": "planned"}],
    "operators": [
        {"kind": "customs"},
        {"code": "customs"},
        {"uses_nuctech": "yes"},
        {"scan_direction": "unknown"},
        {"site": "maasvlakte"},
        {"scanner": 1},
    ],
    "investigations": [{"status": "announced"}, {"vendor": "nuctech"}, {"scanner": 1}],
}


async def test_as_of_now_answers_every_filter_and_sort_as_the_present_does(client, admin, monkeypatch):
    await add_what_the_seed_lacks(admin, monkeypatch, each=2)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for collection, filters in FILTERS.items():
        for params in [{}, *filters]:
            assert await listed(client, collection, as_of=at, **params) == await listed(client, collection, **params), (
                collection,
                params,
            )
    for collection, listing in _listings().items():
        for key in listing.sort_fields:
            for sort in (key, f"-{key}"):
                present = await listed(client, collection, sort=sort)
                assert await listed(client, collection, as_of=at, sort=sort) == present, (collection, sort)
    for params in ({}, {"site": "maasvlakte"}, {"vendor": "nuctech"}, {"risk_tier": "high"}, {"sort": "asset_tag"}):
        assert await _report(client, "exposure", as_of=at, **params) == await _report(client, "exposure", **params)
    for params in ({}, {"site": "schiphol"}, {"vendor": "nuctech"}, {"network_mode": "standalone"}):
        assert await _report(client, "summary", as_of=at, **params) == await _report(client, "summary", **params)


def _listings() -> dict:
    from app.assessments import service as assessments
    from app.audits import service as audits
    from app.investigations import service as investigations
    from app.operators import service as operators
    from app.procurements import service as procurements

    return {
        "audits": audits.AUDITS,
        "findings": audits.FINDINGS,
        "procurements": procurements.PROCUREMENTS,
        "vendor-assessments": assessments.ASSESSMENTS,
        "supplier-access-facts": assessments.FACTS,
        "access-overrides": assessments.OVERRIDES,
        "mitigation-measures": assessments.MEASURES,
        "operators": operators.OPERATORS,
        "investigations": investigations.INVESTIGATIONS,
    }
