"""Audits: status transitions, stated dates, scope, findings, and each scanner's derived audit status."""

import pytest

from tests.helpers import assert_problem, patch, scanner_by_tag, seeded_audit

pytestmark = pytest.mark.asyncio

STEPS = ["commissioned", "in_progress", "reported", "closed"]


async def audit_statuses(client) -> dict[str, str]:
    items = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    return {item["asset_tag"]: item["audit_status"] for item in items}


async def new_audit(client, **body) -> dict:
    response = await client.post("/api/v1/audits", json={"title": "Scoped audit", **body})
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_seeded_audit_is_as_the_document_states_it(client):
    audit = await seeded_audit(client)
    assert audit["status"] == "commissioned"
    assert audit["allowed_next_status"] == ["in_progress"]
    assert audit["covers_all_scanners"] is True
    assert audit["auditor"] is None
    assert (audit["commissioned_on"], audit["commissioned_precision"], audit["commissioned_by"]) == (
        "2020-09-01",
        "month",
        "2020-09-30",
    )
    assert (audit["planned_start_on"], audit["planned_start_by"]) == ("2021-03-01", "2021-03-31")
    assert (audit["expected_report_on"], audit["expected_report_precision"], audit["expected_report_by"]) == (
        "2021-06-01",
        "season",
        "2021-08-31",
    )
    assert audit["started_on"] is None
    assert audit["reported_on"] is None
    assert "Antwoord 4" in audit["source"]
    assert "Antwoord 7" in audit["source"]
    assert (await client.get("/api/v1/findings")).json()["items"] == []


@pytest.mark.parametrize("start", range(4))
async def test_each_allowed_step_and_each_refused_one(steward, start):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    audit = await new_audit(client, covers_all_scanners=True, status=STEPS[start])
    url = f"/api/v1/audits/{audit['id']}"
    for target in STEPS:
        if STEPS.index(target) == start + 1 or target == STEPS[start]:
            continue
        problem = assert_problem(await patch(client, url, {"status": target}), 409, STEPS[start], target)
        allowed = [STEPS[start + 1]] if start < 3 else []
        assert problem["allowed_next_status"] == allowed
        assert (await client.get(url)).json()["status"] == STEPS[start]
    if start < 3:
        response = await patch(client, url, {"status": STEPS[start + 1]})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == STEPS[start + 1]
        assert response.json()["version"] == 2


async def test_the_seeded_audit_walks_forward_and_every_scanner_follows(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    audit = await seeded_audit(client)
    url = f"/api/v1/audits/{audit['id']}"
    assert set((await audit_statuses(client)).values()) == {"audit_commissioned"}
    for status, derived in (
        ("in_progress", "audit_in_progress"),
        ("reported", "audited"),
        ("closed", "audited"),
    ):
        response = await patch(client, url, {"status": status})
        assert response.status_code == 200, response.text
        statuses = await audit_statuses(client)
        assert set(statuses.values()) == {derived}, status
        one = await scanner_by_tag(client, "RTM-CS-01")
        assert (await client.get(f"/api/v1/scanners/{one['id']}")).json()["audit_status"] == derived


async def test_open_findings_take_precedence_and_resolving_them_restores_audited(steward):
    client = steward  # covered writes (assessments, measures, closing) as emergency changes
    audit = await seeded_audit(client)
    url = f"/api/v1/audits/{audit['id']}"
    await patch(client, url, {"status": "in_progress"})
    await patch(client, url, {"status": "reported"})
    target = await scanner_by_tag(client, "RTM-CS-02")
    response = await client.post(
        "/api/v1/findings",
        json={
            "audit_id": audit["id"],
            "severity": "high",
            "title": "Remote maintenance access not logged",
            "due_on": "2021-12-31",
            "scanner_ids": [target["id"]],
        },
    )
    assert response.status_code == 201, response.text
    finding = response.json()
    assert finding["status"] == "open"
    assert finding["scanner_ids"] == [target["id"]]
    statuses = await audit_statuses(client)
    assert statuses["RTM-CS-02"] == "open_findings"
    assert {tag: status for tag, status in statuses.items() if tag != "RTM-CS-02"} == {
        tag: "audited" for tag in statuses if tag != "RTM-CS-02"
    }
    listed = (await client.get("/api/v1/scanners", params={"audit_status": "open_findings"})).json()["items"]
    assert [item["asset_tag"] for item in listed] == ["RTM-CS-02"]
    finding_url = f"/api/v1/findings/{finding['id']}"
    assert (await patch(client, finding_url, {"status": "mitigating"})).json()["status"] == "mitigating"
    assert (await audit_statuses(client))["RTM-CS-02"] == "open_findings"
    assert (await patch(client, finding_url, {"status": "resolved"})).status_code == 200
    assert set((await audit_statuses(client)).values()) == {"audited"}


async def test_a_finding_naming_no_scanner_concerns_the_whole_scope(client):
    audit = await seeded_audit(client)
    response = await client.post(
        "/api/v1/findings", json={"audit_id": audit["id"], "severity": "medium", "title": "Segmentation"}
    )
    assert response.status_code == 201
    assert response.json()["scanner_ids"] == []
    assert set((await audit_statuses(client)).values()) == {"open_findings"}


async def test_scope_by_site_and_by_scanner(client):
    # Without the seeded all-scanner audit, scope alone decides. The announced research builds on it:
    # the audit cannot be deleted until that link is removed.
    audit = await seeded_audit(client)
    etag = (await client.get(f"/api/v1/audits/{audit['id']}")).headers["etag"]
    refused = await client.delete(f"/api/v1/audits/{audit['id']}", headers={"If-Match": etag})
    assert refused.status_code == 409
    assert "investigation" in refused.json()["detail"]
    [research] = (await client.get("/api/v1/investigations")).json()["items"]
    research_url = f"/api/v1/investigations/{research['id']}"
    research_etag = (await client.get(research_url)).headers["etag"]
    unlinked = await client.patch(research_url, json={"builds_on_audit_id": None}, headers={"If-Match": research_etag})
    assert unlinked.status_code == 200
    assert unlinked.json()["builds_on_audit_id"] is None
    assert (await client.delete(f"/api/v1/audits/{audit['id']}", headers={"If-Match": etag})).status_code == 204
    assert set((await audit_statuses(client)).values()) == {"not_audited"}
    sites = {item["code"]: item["id"] for item in (await client.get("/api/v1/sites")).json()["items"]}
    schiphol_bag = await scanner_by_tag(client, "SPL-BG-NUCTECH")
    await new_audit(client, site_ids=[sites["maasvlakte"]], scanner_ids=[schiphol_bag["id"]], status="in_progress")
    statuses = await audit_statuses(client)
    covered = {tag for tag, status in statuses.items() if status == "audit_in_progress"}
    assert covered == {f"RTM-CS-0{n}" for n in range(1, 8)} | {"SPL-BG-NUCTECH"}
    assert {statuses[tag] for tag in statuses if tag not in covered} == {"not_audited"}
    filtered = (await client.get("/api/v1/scanners", params={"audit_status": "not_audited", "limit": 500})).json()
    assert len(filtered["items"]) == len(statuses) - len(covered)
    by_site = (await client.get("/api/v1/audits", params={"site": "maasvlakte"})).json()["items"]
    assert [item["title"] for item in by_site] == ["Scoped audit"]
    assert (await client.get("/api/v1/audits", params={"site": "schiphol"})).json()["items"][0]["title"] == (
        "Scoped audit"
    )
    assert (await client.get("/api/v1/audits", params={"site": "postal-sorting-centres"})).json()["items"] == []


async def test_finding_outside_the_audit_scope_is_a_422(client):
    sites = {item["code"]: item["id"] for item in (await client.get("/api/v1/sites")).json()["items"]}
    audit = await new_audit(client, site_ids=[sites["schiphol"]])
    outside = await scanner_by_tag(client, "RTM-CS-01")
    body = {"audit_id": audit["id"], "severity": "low", "title": "X", "scanner_ids": [outside["id"]]}
    assert_problem(await client.post("/api/v1/findings", json=body), 422, "outside", "scope", field="scanner_ids")
    body["audit_id"] = 999
    assert_problem(await client.post("/api/v1/findings", json=body), 422, field="audit_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "covers_all_scanners"),
        (
            {"covers_all_scanners": True, "expected_report_on": "2021-06-15", "expected_report_precision": "season"},
            "expected_report_on",
        ),
        (
            {"covers_all_scanners": True, "commissioned_on": "2020-09-02", "commissioned_precision": "month"},
            "commissioned_on",
        ),
        ({"covers_all_scanners": True, "reported_on": "2021-02-01", "reported_precision": "year"}, "reported_on"),
        ({"covers_all_scanners": True, "started_precision": "month"}, "started_on"),
        ({"covers_all_scanners": True, "status": "paused"}, "status"),
        ({"scanner_ids": [9999]}, "scanner_ids"),
        ({"site_ids": [0]}, "site_ids"),
        ({"covers_all_scanners": "yes"}, "covers_all_scanners"),
    ],
)
async def test_invalid_audits_are_422_naming_the_field_and_store_nothing(client, body, field):
    problem = assert_problem(await client.post("/api/v1/audits", json={"title": "Bad", **body}), 422)
    assert field in problem["detail"] or field in [error["field"] for error in problem.get("errors", [])]
    assert len((await client.get("/api/v1/audits")).json()["items"]) == 1


async def test_a_date_without_precision_is_a_day_and_clearing_it_clears_its_precision(client):
    audit = await new_audit(client, covers_all_scanners=True, started_on="2021-03-15")
    assert (audit["started_precision"], audit["started_by"]) == ("day", "2021-03-15")
    url = f"/api/v1/audits/{audit['id']}"
    response = await patch(client, url, {"started_on": None})
    assert response.status_code == 200, response.text
    assert response.json()["started_precision"] is None
    assert response.json()["started_by"] is None


async def test_duplicate_title_is_409_and_an_audit_with_findings_cannot_be_deleted(client):
    audit = await seeded_audit(client)
    assert_problem(
        await client.post("/api/v1/audits", json={"title": audit["title"], "covers_all_scanners": True}), 409
    )
    await client.post("/api/v1/findings", json={"audit_id": audit["id"], "severity": "low", "title": "Y"})
    url = f"/api/v1/audits/{audit['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert_problem(await client.delete(url, headers={"If-Match": etag}), 409, "finding")


async def test_a_scanner_in_an_audit_scope_cannot_be_deleted(client):
    scanner = await scanner_by_tag(client, "RTM-CS-05")
    await new_audit(client, scanner_ids=[scanner["id"]])
    url = f"/api/v1/scanners/{scanner['id']}"
    etag = (await client.get(url)).headers["etag"]
    assert_problem(await client.delete(url, headers={"If-Match": etag}), 409, "audit scope")


async def test_audit_writes_need_the_editor_role_and_if_match(anonymous, tokens, client):
    from tests.conftest import bearer

    audit = await seeded_audit(client)
    url = f"/api/v1/audits/{audit['id']}"
    response = await anonymous.patch(url, json={"status": "in_progress"}, headers=bearer(tokens["reader"]))
    assert_problem(response, 403)
    assert_problem(await client.patch(url, json={"status": "in_progress"}), 428)
