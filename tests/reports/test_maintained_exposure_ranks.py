"""The exposure report's risk order is maintained on write (a derived table, read in its index order) and stays
equal to what the tier rule computes: after every kind of write the rule rests on, the present report (the
maintained ranks) and the report as of the same instant (the rule computed over the versions) list the same
scanners in the same order with the same tiers, and the ``risk_tier`` filter returns exactly the scanners of
that computed tier."""

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from tests.helpers import scanner_by_tag

pytestmark = pytest.mark.asyncio

TIERS = ("high", "elevated", "moderate", "low")


async def _rows(client, **params) -> list[tuple[int, str]]:
    rows: list[tuple[int, str]] = []
    cursor = None
    while True:
        page_params = {"limit": 500, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/reports/exposure", params=page_params)
        assert response.status_code == 200, response.text
        rows += [(row["scanner_id"], row["risk_tier"]) for row in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return rows


async def assert_maintained_equals_computed(client) -> None:
    await asyncio.sleep(0.01)  # the instant read is after the last write's record
    now = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["recorded_at"]
    for sort in ("risk", "asset_tag"):
        assert await _rows(client, sort=sort) == await _rows(client, sort=sort, as_of=now)
    computed = await _rows(client, as_of=now)
    for tier in TIERS:
        filtered = await _rows(client, risk_tier=tier)
        assert filtered == [row for row in computed if row[1] == tier]


async def _created(client, url: str, body: dict) -> dict:
    response = await client.post(url, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def _patched(client, url: str, body: dict) -> dict:
    etag = (await client.get(url)).headers["etag"]
    response = await client.patch(url, json=body, headers={"If-Match": etag})
    assert response.status_code == 200, response.text
    return response.json()


async def _deleted(client, url: str) -> None:
    etag = (await client.get(url)).headers["etag"]
    response = await client.delete(url, headers={"If-Match": etag})
    assert response.status_code == 204, response.text


async def test_a_scanners_own_writes_keep_its_rank_equal_to_the_rule(steward):
    client = steward
    await assert_maintained_equals_computed(client)
    site = (await client.get("/api/v1/sites")).json()["items"][0]
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    created = await _created(
        client,
        "/api/v1/scanners",
        {"asset_tag": "AAA-RANKED-1", "site_id": site["id"], "network_mode": "standalone", "use": "baggage"},
    )
    await assert_maintained_equals_computed(client)
    await _patched(client, f"/api/v1/scanners/{created['id']}", {"vendor_id": nuctech["id"]})
    await assert_maintained_equals_computed(client)
    await _patched(client, f"/api/v1/scanners/{created['id']}", {"asset_tag": "ZZZ-RANKED-1"})
    await assert_maintained_equals_computed(client)
    await _deleted(client, f"/api/v1/scanners/{created['id']}")
    await assert_maintained_equals_computed(client)


async def test_the_facts_a_tier_rests_on_keep_the_ranks_equal_to_the_rule(steward):
    client = steward
    scanner = await scanner_by_tag(client, "RTM-CS-03")
    for aspect in ("remote_maintenance", "software_updates", "data_access", "on_site_service"):
        await _created(
            client,
            "/api/v1/supplier-access-facts",
            {"scanner_id": scanner["id"], "aspect": aspect, "answer": "no", "source": "Contract"},
        )
    await assert_maintained_equals_computed(client)
    override = await _created(
        client, "/api/v1/access-overrides", {"scanner_id": scanner["id"], "criterion_3a": "yes", "reason": "Remote"}
    )
    await assert_maintained_equals_computed(client)
    await _deleted(client, f"/api/v1/access-overrides/{override['id']}")
    await assert_maintained_equals_computed(client)
    measure = await _created(
        client, "/api/v1/mitigation-measures", {"scanner_id": scanner["id"], "title": "Diode", "status": "verified"}
    )
    await assert_maintained_equals_computed(client)
    await _patched(client, f"/api/v1/mitigation-measures/{measure['id']}", {"status": "infeasible"})
    await assert_maintained_equals_computed(client)


async def test_assessments_and_audits_keep_every_scanners_rank_equal_to_the_rule(steward):
    client = steward
    nuctech = (await client.get("/api/v1/vendors", params={"slug": "nuctech"})).json()["items"][0]
    assessment = await _created(
        client,
        "/api/v1/vendor-assessments",
        {
            "vendor_id": nuctech["id"],
            "criterion_1": "no",
            "criterion_1_rationale": "Test.",
            "criterion_2": "no",
            "criterion_2_rationale": "Test.",
            "assessed_on": "2030-01-10",
            "assessor": "Security officer",
        },
    )
    await assert_maintained_equals_computed(client)
    await _deleted(client, f"/api/v1/vendor-assessments/{assessment['id']}")
    await assert_maintained_equals_computed(client)
    scanner = await scanner_by_tag(client, "RTM-CS-03")
    # An audit of one site changes the audit status of that site's scanners only, and so their ranks.
    site_audit = await _created(
        client,
        "/api/v1/audits",
        {
            "title": "Site audit",
            "covers_all_scanners": False,
            "site_ids": [scanner["site"]["id"]],
            "status": "reported",
        },
    )
    await assert_maintained_equals_computed(client)
    await _created(
        client,
        "/api/v1/findings",
        {"audit_id": site_audit["id"], "severity": "low", "title": "Label", "scanner_ids": [scanner["id"]]},
    )
    await assert_maintained_equals_computed(client)
    audit = await _created(
        client, "/api/v1/audits", {"title": "Ranked audit", "covers_all_scanners": True, "status": "in_progress"}
    )
    await _created(
        client,
        "/api/v1/findings",
        {"audit_id": audit["id"], "severity": "high", "title": "Open port", "scanner_ids": [scanner["id"]]},
    )
    await assert_maintained_equals_computed(client)


async def test_an_edit_the_ranks_do_not_rest_on_recomputes_nothing(steward, monkeypatch):
    """A scanner's notes are not among what its ranks or audit status rest on: editing them recomputes
    neither (each recomputation is a statement under the change-log lock); editing its asset tag does."""
    import app.audits.status
    import app.reports.service

    recomputed: list[str] = []
    for module, name in ((app.reports.service, "refresh_exposure_ranks"), (app.audits.status, "refresh_audit_status")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _f=original, _n=name: (recomputed.append(_n), _f(*args))[1])
    client = steward
    scanner = await scanner_by_tag(client, "RTM-CS-03")
    await _patched(client, f"/api/v1/scanners/{scanner['id']}", {"notes": "Checked on site."})
    assert recomputed == []
    await _patched(client, f"/api/v1/scanners/{scanner['id']}", {"asset_tag": "RTM-CS-03-B"})
    assert recomputed == ["refresh_exposure_ranks"]
    await assert_maintained_equals_computed(client)


PLANNED_SUBQUERY = {"postgresql": "SubPlan", "sqlite": "CORRELATED SCALAR SUBQUERY"}
"""How each database's plan names a correlated subquery it runs per row."""


async def test_the_upkeep_of_a_scanners_ranks_plans_each_subquery_once(steward, db):
    """The statement that recomputes a new scanner's ranks (under the change-log lock, on every write that
    moves them) plans each correlated subquery it is written with once. With the facts merged into the tier
    rule's expressions, each CASE repeated the subqueries it read: 200 in the plan for 10 written, and on
    PostgreSQL 8 ms to plan and 3 ms to run for one scanner."""
    engine = get_engine(db)
    upkeep: list[tuple[str, Any]] = []

    def note(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("INSERT INTO scanner_exposure_rank"):
            upkeep.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        site = (await steward.get("/api/v1/sites", params={"limit": 1})).json()["items"][0]
        body = {"asset_tag": "UPKEEP-1", "site_id": site["id"], "use": "baggage", "status": "active"}
        await _created(steward, "/api/v1/scanners", {**body, "network_mode": "standalone", "count_basis": "unit"})
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    [(statement, parameters)] = upkeep
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        plan = [str(row[-1]) for row in connection.exec_driver_sql(prefix + statement, parameters).all()]
    planned = sum(PLANNED_SUBQUERY[engine.dialect.name] in line for line in plan)
    written = statement.count("(SELECT ")
    assert 0 < planned <= written, "\n".join(plan)
