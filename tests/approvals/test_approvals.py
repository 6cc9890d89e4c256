"""Four eyes on security-relevant changes: change requests, their approval, and emergency changes, through HTTP
on each backend."""

import asyncio
from collections import Counter

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from tests.conftest import bearer, http_client, mint_token
from tests.helpers import assert_problem, etag

pytestmark = pytest.mark.asyncio

REASON = {"X-Change-Reason": "decommissioning the fibre link"}


@pytest.fixture
async def people(app, tokens, db):
    """HTTP clients of distinct people: two editors, two approvers, an admin, and a second key of the first
    editor's owner with the approver role."""
    clients = {
        "editor": http_client(app, bearer(tokens["editor"])),
        "editor2": http_client(app, bearer(mint_token(db, "editor", name="second editor"))),
        "approver": http_client(app, bearer(tokens["approver"])),
        "approver2": http_client(app, bearer(mint_token(db, "approver", name="second approver"))),
        "admin": http_client(app, bearer(tokens["admin"])),
        "editor_as_approver": http_client(
            app, bearer(mint_token(db, "approver", name="editor's other key", owner="test editor"))
        ),
        "reader": http_client(app, bearer(tokens["reader"])),
    }
    yield clients
    for client in clients.values():
        await client.aclose()


async def key_id(admin, name: str) -> int:
    keys = (await admin.get("/api/v1/api-keys", params={"limit": 500})).json()["items"]
    return next(key["id"] for key in keys if key["name"] == name)


async def without_pending(client, url: str) -> dict:
    item = (await client.get(url)).json()
    item.pop("pending_change_requests", None)
    return item


async def history(client, collection: str, item_id: int) -> list[dict]:
    return (await client.get("/api/v1/changes", params={"object_type": collection, "object_id": item_id})).json()[
        "items"
    ]


async def fixtures(admin) -> dict:
    """Objects for the covered collections the seed has none of, made as emergency changes by the admin."""
    scanner = (await admin.get("/api/v1/scanners", params={"limit": 1})).json()["items"][0]
    spare = await admin.post(
        "/api/v1/scanners",
        json={
            "asset_tag": "APPROVAL-1",
            "site_id": scanner["site"]["id"],
            "network_mode": "standalone",
            "use": "baggage",
        },
    )
    override = await admin.post(
        "/api/v1/access-overrides",
        json={"scanner_id": scanner["id"], "criterion_3a": "yes", "reason": "remote maintenance"},
        headers=REASON,
    )
    measure = await admin.post(
        "/api/v1/mitigation-measures", json={"scanner_id": scanner["id"], "title": "Seal the port"}, headers=REASON
    )
    audit = (await admin.get("/api/v1/audits")).json()["items"][0]
    finding = await admin.post(
        "/api/v1/findings", json={"audit_id": audit["id"], "severity": "high", "title": "Open port"}
    )
    reported = await admin.post(
        "/api/v1/audits", json={"title": "Reported audit", "status": "reported", "covers_all_scanners": True}
    )
    assessment = (await admin.get("/api/v1/vendor-assessments")).json()["items"][0]
    for response in (spare, override, measure, finding, reported):
        assert response.status_code == 201, response.text
    return {
        "scanner": scanner,
        "spare": spare.json(),
        "override": override.json(),
        "measure": measure.json(),
        "finding": finding.json(),
        "audit": reported.json(),
        "assessment": assessment,
    }


def covered_writes(objects: dict) -> list[tuple[str, str, dict | None, str]]:
    """(method, url, body, rule) of one write per entry of the policy, as an editor sends it."""
    scanner, spare = objects["scanner"]["id"], objects["spare"]["id"]
    vendor = (
        objects["assessment"]["vendor"]["id"]
        if "vendor" in objects["assessment"]
        else objects["assessment"]["vendor_id"]
    )
    return [
        ("PATCH", f"/api/v1/scanners/{scanner}", {"network_mode": "standalone", "network_id": None}, "scanner-network"),
        ("PATCH", f"/api/v1/scanners/{scanner}", {"vendor_id": None}, "scanner-network"),
        ("PATCH", f"/api/v1/scanners/{spare}", {"network_mode": "fibre_linked", "network_id": 1}, "scanner-network"),
        (
            "POST",
            "/api/v1/vendor-assessments",
            {
                "vendor_id": vendor,
                "criterion_1": "yes",
                "criterion_1_rationale": "state-owned",
                "criterion_2": "unknown",
                "criterion_2_rationale": "not assessed",
                "assessed_on": "2025-01-01",
                "assessor": "Security office",
            },
            "vendor-assessment",
        ),
        (
            "PATCH",
            f"/api/v1/vendor-assessments/{objects['assessment']['id']}",
            {"criterion_2": "yes"},
            "vendor-assessment",
        ),
        ("DELETE", f"/api/v1/vendor-assessments/{objects['assessment']['id']}", None, "vendor-assessment"),
        (
            "POST",
            "/api/v1/access-overrides",
            {"scanner_id": spare, "criterion_3a": "no", "reason": "air-gapped"},
            "access-override",
        ),
        ("PATCH", f"/api/v1/access-overrides/{objects['override']['id']}", {"criterion_3a": "no"}, "access-override"),
        ("DELETE", f"/api/v1/access-overrides/{objects['override']['id']}", None, "access-override"),
        (
            "POST",
            "/api/v1/mitigation-measures",
            {"scanner_id": scanner, "title": "Disable modem"},
            "mitigation-measure",
        ),
        (
            "PATCH",
            f"/api/v1/mitigation-measures/{objects['measure']['id']}",
            {"status": "verified"},
            "mitigation-measure",
        ),
        ("DELETE", f"/api/v1/mitigation-measures/{objects['measure']['id']}", None, "mitigation-measure"),
        (
            "PATCH",
            f"/api/v1/findings/{objects['finding']['id']}",
            {"status": "resolved", "scanner_ids": []},
            "finding-leaves-open",
        ),
        ("DELETE", f"/api/v1/findings/{objects['finding']['id']}", None, "finding-leaves-open"),
        (
            "POST",
            "/api/v1/findings",
            {
                "audit_id": objects["finding"]["audit_id"],
                "severity": "low",
                "title": "Accepted risk",
                "status": "accepted",
            },
            "finding-leaves-open",
        ),
        ("PATCH", f"/api/v1/audits/{objects['audit']['id']}", {"status": "closed"}, "audit-closed"),
        (
            "POST",
            "/api/v1/audits",
            {"title": "Closed at once", "status": "closed", "covers_all_scanners": True},
            "audit-closed",
        ),
    ]


async def snapshot(admin, objects: dict) -> dict:
    """Every collection a covered write could touch, as an admin reads it."""
    state = {}
    for collection in (
        "scanners",
        "vendor-assessments",
        "access-overrides",
        "mitigation-measures",
        "findings",
        "audits",
    ):
        items = (await admin.get(f"/api/v1/{collection}", params={"limit": 500})).json()["items"]
        state[collection] = items
    state["exposure"] = (await admin.get("/api/v1/reports/exposure", params={"limit": 500})).json()["items"]
    state["changes"] = [
        change["id"]
        for change in (await admin.get("/api/v1/changes", params={"limit": 500, "sort": "-id"})).json()["items"]
        if change["object_type"] != "change-requests"
    ]
    return state


async def test_every_policy_entry_is_held_as_a_change_request_and_changes_nothing(people):
    editor, admin = people["editor"], people["admin"]
    objects = await fixtures(admin)
    before = await snapshot(admin, objects)
    rules = set()
    for method, url, body, rule in covered_writes(objects):
        headers = {"X-Change-Reason": f"ticket for {rule}"}
        if method != "POST":
            headers["If-Match"] = await etag(editor, url)
        response = await editor.request(method, url, json=body, headers=headers)
        assert response.status_code == 202, (method, url, response.text)
        held = response.json()
        assert response.headers["location"].endswith(f"/api/v1/change-requests/{held['id']}")
        assert response.headers["etag"] == f'"change-request-{held["id"]}-v1"'
        assert held["state"] == "pending"
        assert held["rule"] == rule
        assert held["policy_version"]
        assert held["operation"] == {"POST": "create", "PATCH": "update", "DELETE": "delete"}[method]
        assert held["body"] == body
        assert held["reason"] == f"ticket for {rule}"
        assert held["author_owner"] == "test editor"
        assert held["decided_by_key_id"] is None
        if method != "POST":
            target = int(url.rsplit("/", 1)[1])
            assert held["target_id"] == target
            assert held["collection"] == url.split("/")[3]
            shown = (await editor.get(url)).json()
            assert held["id"] in shown["pending_change_requests"]
        else:
            assert held["target_id"] is None
            assert held["base_version"] is None
        rules.add(rule)
    assert rules == {"scanner-network", "vendor-assessment", "access-override", "mitigation-measure",
                     "finding-leaves-open", "audit-closed"}  # fmt: skip
    # Nothing in the inventory, its history or the exposure report moved.
    assert await snapshot(admin, objects) == before
    pending = (await editor.get("/api/v1/change-requests", params={"state": "pending", "limit": 500})).json()["items"]
    assert len(pending) == len(covered_writes(objects))
    # The requests themselves are in the change log.
    recorded = (await admin.get("/api/v1/changes", params={"object_type": "change-requests", "limit": 500})).json()
    assert {change["object_id"] for change in recorded["items"]} == {item["id"] for item in pending}


async def test_writes_outside_the_policy_apply_directly(people):
    editor, admin = people["editor"], people["admin"]
    objects = await fixtures(admin)
    scanner = f"/api/v1/scanners/{objects['scanner']['id']}"
    finding = f"/api/v1/findings/{objects['finding']['id']}"
    audit = f"/api/v1/audits/{objects['audit']['id']}"
    direct = [
        ("POST", "/api/v1/scanners", {"asset_tag": "DIRECT-1", "site_id": 1, "network_mode": "fibre_linked",
                                      "network_id": 1, "use": "baggage"}, 201),
        ("PATCH", scanner, {"notes": "Checked on site", "network_mode": "fibre_linked"}, 200),  # mode unchanged
        ("PATCH", finding, {"description": "Port 22 open", "status": "open", "scanner_ids": []}, 200),
        ("PATCH", audit, {"objective": "Scope agreed", "site_ids": []}, 200),
        ("POST", "/api/v1/findings", {"audit_id": objects["finding"]["audit_id"], "severity": "low", "title": "Open"}, 201),
        ("POST", "/api/v1/supplier-access-facts", {"scanner_id": objects["spare"]["id"], "aspect": "remote_maintenance",
                                                   "answer": "no", "source": "vendor letter"}, 201),
        ("POST", "/api/v1/sites", {"code": "direct-site", "name": "Direct", "kind": "other"}, 201),
    ]  # fmt: skip
    for method, url, body, status in direct:
        headers = {"If-Match": await etag(editor, url)} if method == "PATCH" else {}
        response = await editor.request(method, url, json=body, headers=headers)
        assert response.status_code == status, (method, url, response.text)
    assert (await editor.get("/api/v1/change-requests")).json()["items"] == []
    # A key's role changed to anything but admin is a plain admin write, without a reason.
    reader = await key_id(admin, "test reader")
    url = f"/api/v1/api-keys/{reader}"
    promoted = await admin.patch(url, json={"role": "approver"}, headers={"If-Match": await etag(admin, url)})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "approver"


async def open_request(client, url: str, body: dict, reason: str = "network redesign") -> dict:
    response = await client.patch(
        url, json=body, headers={"If-Match": await etag(client, url), "X-Change-Reason": reason}
    )
    assert response.status_code == 202, response.text
    return response.json()


async def test_an_approved_change_applies_once_and_names_both_people(people):
    editor, approver, admin = people["editor"], people["approver"], people["admin"]
    url = "/api/v1/scanners/1"
    before = (await editor.get(url)).json()
    held = await open_request(editor, url, {"network_mode": "standalone", "network_id": None})
    cr_url = f"/api/v1/change-requests/{held['id']}"
    got = await approver.get(cr_url)
    assert got.status_code == 200
    assert got.headers["etag"] == f'"change-request-{held["id"]}-v1"'
    assert (await approver.get(cr_url, headers={"If-None-Match": got.headers["etag"]})).status_code == 304
    assert_problem(await approver.post(f"{cr_url}/approve"), 428)
    approved = await approver.post(
        f"{cr_url}/approve", headers={"If-Match": got.headers["etag"], "X-Change-Reason": "checked with the site"}
    )
    assert approved.status_code == 200, approved.text
    decision = approved.json()
    assert decision["state"] == "approved"
    assert decision["decided_by_owner"] == "test approver"
    assert decision["decision_reason"] == "checked with the site"
    assert decision["version"] == 2
    after = (await editor.get(url)).json()
    assert after["network_mode"] == "standalone"
    assert after["network"] is None
    assert after["version"] == before["version"] + 1
    assert "pending_change_requests" not in after
    change = (await history(editor, "scanners", 1))[-1]
    assert change["action"] == "update"
    assert change["change_request_id"] == held["id"]
    assert change["api_key_id"] == await key_id(admin, "test editor")
    assert change["approved_by"] == await key_id(admin, "test approver")
    assert change["reason"] == "network redesign"
    assert change["emergency"] is False
    verified = (await admin.get("/api/v1/changes/verify")).json()
    assert verified["valid"] is True, verified
    # Decided once: a second approval finds it closed.
    again = await people["approver2"].post(f"{cr_url}/approve", headers={"If-Match": approved.headers["etag"]})
    assert_problem(again, 409, "approved")
    assert (await people["approver2"].get("/api/v1/change-requests", params={"state": "approved"})).json()["items"][0][
        "id"
    ] == held["id"]


async def test_an_approved_create_names_what_it_made(people):
    editor, approver = people["editor"], people["approver"]
    body = {"scanner_id": 1, "title": "Disable remote access"}
    held = (await editor.post("/api/v1/mitigation-measures", json=body)).json()
    cr_url = f"/api/v1/change-requests/{held['id']}"
    approved = await approver.post(f"{cr_url}/approve", headers={"If-Match": await etag(approver, cr_url)})
    assert approved.status_code == 200, approved.text
    made = approved.json()["result_id"]
    measure = (await editor.get(f"/api/v1/mitigation-measures/{made}")).json()
    assert measure["title"] == "Disable remote access"
    assert measure["status"] == "planned"
    change = (await history(editor, "mitigation-measures", made))[-1]
    assert change["action"] == "create"
    assert change["change_request_id"] == held["id"]


async def test_nobody_approves_their_own_request(people, db):
    editor, approver = people["editor"], people["approver"]
    held = await open_request(editor, "/api/v1/scanners/2", {"vendor_id": None})
    cr_url = f"/api/v1/change-requests/{held['id']}"
    tag = await etag(editor, cr_url)
    # An editor cannot approve at all; another key of the author's owner cannot either.
    assert_problem(await editor.post(f"{cr_url}/approve", headers={"If-Match": tag}), 403, "approver")
    same_owner = await people["editor_as_approver"].post(f"{cr_url}/approve", headers={"If-Match": tag})
    assert_problem(same_owner, 403, "second person", type="second-person-required")
    # An approver's own request needs another approver.
    mine = await open_request(approver, "/api/v1/scanners/3", {"vendor_id": None})
    mine_url = f"/api/v1/change-requests/{mine['id']}"
    assert_problem(
        await approver.post(f"{mine_url}/approve", headers={"If-Match": await etag(approver, mine_url)}), 403
    )
    assert_problem(
        await approver.post(
            f"{mine_url}/reject", json={"reason": "no"}, headers={"If-Match": await etag(approver, mine_url)}
        ),
        403,
    )
    for url in (cr_url, mine_url):
        assert (await editor.get(url)).json()["state"] == "pending"
    assert (await editor.get("/api/v1/scanners/2")).json()["vendor"] is not None
    # An admin of another owner may approve.
    approved = await people["admin"].post(f"{mine_url}/approve", headers={"If-Match": await etag(approver, mine_url)})
    assert approved.status_code == 200, approved.text


async def test_a_stale_request_cannot_apply(people):
    editor, approver, admin = people["editor"], people["approver"], people["admin"]
    url = "/api/v1/scanners/1"
    held = await open_request(editor, url, {"network_mode": "standalone", "network_id": None})
    # Someone changes the scanner meanwhile (a field outside the policy).
    moved = await people["editor2"].patch(url, json={"notes": "Moved"}, headers={"If-Match": await etag(editor, url)})
    assert moved.status_code == 200
    cr_url = f"/api/v1/change-requests/{held['id']}"
    refused = await approver.post(f"{cr_url}/approve", headers={"If-Match": await etag(approver, cr_url)})
    body = assert_problem(refused, 409, "stale", type="change-request-closed")
    assert body["state"] == "stale"
    stored = (await approver.get(cr_url)).json()
    assert stored["state"] == "stale"
    assert stored["decided_by_owner"] == "test approver"
    scanner = (await editor.get(url)).json()
    assert scanner["network_mode"] == "fibre_linked"
    assert scanner["notes"] == "Moved"
    assert not [change for change in await history(admin, "scanners", 1) if change["change_request_id"]]


async def test_two_racing_approvals_apply_once(people):
    editor, admin = people["editor"], people["admin"]
    url = "/api/v1/scanners/1"
    held = await open_request(editor, url, {"network_mode": "standalone", "network_id": None})
    cr_url = f"/api/v1/change-requests/{held['id']}"
    tag = await etag(editor, cr_url)
    before = len(await history(admin, "scanners", 1))
    responses = await asyncio.gather(
        *(
            people[who].post(f"{cr_url}/approve", headers={"If-Match": tag})
            for who in ("approver", "approver2", "admin")
        )
    )
    statuses = Counter(response.status_code for response in responses)
    assert statuses[200] == 1
    assert set(statuses) <= {200, 409, 412}, [response.text for response in responses]
    for response in responses:
        if response.status_code != 200:
            assert_problem(response, response.status_code)
    changes = await history(admin, "scanners", 1)
    assert len(changes) == before + 1
    assert changes[-1]["change_request_id"] == held["id"]
    assert (await editor.get(cr_url)).json()["state"] == "approved"
    assert (await editor.get(url)).json()["version"] == held["base_version"] + 1


async def test_reject_and_withdraw_leave_the_target_untouched(people):
    editor, approver = people["editor"], people["approver"]
    url = "/api/v1/scanners/1"
    before = await without_pending(editor, url)
    first = await open_request(editor, url, {"vendor_id": None})
    second = await open_request(editor, url, {"network_mode": "standalone", "network_id": None})
    assert (await editor.get(url)).json()["pending_change_requests"] == [first["id"], second["id"]]
    first_url, second_url = (f"/api/v1/change-requests/{item['id']}" for item in (first, second))
    # Rejecting needs a reason.
    no_reason = await approver.post(f"{first_url}/reject", json={}, headers={"If-Match": await etag(editor, first_url)})
    assert_problem(no_reason, 422, field="reason")
    rejected = await approver.post(
        f"{first_url}/reject", json={"reason": "vendor is known"}, headers={"If-Match": await etag(editor, first_url)}
    )
    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["decision_reason"] == "vendor is known"
    # Only the author withdraws.
    tag = await etag(editor, second_url)
    assert_problem(await people["editor2"].post(f"{second_url}/withdraw", headers={"If-Match": tag}), 403, "author")
    withdrawn = await editor.post(f"{second_url}/withdraw", headers={"If-Match": tag})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["state"] == "withdrawn"
    assert_problem(await approver.post(f"{second_url}/approve", headers={"If-Match": withdrawn.headers["etag"]}), 409)
    assert await without_pending(editor, url) == before
    assert "pending_change_requests" not in (await editor.get(url)).json()
    states = (await editor.get("/api/v1/change-requests", params={"collection": "scanners", "target_id": 1})).json()
    assert [item["state"] for item in states["items"]] == ["rejected", "withdrawn"]


async def test_an_admin_applies_a_covered_change_only_as_a_flagged_emergency(people):
    editor, admin = people["editor"], people["admin"]
    url = "/api/v1/scanners/1"
    tag = await etag(admin, url)
    body = {"network_mode": "standalone", "network_id": None}
    missing = assert_problem(await admin.patch(url, json=body, headers={"If-Match": tag}), 422, field="X-Change-Reason")
    assert missing["errors"][0]["field"] == "X-Change-Reason"
    assert (await editor.get(url)).json()["network_mode"] == "fibre_linked"
    applied = await admin.patch(url, json=body, headers={"If-Match": tag, **REASON})
    assert applied.status_code == 200
    assert applied.json()["network_mode"] == "standalone"
    change = (await history(admin, "scanners", 1))[-1]
    assert change["emergency"] is True
    assert change["reason"] == REASON["X-Change-Reason"]
    assert change["approved_by"] is None
    assert change["change_request_id"] is None
    # A direct, uncovered write of an admin is not flagged.
    plain = await admin.patch(url, json={"notes": "x"}, headers={"If-Match": applied.headers["etag"]})
    assert plain.status_code == 200
    assert (await history(admin, "scanners", 1))[-1]["emergency"] is False
    report = await editor.get("/api/v1/reports/unapproved-changes")
    assert report.status_code == 200
    assert [item["id"] for item in report.json()["items"]] == [change["id"]]
    exported = await editor.get("/api/v1/reports/unapproved-changes", headers={"Accept": "text/csv"})
    header, row = exported.text.splitlines()[:2]
    assert "before" in header.split(",")
    assert '""network_mode"":""standalone""' in row
    raised = await key_id(admin, "test reader")
    key_url = f"/api/v1/api-keys/{raised}"
    refused = await admin.patch(key_url, json={"role": "admin"}, headers={"If-Match": await etag(admin, key_url)})
    assert_problem(refused, 422, field="X-Change-Reason")
    made_admin = await admin.patch(
        key_url, json={"role": "admin"}, headers={"If-Match": await etag(admin, key_url), "X-Change-Reason": "on call"}
    )
    assert made_admin.status_code == 200
    flagged = (await admin.get("/api/v1/reports/unapproved-changes")).json()["items"]
    assert [item["object_type"] for item in flagged] == ["scanners", "api-keys"]
    # Non-admins do not see the key's record in the report, as in the change log.
    assert len((await editor.get("/api/v1/reports/unapproved-changes")).json()["items"]) == 1
    assert (await admin.get("/api/v1/changes/verify")).json()["valid"] is True


async def test_a_bulk_write_cannot_hold_a_covered_row(people):
    editor, admin = people["editor"], people["admin"]
    scanner = (await editor.get("/api/v1/scanners/1")).json()
    rows = [{"id": 1, "version": scanner["version"], "notes": "bulk"},
            {"id": 2, "version": 1, "network_mode": "standalone", "network_id": None}]  # fmt: skip
    refused = await editor.patch("/api/v1/scanners", json=rows)
    assert_problem(refused, 409, type="approval-required")
    assert (await editor.get("/api/v1/scanners/1")).json() == scanner
    assert (await editor.get("/api/v1/change-requests")).json()["items"] == []
    applied = await admin.patch("/api/v1/scanners", json=rows, headers=REASON)
    assert applied.status_code == 200, applied.text
    flagged = (await admin.get("/api/v1/reports/unapproved-changes")).json()["items"]
    assert [(item["object_id"], item["emergency"]) for item in flagged] == [(2, True)]


async def test_expired_requests_read_as_expired_and_cannot_apply(people, db):
    editor, approver = people["editor"], people["approver"]
    held = await open_request(editor, "/api/v1/scanners/1", {"vendor_id": None})
    with get_engine(db).begin() as connection:
        connection.execute(
            sa.text("UPDATE change_request SET expires_at = created_at WHERE id = :id"), {"id": held["id"]}
        )
    cr_url = f"/api/v1/change-requests/{held['id']}"
    assert (await editor.get(cr_url)).json()["state"] == "expired"
    assert (await editor.get("/api/v1/change-requests", params={"state": "pending"})).json()["items"] == []
    assert [
        item["id"]
        for item in (await editor.get("/api/v1/change-requests", params={"state": "expired"})).json()["items"]
    ] == [held["id"]]
    assert "pending_change_requests" not in (await editor.get("/api/v1/scanners/1")).json()
    refused = await approver.post(f"{cr_url}/approve", headers={"If-Match": await etag(editor, cr_url)})
    assert assert_problem(refused, 409, "expired")["state"] == "expired"
    assert (await editor.get("/api/v1/scanners/1")).json()["vendor"] is not None
    with get_engine(db).connect() as connection:
        stored = connection.execute(sa.text("SELECT state FROM change_request WHERE id = :id"), {"id": held["id"]})
        assert stored.scalar_one() == "expired"


async def test_listing_filters_and_pages(people):
    editor, reader = people["editor"], people["reader"]
    for n in range(3):
        await open_request(editor, f"/api/v1/scanners/{n + 1}", {"vendor_id": None})
    await editor.post("/api/v1/mitigation-measures", json={"scanner_id": 1, "title": "Seal"})
    seen, url = [], "/api/v1/change-requests?limit=2"
    while url:
        page = await reader.get(url)
        assert page.status_code == 200
        seen += [item["id"] for item in page.json()["items"]]
        url = page.json()["next_cursor"] and f"/api/v1/change-requests?limit=2&cursor={page.json()['next_cursor']}"
    assert seen == sorted(seen)
    assert len(seen) == 4
    by_collection = (await reader.get("/api/v1/change-requests", params={"collection": "mitigation-measures"})).json()
    assert [item["operation"] for item in by_collection["items"]] == ["create"]
    by_target = (await reader.get("/api/v1/change-requests", params={"collection": "scanners", "target_id": 2})).json()
    assert [item["target_id"] for item in by_target["items"]] == [2]
    assert_problem(await reader.get("/api/v1/change-requests", params={"state": "nonsense"}), 422, field="state")
    assert_problem(await reader.get("/api/v1/change-requests/999999"), 404)
    assert_problem(await reader.post(f"/api/v1/change-requests/{seen[0]}/withdraw"), 403)


async def test_api_keys_need_an_owner(people):
    admin = people["admin"]
    missing = await admin.post("/api/v1/api-keys", json={"name": "no owner", "role": "reader"})
    assert_problem(missing, 422, field="owner")
    created = await admin.post("/api/v1/api-keys", json={"name": "ops", "owner": "A. de Vries", "role": "approver"})
    assert created.status_code == 201
    assert created.json()["owner"] == "A. de Vries"


async def test_restoring_what_the_policy_covers_is_an_admins_emergency_change(people):
    editor, admin = people["editor"], people["admin"]
    created = await admin.post("/api/v1/mitigation-measures", json={"scanner_id": 1, "title": "Seal"}, headers=REASON)
    url = f"/api/v1/mitigation-measures/{created.json()['id']}"
    deleted = await admin.delete(url, headers={"If-Match": created.headers["etag"], **REASON})
    assert deleted.status_code == 204
    assert_problem(await editor.post(f"{url}/restore"), 403, "admin", "POST")
    assert_problem(await admin.post(f"{url}/restore"), 422, field="X-Change-Reason")
    assert_problem(await editor.get(url), 404)
    restored = await admin.post(f"{url}/restore", headers=REASON)
    assert restored.status_code == 201, restored.text
    assert (await history(admin, "mitigation-measures", created.json()["id"]))[-1]["emergency"] is True
    # Restoring what the policy does not cover stays an editor's write.
    site = await editor.post("/api/v1/sites", json={"code": "gone", "name": "Gone", "kind": "other"})
    site_url = f"/api/v1/sites/{site.json()['id']}"
    assert (await editor.delete(site_url, headers={"If-Match": site.headers["etag"]})).status_code == 204
    assert (await editor.post(f"{site_url}/restore")).status_code == 201


async def test_an_admin_can_ask_for_approval_and_key_changes_need_another_admin(people, db):
    admin, approver, editor = people["admin"], people["approver"], people["editor"]
    other_admin = http_client(people["admin"]._transport.app, bearer(mint_token(db, "admin", name="second admin")))
    raised = await key_id(admin, "test reader")
    url = f"/api/v1/api-keys/{raised}"
    held = await admin.patch(
        url, json={"role": "admin"}, headers={"If-Match": await etag(admin, url), "Prefer": "respond-async"}
    )
    assert held.status_code == 202, held.text
    request = held.json()
    cr_url = f"/api/v1/change-requests/{request['id']}"
    assert request["collection"] == "api-keys"
    assert request["rule"] == "api-key-admin"
    assert (await admin.get(url)).json()["pending_change_requests"] == [request["id"]]
    # Requests on keys are shown to admins only.
    assert_problem(await editor.get(cr_url), 404)
    assert (await editor.get("/api/v1/change-requests")).json()["items"] == []
    tag = held.headers["etag"]
    assert_problem(await admin.post(f"{cr_url}/approve", headers={"If-Match": tag}), 403, "second person")
    assert_problem(await approver.post(f"{cr_url}/approve", headers={"If-Match": tag}), 403, "admin")
    assert (await admin.get(url)).json()["role"] == "reader"
    approved = await other_admin.post(f"{cr_url}/approve", headers={"If-Match": tag})
    assert approved.status_code == 200, approved.text
    assert (await admin.get(url)).json()["role"] == "admin"
    change = (await admin.get("/api/v1/changes", params={"object_type": "api-keys", "object_id": raised})).json()
    last = change["items"][-1]
    assert last["approved_by"] == await key_id(admin, "second admin")
    assert last["change_request_id"] == request["id"]
    assert last["api_key_id"] == await key_id(admin, "test admin")
    assert last["emergency"] is False
    # The request's own records are admin-only too (they name the key and the role asked for).
    kinds = {"change-requests", "api-key-change-requests"}
    seen = [
        c
        for c in (await admin.get("/api/v1/changes", params={"limit": 500})).json()["items"]
        if c["object_type"] in kinds
    ]
    assert [(c["object_type"], c["action"]) for c in seen] == [
        ("api-key-change-requests", "create"),
        ("api-key-change-requests", "update"),
    ]
    for reader in (editor, approver):  # ("test reader" is an admin now)
        assert not [
            c
            for c in (await reader.get("/api/v1/changes", params={"limit": 500})).json()["items"]
            if c["object_type"] in kinds
        ]
    assert (await editor.get("/api/v1/changes/verify")).json()["valid"] is True
    assert (await admin.get("/api/v1/changes/verify")).json()["valid"] is True
    await other_admin.aclose()


@pytest.fixture
def only_network_rule(monkeypatch):
    """INVENTORY_APPROVAL_RULES naming one rule, for the test's duration."""
    from app.core import config

    monkeypatch.setenv("INVENTORY_APPROVAL_RULES", "scanner-network")
    config.get_settings.cache_clear()
    yield
    monkeypatch.delenv("INVENTORY_APPROVAL_RULES")
    config.get_settings.cache_clear()


async def test_the_policy_enforces_only_the_rules_configured(people, only_network_rule):
    editor = people["editor"]
    measure = await editor.post("/api/v1/mitigation-measures", json={"scanner_id": 1, "title": "Seal"})
    assert measure.status_code == 201, measure.text
    held = await editor.patch(
        "/api/v1/scanners/1", json={"vendor_id": None}, headers={"If-Match": await etag(editor, "/api/v1/scanners/1")}
    )
    assert held.status_code == 202
    assert held.json()["rule"] == "scanner-network"


async def test_a_misspelt_rule_stops_the_service_from_starting():
    from app.approvals.policy import check_approval_rules
    from app.core.config import Settings, UnsafeConfiguration

    check_approval_rules(Settings(approval_rules="scanner-network, audit-closed"))
    with pytest.raises(UnsafeConfiguration, match="scanner-netwrok"):
        check_approval_rules(Settings(approval_rules="scanner-netwrok"))
