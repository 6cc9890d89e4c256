"""Investigations (the announced further research): seeded from the document, linked and dated, and
written like every collection."""

import re

import pytest

from tests.helpers import assert_problem, etag, items

pytestmark = pytest.mark.asyncio


async def test_the_announced_research_is_seeded_linked_and_dated(client):
    [research] = await items(client, "/api/v1/investigations")
    assert research["status"] == "announced"
    assert research["status_known_on"] == "2021-04-19"
    assert research["conducted_by"] is None  # the parties are not named
    assert research["expected_results_as_stated"] is None
    assert {"Antwoord 4", "Antwoord 6", "Antwoord 7"} <= set(re.findall(r"Antwoord \d", research["source"]))
    [audit] = await items(client, "/api/v1/audits")
    assert research["builds_on_audit_id"] == audit["id"]
    nuctech = (await items(client, "/api/v1/vendors", slug="nuctech"))[0]
    assert research["vendor_ids"] == [nuctech["id"]]
    nuctech_scanners = await items(client, "/api/v1/scanners", vendor="nuctech")
    assert research["scanner_ids"] == sorted(scanner["id"] for scanner in nuctech_scanners)
    assert await items(client, "/api/v1/investigations", vendor="nuctech") == [research]
    assert await items(client, "/api/v1/investigations", status="reported") == []


async def test_investigation_writes_check_dates_references_and_what_refers_to_them(client):
    nuctech = (await items(client, "/api/v1/vendors", slug="nuctech"))[0]
    body = {"title": "Follow-up review", "status": "in_progress", "vendor_ids": [nuctech["id"]]}
    assert_problem(
        await client.post("/api/v1/investigations", json={**body, "status_known_on": "2999-01-01"}),
        422,
        field="status_known_on",
    )
    assert_problem(
        await client.post("/api/v1/investigations", json={**body, "builds_on_audit_id": 99999}),
        422,
        field="builds_on_audit_id",
    )
    assert_problem(await client.post("/api/v1/investigations", json={**body, "status": "done"}), 422, field="status")
    created = await client.post("/api/v1/investigations", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["vendor_ids"] == [nuctech["id"]]
    assert_problem(await client.post("/api/v1/investigations", json=body), 409, "Follow-up review")
    # The vendor and the audit the seeded research names cannot be deleted under it.
    vendor_url = f"/api/v1/vendors/{nuctech['id']}"
    assert_problem(await client.delete(vendor_url, headers={"If-Match": await etag(client, vendor_url)}), 409)
    [research] = await items(client, "/api/v1/investigations", status="announced")
    audit_url = f"/api/v1/audits/{research['builds_on_audit_id']}"
    assert_problem(
        await client.delete(audit_url, headers={"If-Match": await etag(client, audit_url)}), 409, "investigation"
    )
    url = f"/api/v1/investigations/{created.json()['id']}"
    assert (await client.delete(url, headers={"If-Match": await etag(client, url)})).status_code == 204
