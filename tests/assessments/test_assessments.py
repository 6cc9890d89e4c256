"""Vendor risk: considerations 1 and 2 per vendor (with who assessed, status and caveat), 3a per scanner from its
supplier-access facts (or an override), 3b from mitigation measures."""

import csv
import io

import pytest

from tests.helpers import assert_problem, patch, scanner_by_tag

pytestmark = pytest.mark.asyncio

ASPECTS = ["remote_maintenance", "software_updates", "data_access", "on_site_service"]


async def exposure_of(client, tag: str) -> dict:
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    return next(row for row in rows if row["asset_tag"] == tag)


async def test_the_seeded_nuctech_assessment_cites_the_document(client):
    items = (await client.get("/api/v1/vendor-assessments", params={"vendor": "nuctech"})).json()["items"]
    assert len(items) == 1
    assessment = items[0]
    assert (assessment["criterion_1"], assessment["criterion_2"]) == ("unknown", "yes")
    assert "Vraag 5" in assessment["criterion_2_source"]
    assert "offensive cyber programme" in assessment["criterion_2_rationale"]
    assert "Antwoord 6" in assessment["criterion_1_source"]
    assert (assessment["status"], assessment["current"]) == ("provisional", True)
    assert assessment["assessor"].startswith("This inventory")
    assert "not the cabinet" in assessment["assessor"]
    assert "provisional" not in assessment  # the status says it
    assert assessment["caveat"].startswith("Not a government decision.")
    # quoted verbatim from Antwoord 6 and 7
    assert (
        '"Deze overwegingen worden meegenomen is het in ons antwoord op vraag 4 genoemde aanvullende onderzoek, dat'
        ' in samenspraak met andere relevante overheidspartijen wordt uitgevoerd." (Antwoord 6)' in assessment["caveat"]
    )
    assert 'waarin de resultaten van deze externe audit worden meegenomen." (Antwoord 7)' in assessment["caveat"]
    assert "Antwoord 5, 6, 7" in assessment["basis"]
    assert (assessment["assessed_on"], assessment["valid_until"]) == ("2021-04-19", None)  # the source gives none


async def test_the_assessments_provenance_is_in_every_exposure_reason_and_the_csv(client):
    rows = (await client.get("/api/v1/reports/exposure", params={"vendor": "nuctech"})).json()["items"]
    assert len(rows) == 10
    for row in rows:
        assert row["assessment_status"] == "provisional"
        assert row["assessor"].startswith("This inventory")
        assert row["assessment_caveat"].startswith("Not a government decision.")
        vendor_reason = row["reasons"][1]
        assert "by This inventory" in vendor_reason
        assert "status provisional" in vendor_reason
        assert "not a government decision" in vendor_reason
        assert "Caveat: Not a government decision." in vendor_reason
    exported = await client.get("/api/v1/reports/exposure.csv", params={"vendor": "nuctech"})
    assert exported.status_code == 200
    cells = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(cells) == 10
    for cell in cells:
        assert (cell["assessment_status"], cell["assessor"][:14]) == ("provisional", "This inventory")
        assert "overheidspartijen wordt uitgevoerd." in cell["assessment_caveat"]
        assert "Caveat: Not a government decision." in cell["reasons"]
    undisclosed = (await client.get("/api/v1/reports/exposure", params={"risk_tier": "elevated"})).json()["items"]
    assert all(row["assessment_status"] is None and row["assessor"] is None for row in undisclosed)


async def test_an_assessment_names_its_assessor_and_a_known_status(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    body = {
        "vendor_id": nuctech["id"],
        "criterion_1": "unknown",
        "criterion_1_rationale": "Test.",
        "criterion_2": "yes",
        "criterion_2_rationale": "Test.",
        "assessed_on": "2022-01-10",
    }
    assert_problem(await client.post("/api/v1/vendor-assessments", json=body), 422, field="assessor")
    assert_problem(
        await client.post("/api/v1/vendor-assessments", json={**body, "assessor": "  "}), 422, field="assessor"
    )
    assert_problem(
        await client.post("/api/v1/vendor-assessments", json={**body, "assessor": "X", "status": "final"}),
        422,
        field="status",
    )
    assert_problem(
        await client.post("/api/v1/vendor-assessments", json={**body, "assessor": "X", "provisional": True}),
        422,
        field="provisional",
    )
    response = await client.post("/api/v1/vendor-assessments", json={**body, "assessor": "Security officer"})
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["assessor"], created["basis"], created["caveat"]) == (
        "draft",
        "Security officer",
        None,
        None,
    )
    url = f"/api/v1/vendor-assessments/{created['id']}"
    response = await patch(client, url, {"status": "adopted", "caveat": "Adopted by the security officer only."})
    assert (response.status_code, response.json()["status"]) == (200, "adopted")
    assert_problem(await patch(client, url, {"assessor": None}), 422, field="assessor")
    row = await exposure_of(client, "RTM-CS-01")
    assert (row["assessment_status"], row["assessor"]) == ("adopted", "Security officer")
    assert "Caveat: Adopted by the security officer only." in row["reasons"][1]


async def test_3a_is_unknown_for_every_seeded_scanner_and_names_the_facts_it_rests_on(client):
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    assert len(rows) == 13
    for row in rows:
        assert (row["criterion_3a"], row["criterion_3a_basis"]) == ("unknown", "supplier_access")
        assert [row[f"access_{aspect}"] for aspect in ASPECTS] == ["unknown"] * 4
        assert "criterion_3a" in row["unknowns"]
        assert (
            "Supplier access: no facts recorded (remote maintenance not recorded; software updates not recorded;"
            " data access not recorded; on-site service not recorded), so 3a unknown." in row["reasons"]
        )
        assert not any("limited access" in reason for reason in row["reasons"])
    assert (await client.get("/api/v1/supplier-access-facts")).json()["items"] == []


async def test_network_mode_is_its_own_factor_and_does_not_answer_3a(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    scanner = await scanner_by_tag(client, "RTM-CS-01")
    before = await exposure_of(client, "RTM-CS-01")
    assert (before["criterion_3a"], before["risk_tier"]) == ("unknown", "high")
    assert (
        "Network mode fibre_linked into Closed fibre network to customs office Maasvlakte: an exposure factor of its"
        " own: a compromised scanner would sit inside that network." in before["reasons"]
    )
    response = await patch(
        client, f"/api/v1/scanners/{scanner['id']}", {"network_mode": "standalone", "network_id": None}
    )
    assert response.status_code == 200, response.text
    after = await exposure_of(client, "RTM-CS-01")
    assert (after["criterion_3a"], after["criterion_3a_basis"], after["network_mode"], after["risk_tier"]) == (
        "unknown",
        "supplier_access",
        "standalone",
        "high",
    )
    assert "Network mode standalone: not linked into a customs network." in after["reasons"]
    # fibre-linked scanners still come first within the tier
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    assert [row["asset_tag"] for row in rows[:3]] == ["RTM-CS-02", "RTM-CS-03", "RTM-CS-04"]


async def test_3a_follows_the_recorded_supplier_access_facts(client):
    scanner = await scanner_by_tag(client, "SPL-BG-NUCTECH")
    source = "Supplier contract, annex B"
    facts = {}
    for aspect in ASPECTS:
        body = {"scanner_id": scanner["id"], "aspect": aspect, "answer": "no", "source": source}
        response = await client.post("/api/v1/supplier-access-facts", json=body)
        assert response.status_code == 201, response.text
        assert response.headers["etag"]
        assert response.headers["location"].endswith(f"/{response.json()['id']}")
        facts[aspect] = response.json()
    row = await exposure_of(client, "SPL-BG-NUCTECH")
    assert (row["criterion_3a"], row["criterion_3a_basis"], row["risk_tier"]) == ("no", "supplier_access", "moderate")
    assert (
        "Supplier access: remote maintenance no; software updates no; data access no; on-site service no, so 3a no."
        in row["reasons"]
    )
    assert row["reasons"][0].startswith("Tier moderate: a vendor of concern (2 yes), without extensive supplier")
    url = f"/api/v1/supplier-access-facts/{facts['software_updates']['id']}"
    response = await patch(client, url, {"answer": "unknown", "basis": "Contract silent on updates."})
    assert (response.status_code, response.json()["version"]) == (200, 2)
    assert (await exposure_of(client, "SPL-BG-NUCTECH"))["criterion_3a"] == "unknown"
    response = await patch(client, url, {"answer": "yes"})
    row = await exposure_of(client, "SPL-BG-NUCTECH")
    assert (row["criterion_3a"], row["risk_tier"], row["access_software_updates"]) == ("yes", "high", "yes")
    assert row["reasons"][0].startswith("Tier high: extensive supplier access (3a yes)")
    listed = await client.get("/api/v1/supplier-access-facts", params={"scanner": scanner["id"], "answer": "yes"})
    assert [item["aspect"] for item in listed.json()["items"]] == ["software_updates"]
    etag = (await client.get(url)).headers["etag"]
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 204
    assert (await exposure_of(client, "SPL-BG-NUCTECH"))["criterion_3a"] == "unknown"  # one aspect unrecorded
    # the scanner cannot be deleted while facts refer to it
    scanner_url = f"/api/v1/scanners/{scanner['id']}"
    etag = (await client.get(scanner_url)).headers["etag"]
    assert_problem(await client.delete(scanner_url, headers={"If-Match": etag}), 409, "supplier-access fact")


async def test_bad_supplier_access_facts_are_refused_naming_the_field(client):
    scanner = await scanner_by_tag(client, "RTM-CS-01")
    body = {"scanner_id": scanner["id"], "aspect": "remote_maintenance", "answer": "yes", "source": "Contract"}
    assert_problem(
        await client.post("/api/v1/supplier-access-facts", json={**body, "aspect": "telepathy"}), 422, field="aspect"
    )
    assert_problem(
        await client.post("/api/v1/supplier-access-facts", json={**body, "answer": "maybe"}), 422, field="answer"
    )
    without_source = {key: value for key, value in body.items() if key != "source"}
    assert_problem(await client.post("/api/v1/supplier-access-facts", json=without_source), 422, field="source")
    assert_problem(
        await client.post("/api/v1/supplier-access-facts", json={**body, "source": " "}), 422, field="source"
    )
    assert_problem(
        await client.post("/api/v1/supplier-access-facts", json={**body, "scanner_id": 999999}), 422, field="scanner_id"
    )
    assert (await client.post("/api/v1/supplier-access-facts", json=body)).status_code == 201
    assert_problem(await client.post("/api/v1/supplier-access-facts", json=body), 409, "already")
    fact = (await client.get("/api/v1/supplier-access-facts")).json()["items"][0]
    url = f"/api/v1/supplier-access-facts/{fact['id']}"
    assert_problem(await client.patch(url, json={"answer": "no"}), 428, "If-Match")
    assert_problem(await patch(client, url, {"aspect": "data_access"}), 422, field="aspect")  # the key cannot change
    assert_problem(await patch(client, url, {"source": None}), 422, field="source")
    assert_problem(await client.get("/api/v1/supplier-access-facts/999999"), 404, "999999")
    assert_problem(await client.get("/api/v1/supplier-access-facts", params={"aspect": "x"}), 422, field="aspect")


async def test_criterion_3b_follows_mitigation_measures(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
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


async def test_a_newer_assessment_becomes_current_and_drives_the_report(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    body = {
        "vendor_id": nuctech["id"],
        "criterion_1": "no",
        "criterion_1_rationale": "Test.",
        "criterion_2": "no",
        "criterion_2_rationale": "Test.",
        "assessed_on": "2022-01-10",
        "assessor": "Test assessor",
    }
    response = await client.post("/api/v1/vendor-assessments", json=body)
    assert response.status_code == 201
    assert response.json()["current"] is True
    current = (await client.get("/api/v1/vendor-assessments", params={"current": "true"})).json()["items"]
    assert [item["assessed_on"] for item in current] == ["2022-01-10"]
    old = (await client.get("/api/v1/vendor-assessments", params={"current": "false"})).json()["items"]
    assert [item["assessed_on"] for item in old] == ["2021-04-19"]
    assert (await exposure_of(client, "RTM-CS-01"))["risk_tier"] == "low"
    assert_problem(await client.post("/api/v1/vendor-assessments", json=body), 409, "2022-01-10")
    body = {**body, "assessed_on": "2022-02-01", "valid_until": "2022-01-01"}
    assert_problem(await client.post("/api/v1/vendor-assessments", json=body), 422, field="valid_until")
    assert_problem(
        await client.post("/api/v1/vendor-assessments", json={**body, "criterion_1": "maybe"}), 422, field="criterion_1"
    )
