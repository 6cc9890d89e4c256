"""The scanners' audit status is maintained on write (a derived table, read through an index) and stays equal
to what the rule computes: after every kind of write that can change it, the present listing (the maintained
values) and the listing as of the same instant (the rule computed over the versions) agree for every scanner,
and the ``audit_status`` filter returns exactly the scanners with that computed status."""

import asyncio

import pytest

pytestmark = pytest.mark.asyncio

STATUSES = ("not_audited", "audit_commissioned", "audit_in_progress", "open_findings", "audited")


async def _scanners(client, **params) -> list[dict]:
    response = await client.get("/api/v1/scanners", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def assert_maintained_equals_computed(client) -> None:
    await asyncio.sleep(0.01)  # the instant read is after the last write's record
    present = {item["id"]: item["audit_status"] for item in await _scanners(client)}
    now = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["recorded_at"]
    computed = {item["id"]: item["audit_status"] for item in await _scanners(client, as_of=now)}
    assert present == computed
    for status in STATUSES:
        filtered = {item["id"] for item in await _scanners(client, audit_status=status)}
        assert filtered == {scanner_id for scanner_id, value in computed.items() if value == status}


async def patch(client, url: str, body: dict):
    etag = (await client.get(url)).headers["etag"]
    response = await client.patch(url, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return response.json()


async def test_every_write_that_changes_a_status_keeps_it_equal_to_the_rule(steward):
    client = steward
    await assert_maintained_equals_computed(client)
    sites = (await client.get("/api/v1/sites")).json()["items"]
    first, second = sites[0], sites[1]

    # An audit scoped to one site (audit side), then a scanner created there and one moved away (scanner side).
    audit = await client.post(
        "/api/v1/audits",
        json={
            "title": "Site audit",
            "covers_all_scanners": False,
            "site_ids": [second["id"]],
            "status": "commissioned",
        },
    )
    assert audit.status_code == 201, audit.text
    audit_url = f"/api/v1/audits/{audit.json()['id']}"
    await assert_maintained_equals_computed(client)
    created = await client.post(
        "/api/v1/scanners",
        json={"asset_tag": "MAINTAINED-1", "site_id": second["id"], "network_mode": "standalone", "use": "baggage"},
    )
    assert created.status_code == 201, created.text
    await assert_maintained_equals_computed(client)
    mover = next(item for item in await _scanners(client, site=str(first["id"])))
    await patch(client, f"/api/v1/scanners/{mover['id']}", {"site_id": second["id"]})
    await assert_maintained_equals_computed(client)

    # The audit moves on; a finding opens on one scanner, then is resolved and deleted.
    await patch(client, audit_url, {"status": "in_progress"})
    await assert_maintained_equals_computed(client)
    finding = await client.post(
        "/api/v1/findings",
        json={"audit_id": audit.json()["id"], "severity": "high", "title": "Open port", "scanner_ids": [mover["id"]]},
    )
    assert finding.status_code == 201, finding.text
    assert (await client.get(f"/api/v1/scanners/{mover['id']}")).json()["audit_status"] == "open_findings"
    await assert_maintained_equals_computed(client)
    finding_url = f"/api/v1/findings/{finding.json()['id']}"
    await patch(client, finding_url, {"status": "resolved"})
    await assert_maintained_equals_computed(client)
    etag = (await client.get(finding_url)).headers["etag"]
    assert (await client.delete(finding_url, headers={"If-Match": etag})).status_code == 204

    # The scope widens to every scanner; a scanner is deleted and restored.
    await patch(client, audit_url, {"covers_all_scanners": True})
    await assert_maintained_equals_computed(client)
    scanner_url = f"/api/v1/scanners/{created.json()['id']}"
    etag = (await client.get(scanner_url)).headers["etag"]
    assert (await client.delete(scanner_url, headers={"If-Match": etag})).status_code == 204
    await assert_maintained_equals_computed(client)
    assert (await client.post(f"{scanner_url}/restore")).status_code == 201
    assert (await client.get(scanner_url)).json()["audit_status"] == "audit_in_progress"
    await assert_maintained_equals_computed(client)


async def test_the_status_filter_reads_the_maintained_index(app, client):
    """The filter is answered from the derived table's index, not by computing the rule for every scanner."""
    reads = app.state.reads
    statements: list[str] = []
    fetch = reads.fetch

    async def recording(sql, *args, **kwargs):
        statements.append(sql)
        return await fetch(sql, *args, **kwargs)

    reads.fetch = recording
    try:
        response = await client.get("/api/v1/scanners", params={"audit_status": "audit_commissioned"})
    finally:
        reads.fetch = fetch
    assert response.status_code == 200
    (sql,) = [statement for statement in statements if "sas.audit_status =" in statement]
    assert "scanner.id IN (SELECT sas.scanner_id FROM scanner_audit_status sas WHERE sas.audit_status" in sql
    assert "CASE WHEN" not in sql


async def test_a_write_answers_with_the_status_it_leads_to(steward):
    """A write's own response is read before the maintenance runs (as the transaction commits): it carries
    the status the rule gives, the one a GET then returns."""
    client = steward
    sites = (await client.get("/api/v1/sites")).json()["items"]
    audit = await client.post(
        "/api/v1/audits",
        json={
            "title": "Second site",
            "covers_all_scanners": False,
            "site_ids": [sites[1]["id"]],
            "status": "commissioned",
        },
    )
    assert audit.status_code == 201, audit.text
    created = await client.post(
        "/api/v1/scanners",
        json={"asset_tag": "RESPONSE-1", "site_id": sites[0]["id"], "network_mode": "standalone", "use": "baggage"},
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/scanners/{created.json()['id']}"
    assert created.json()["audit_status"] == (await client.get(url)).json()["audit_status"]
    moved = await patch(client, url, {"site_id": sites[1]["id"]})
    assert moved["audit_status"] == "audit_commissioned"
    assert (await client.get(url)).json()["audit_status"] == "audit_commissioned"
