"""Vendor risk: considerations 1 and 2 per vendor, 3a per scanner from its deployment (or an override), 3b from
mitigation measures."""

import pytest

from tests.test_audits import patch, scanner_by_tag
from tests.test_listing import assert_problem

pytestmark = pytest.mark.asyncio


async def exposure_of(client, tag: str) -> dict:
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    return next(row for row in rows if row["asset_tag"] == tag)


async def test_the_seeded_nuctech_assessment_cites_the_document(client):
    items = (await client.get("/api/v1/vendor-assessments", params={"vendor": "nuctech"})).json()["items"]
    assert len(items) == 1
    assessment = items[0]
    assert (assessment["criterion_1"], assessment["criterion_2"]) == ("unknown", "yes")
    assert (
        "Vraag 5" in assessment["criterion_2_source"]
        and "offensive cyber programme" in assessment["criterion_2_rationale"]
    )
    assert "Antwoord 6" in assessment["criterion_1_source"]
    assert assessment["provisional"] is True and assessment["current"] is True
    assert (assessment["assessed_on"], assessment["valid_until"]) == ("2021-04-19", None)  # the source gives none


async def test_criterion_3a_follows_a_scanners_network_change(client):
    scanner = await scanner_by_tag(client, "RTM-CS-01")
    before = await exposure_of(client, "RTM-CS-01")
    assert (before["criterion_3a"], before["criterion_3a_basis"], before["risk_tier"]) == ("yes", "derived", "high")
    response = await patch(
        client, f"/api/v1/scanners/{scanner['id']}", {"network_mode": "standalone", "network_id": None}
    )
    assert response.status_code == 200, response.text
    after = await exposure_of(client, "RTM-CS-01")
    assert (after["criterion_3a"], after["criterion_3a_basis"], after["network_mode"]) == (
        "no",
        "derived",
        "standalone",
    )
    assert after["risk_tier"] == "moderate"
    assert "Standalone: limited access (3a no)." in after["reasons"]
    network = (await client.get("/api/v1/networks")).json()["items"][0]
    await patch(
        client, f"/api/v1/scanners/{scanner['id']}", {"network_mode": "fibre_linked", "network_id": network["id"]}
    )
    assert (await exposure_of(client, "RTM-CS-01"))["criterion_3a"] == "yes"


async def test_an_override_replaces_3a_with_its_reason_and_deleting_it_restores_the_derived_answer(client):
    scanner = await scanner_by_tag(client, "SPL-BG-NUCTECH")
    body = {"scanner_id": scanner["id"], "criterion_3a": "yes", "reason": "Remote maintenance link to the vendor."}
    response = await client.post("/api/v1/access-overrides", json=body)
    assert response.status_code == 201, response.text
    override = response.json()
    assert (override["criterion_3a"], override["derived_criterion_3a"]) == ("yes", "no")
    row = await exposure_of(client, "SPL-BG-NUCTECH")
    assert (row["criterion_3a"], row["criterion_3a_basis"], row["risk_tier"]) == ("yes", "override", "high")
    assert any("Remote maintenance link" in reason for reason in row["reasons"])
    assert_problem(await client.post("/api/v1/access-overrides", json=body), 409, "already")
    assert_problem(await client.post("/api/v1/access-overrides", json={**body, "reason": ""}), 422, "reason")
    url = f"/api/v1/access-overrides/{override['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 204
    row = await exposure_of(client, "SPL-BG-NUCTECH")
    assert (row["criterion_3a"], row["criterion_3a_basis"]) == ("no", "derived")


async def test_criterion_3b_follows_mitigation_measures(client):
    scanner = await scanner_by_tag(client, "RTM-CS-03")
    assert (await exposure_of(client, "RTM-CS-03"))["criterion_3b"] == "unknown"
    created = await client.post(
        "/api/v1/mitigation-measures",
        json={"scanner_id": scanner["id"], "title": "Data diode on the fibre link", "status": "infeasible"},
    )
    assert created.status_code == 201, created.text
    assert (await exposure_of(client, "RTM-CS-03"))["criterion_3b"] == "no"
    measure = created.json()
    await patch(client, f"/api/v1/mitigation-measures/{measure['id']}", {"status": "implemented"})
    assert (await exposure_of(client, "RTM-CS-03"))["criterion_3b"] == "unknown"
    await patch(client, f"/api/v1/mitigation-measures/{measure['id']}", {"status": "verified"})
    row = await exposure_of(client, "RTM-CS-03")
    assert (row["criterion_3b"], row["risk_tier"]) == ("yes", "moderate")


async def test_a_newer_assessment_becomes_current_and_drives_the_report(client):
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    body = {
        "vendor_id": nuctech["id"],
        "criterion_1": "no",
        "criterion_1_rationale": "Test.",
        "criterion_2": "no",
        "criterion_2_rationale": "Test.",
        "assessed_on": "2022-01-10",
    }
    response = await client.post("/api/v1/vendor-assessments", json=body)
    assert response.status_code == 201 and response.json()["current"] is True
    current = (await client.get("/api/v1/vendor-assessments", params={"current": "true"})).json()["items"]
    assert [item["assessed_on"] for item in current] == ["2022-01-10"]
    old = (await client.get("/api/v1/vendor-assessments", params={"current": "false"})).json()["items"]
    assert [item["assessed_on"] for item in old] == ["2021-04-19"]
    assert (await exposure_of(client, "RTM-CS-01"))["risk_tier"] == "low"
    assert_problem(await client.post("/api/v1/vendor-assessments", json=body), 409, "2022-01-10")
    body = {**body, "assessed_on": "2022-02-01", "valid_until": "2022-01-01"}
    assert_problem(await client.post("/api/v1/vendor-assessments", json=body), 422, "valid_until")
    assert_problem(
        await client.post("/api/v1/vendor-assessments", json={**body, "criterion_1": "maybe"}), 422, "criterion_1"
    )
