"""Reports: exposure ranking, the summary that answers questions 2 and 3, overdue views, and CSV."""

import csv
import io

import pytest

from tests.helpers import as_csv_cells, assert_problem, patch, scanner_by_tag, seeded_audit

pytestmark = pytest.mark.asyncio

REPORTS = [
    "/api/v1/reports/exposure",
    "/api/v1/reports/summary",
    "/api/v1/reports/overdue/findings?on=2022-06-01",
    "/api/v1/reports/overdue/audits?on=2021-09-01",
    "/api/v1/reports/overdue/assessments?on=2021-09-01",
]


async def test_the_four_fibre_linked_nuctech_scanners_rank_highest(client):
    response = await client.get("/api/v1/reports/exposure")
    assert response.status_code == 200
    body = response.json()
    rows = body["items"]
    assert len(rows) == 13
    assert body["next_cursor"] is None
    top = rows[:4]
    assert {row["asset_tag"] for row in top} == {"RTM-CS-01", "RTM-CS-02", "RTM-CS-03", "RTM-CS-04"}
    for row in top:
        assert (row["site"], row["vendor"], row["network_mode"]) == ("maasvlakte", "nuctech", "fibre_linked")
        assert (row["criterion_1"], row["criterion_2"], row["criterion_3a"], row["criterion_3b"]) == (
            "unknown",
            "yes",
            "unknown",
            "unknown",
        )
        assert (row["risk_tier"], row["audit_status"]) == ("high", "audit_commissioned")
        assert row["reasons"][0].startswith("Tier high: supplier access not ruled out (3a unknown)")
        assert "Built on unknowns: consideration(s) 1, 3a, 3b unknown" in row["reasons"][0]
        assert row["unknowns"] == ["criterion_1", "criterion_3a", "criterion_3b"]
    # Every Nuctech record is high: its 3a is unknown (no supplier-access facts), not "no" for standalone ones;
    # within the tier the network mode orders fibre-linked first.
    assert [row["risk_tier"] for row in rows[:10]] == ["high"] * 10
    assert all(row["network_mode"] == "standalone" and row["vendor"] == "nuctech" for row in rows[4:10])
    assert [row["risk_tier"] for row in rows[10:]] == ["elevated"] * 3
    assert {row["asset_tag"] for row in rows[10:]} == {"RTM-CS-05", "RTM-CS-06", "RTM-CS-07"}
    assert all(row["vendor"] is None and "Vendor not disclosed" in row["reasons"][1] for row in rows[10:])
    assert all(row["unknowns"] == ["criterion_1", "criterion_2", "criterion_3a", "criterion_3b"] for row in rows[10:])
    assert any(rule.startswith("high:") for rule in body["meta"]["tier_rule"])


async def test_exposure_filters_and_sort(client):
    rows = (await client.get("/api/v1/reports/exposure", params={"site": "schiphol"})).json()["items"]
    assert [row["asset_tag"] for row in rows] == ["SPL-AC-NUCTECH", "SPL-BG-NUCTECH"]
    rows = (await client.get("/api/v1/reports/exposure", params={"vendor": "nuctech", "risk_tier": "high"})).json()
    assert len(rows["items"]) == 10
    rows = (await client.get("/api/v1/reports/exposure", params={"risk_tier": "elevated"})).json()
    assert [row["asset_tag"] for row in rows["items"]] == ["RTM-CS-05", "RTM-CS-06", "RTM-CS-07"]
    rows = (await client.get("/api/v1/reports/exposure", params={"sort": "asset_tag"})).json()["items"]
    assert [row["asset_tag"] for row in rows] == sorted(row["asset_tag"] for row in rows)
    assert_problem(await client.get("/api/v1/reports/exposure", params={"sort": "colour"}), 422, field="sort")
    assert_problem(await client.get("/api/v1/reports/exposure", params={"vendr": "nuctech"}), 422, field="vendr")


async def test_open_findings_raise_the_tier_one_step(client):
    audit = await seeded_audit(client)
    scanner = await scanner_by_tag(client, "RTM-CS-05")
    await client.post(
        "/api/v1/findings",
        json={"audit_id": audit["id"], "severity": "high", "title": "Z", "scanner_ids": [scanner["id"]]},
    )
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    row = next(row for row in rows if row["asset_tag"] == "RTM-CS-05")
    assert (row["audit_status"], row["risk_tier"]) == ("open_findings", "high")
    assert "raised one step" in row["reasons"][0]
    assert [r["asset_tag"] for r in rows[:5]] == ["RTM-CS-05", "RTM-CS-01", "RTM-CS-02", "RTM-CS-03", "RTM-CS-04"]


async def test_summary_answers_questions_2_and_3_in_one_call(client):
    body = (await client.get("/api/v1/reports/summary", params={"vendor": "nuctech"})).json()
    groups = {(row["site"], row["network_mode"]): row for row in body["items"]}
    assert groups[("maasvlakte", "fibre_linked")]["scanners"] == 4
    assert groups[("maasvlakte", "fibre_linked")]["count_is_minimum"] is False
    assert {site for site, mode in groups if mode == "standalone"} == {
        "schiphol",
        "maastricht-aachen-airport",
        "rotterdam-the-hague-airport",
        "postal-sorting-centres",
    }
    assert all(row["count_is_minimum"] for row in body["items"] if row["network_mode"] == "standalone")
    assert body["meta"]["totals_by_network_mode"] == [
        {"network_mode": "fibre_linked", "scanners": 4, "count_is_minimum": False, "records": 4, "units": 4},
        {"network_mode": "standalone", "scanners": 6, "count_is_minimum": True, "records": 6, "units": None},
    ]
    # Counts are of records; units only where every record is one identified unit.
    assert all(row["units"] is None for row in body["items"] if row["count_is_minimum"])
    assert "records" in body["meta"]["count_rule"]
    assert "not units" in body["meta"]["count_rule"]
    everything = (await client.get("/api/v1/reports/summary")).json()["items"]
    undisclosed = [row for row in everything if row["vendor"] is None]
    assert undisclosed == [
        {
            "site": "maasvlakte",
            "site_name": "Port of Rotterdam (customs office Maasvlakte)",
            "vendor": None,
            "network_mode": "fibre_linked",
            "audit_status": "audit_commissioned",
            "audit_status_known_on": "2021-04-19",
            "scanners": 3,
            "count_is_minimum": False,
            "records": 3,
            "units": 3,
        }
    ]


async def test_overdue_audits_use_the_end_of_the_stated_period(client):
    async def milestones(on: str) -> list:
        body = (await client.get("/api/v1/reports/overdue/audits", params={"on": on})).json()
        assert body["meta"]["on"] == on
        return [(row["milestone"], row["due_by"], row["days_past_due_by"]) for row in body["items"]]

    assert await milestones("2021-03-31") == []
    assert await milestones("2021-04-01") == [("start", "2021-03-31", 1)]
    assert await milestones("2021-08-31") == [("start", "2021-03-31", 153)]
    assert await milestones("2021-09-01") == [("start", "2021-03-31", 154), ("report", "2021-08-31", 1)]
    audit = await seeded_audit(client)
    await patch(client, f"/api/v1/audits/{audit['id']}", {"status": "in_progress"})
    assert await milestones("2021-09-01") == [("report", "2021-08-31", 1)]
    await patch(client, f"/api/v1/audits/{audit['id']}", {"status": "reported"})
    assert await milestones("2021-09-01") == []


async def test_the_seeded_audit_reads_no_report_since_the_source_date_not_overdue(client):
    body = (await client.get("/api/v1/reports/overdue/audits", params={"on": "2026-11-29"})).json()
    rows = body["items"]
    assert [(row["milestone"], row["reading"]) for row in rows] == [
        ("start", "no_later_report"),
        ("report", "no_later_report"),
    ]
    for row in rows:
        assert (row["status_known_on"], row["dates_stated_on"], row["days_overdue"]) == (
            "2021-04-19",
            "2021-04-19",
            None,
        )
        assert row["information_age_days"] == 2050  # 2021-04-19 to 2026-11-29
        assert "no report since 2021-04-19" in row["explanation"]
        assert "Not a finding that it is late" in row["explanation"]
        assert "overdue" not in row["explanation"].lower()
        assert "not started" not in row["explanation"]
    assert rows[1]["explanation"].startswith("report expected by 2021-08-31, no later report recorded")
    assert "no_later_report" in body["meta"]["rule"]


async def test_a_later_report_of_the_same_status_makes_a_milestone_overdue(client):
    audit = await seeded_audit(client)
    url = f"/api/v1/audits/{audit['id']}"
    response = await patch(client, url, {"status_known_on": "2021-10-15"})
    assert response.status_code == 200, response.text
    assert (response.json()["status_known_on"], response.json()["dates_stated_on"]) == ("2021-10-15", "2021-04-19")
    rows = (await client.get("/api/v1/reports/overdue/audits", params={"on": "2021-11-01"})).json()["items"]
    assert [(row["milestone"], row["reading"], row["days_overdue"]) for row in rows] == [
        ("start", "overdue", 215),
        ("report", "overdue", 62),
    ]
    assert rows[1]["explanation"].startswith("Overdue: report expected by 2021-08-31; a source of 2021-10-15")
    assert_problem(await patch(client, url, {"status_known_on": "2999-01-01"}), 422, field="status_known_on")
    assert_problem(await patch(client, url, {"dates_stated_on": "not a date"}), 422, field="dates_stated_on")


async def test_a_status_change_without_a_source_date_is_known_as_of_today(client):
    audit = await seeded_audit(client)
    response = await patch(client, f"/api/v1/audits/{audit['id']}", {"status": "in_progress"})
    assert response.status_code == 200, response.text
    today = (await client.get("/api/v1/reports/overdue/assessments")).json()["meta"]["on"]
    assert (response.json()["status_known_on"], response.json()["dates_stated_on"]) == (today, "2021-04-19")
    row = next(
        row for row in (await client.get("/api/v1/reports/exposure")).json()["items"] if row["asset_tag"] == "RTM-CS-01"
    )
    assert (row["audit_status"], row["audit_status_known_on"], row["audit_information_age_days"]) == (
        "audit_in_progress",
        today,
        0,
    )


async def test_overdue_findings_at_a_chosen_date(steward):
    client = steward  # covered writes (accepting a finding, an assessment) as emergency changes
    audit = await seeded_audit(client)
    scanner = await scanner_by_tag(client, "RTM-CS-01")
    created = []
    for title, due, status in (
        ("A", "2021-10-01", "open"),
        ("B", "2021-11-01", "mitigating"),
        ("C", "2021-10-01", "resolved"),
    ):
        body = {"audit_id": audit["id"], "severity": "medium", "title": title, "due_on": due, "status": status}
        created.append((await client.post("/api/v1/findings", json={**body, "scanner_ids": [scanner["id"]]})).json())
    await client.post("/api/v1/findings", json={"audit_id": audit["id"], "severity": "low", "title": "No date"})

    async def overdue(on: str) -> list:
        return (await client.get("/api/v1/reports/overdue/findings", params={"on": on})).json()["items"]

    assert await overdue("2021-10-01") == []
    rows = await overdue("2021-10-02")
    assert [(row["title"], row["days_overdue"], row["scanner_ids"]) for row in rows] == [("A", 1, [scanner["id"]])]
    assert [row["title"] for row in await overdue("2021-11-02")] == ["A", "B"]
    await patch(client, f"/api/v1/findings/{created[0]['id']}", {"status": "accepted"})
    assert [row["title"] for row in await overdue("2021-11-02")] == ["B"]


async def test_overdue_assessments_at_a_chosen_date(steward):
    client = steward  # covered writes (accepting a finding, an assessment) as emergency changes

    async def overdue(on: str) -> list:
        return (await client.get("/api/v1/reports/overdue/assessments", params={"on": on})).json()["items"]

    assert await overdue("2030-01-01") == []  # the seeded assessment has no valid_until: never overdue
    assessment = (await client.get("/api/v1/vendor-assessments")).json()["items"][0]
    await patch(client, f"/api/v1/vendor-assessments/{assessment['id']}", {"valid_until": "2021-08-31"})
    assert await overdue("2021-08-31") == []
    rows = await overdue("2021-09-01")
    assert [(row["vendor"], row["valid_until"], row["days_overdue"]) for row in rows] == [("nuctech", "2021-08-31", 1)]
    default = (await client.get("/api/v1/reports/overdue/assessments")).json()
    assert default["items"][0]["vendor"] == "nuctech"
    assert default["meta"]["on"] > "2021-09-01"
    assert_problem(await client.get("/api/v1/reports/overdue/assessments", params={"on": "summer"}), 422, field="on")


@pytest.mark.parametrize("url", REPORTS)
async def test_csv_has_the_same_rows_as_json(steward, url):
    client = steward  # covered writes (accepting a finding, an assessment) as emergency changes
    audit = await seeded_audit(client)
    await client.post(
        "/api/v1/findings",
        json={"audit_id": audit["id"], "severity": "high", "title": 'Quote " and, comma', "due_on": "2022-01-01"},
    )
    assessment = (await client.get("/api/v1/vendor-assessments")).json()["items"][0]
    await patch(client, f"/api/v1/vendor-assessments/{assessment['id']}", {"valid_until": "2021-08-31"})
    as_json = await client.get(url)
    as_csv = await client.get(url, headers={"Accept": "text/csv"})
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    items = as_json.json()["items"]
    assert items, url
    assert rows == [as_csv_cells(item) for item in items]
    assert list(rows[0]) == list(items[0])


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("application/json", "json"),
        ("*/*", "json"),
        ("text/csv;q=0.5, application/json", "json"),
        ("application/json;q=0.2, text/csv", "csv"),
        ("text/html, text/csv", "csv"),
        ("text/*", "csv"),
    ],
)
async def test_accept_negotiation(client, accept, kind):
    response = await client.get("/api/v1/reports/summary", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv" if kind == "csv" else "application/json")


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "text/csv;q=0"])
async def test_unsupported_accept_is_a_406_problem(client, accept):
    response = await client.get("/api/v1/reports/exposure", headers={"Accept": accept})
    assert_problem(response, 406, "text/csv")


async def test_reports_need_a_key(anonymous):
    assert_problem(await anonymous.get("/api/v1/reports/exposure"), 401)


async def test_a_new_audit_is_known_as_of_its_source_date_or_today(client):
    today = (await client.get("/api/v1/reports/overdue/assessments")).json()["meta"]["on"]
    body = {"title": "Follow-up audit", "covers_all_scanners": True}
    response = await client.post("/api/v1/audits", json=body)
    assert response.status_code == 201, response.text
    assert (response.json()["status_known_on"], response.json()["dates_stated_on"]) == (today, today)
    dated = {**body, "title": "Dated audit", "status_known_on": "2022-03-01", "dates_stated_on": "2021-12-01"}
    response = await client.post("/api/v1/audits", json=dated)
    assert (response.json()["status_known_on"], response.json()["dates_stated_on"]) == ("2022-03-01", "2021-12-01")
    future = {**body, "title": "Future audit", "dates_stated_on": "2999-01-01"}
    assert_problem(await client.post("/api/v1/audits", json=future), 422, field="dates_stated_on")
