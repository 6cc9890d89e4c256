"""The seed loader: idempotent, validated like the API, all-or-nothing."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from app.core.db import get_engine
from app.seeding import DEFAULT_SEED_FILE, SeedError, load_seed


def counts(url: str) -> dict[str, int]:
    with get_engine(url).connect() as connection:
        return {
            table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("site", "vendor", "vendor_restriction", "network", "scanner")
        }


def snapshot(url: str) -> list:
    with get_engine(url).connect() as connection:
        return connection.execute(sa.text("SELECT * FROM scanner ORDER BY id")).all()


def test_seed_reproduces_the_document_counts(db):
    assert counts(db) == {"site": 5, "vendor": 1, "vendor_restriction": 4, "network": 1, "scanner": 13}


def test_running_the_seed_twice_changes_nothing(db):
    before = snapshot(db)
    with Session(get_engine(db)) as session:
        report = load_seed(session)
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 0
    # 24 inventory rows; procurement 1 + its 10 scanner links, audit 1, vendor assessment 1;
    # operators 2 + Customs' 5 site and 13 scanner links; investigation 1 + its vendor and 10 scanner links.
    assert sum(report.unchanged.values()) == 69
    assert snapshot(db) == before


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        (("network_mode: fibre_linked", "network_mode: standalone", 1), "standalone"),
        (("kind: seaport", "kind: harbour", 1), "kind"),
        (("code: schiphol", "code: Schiphol Airport", 1), "code"),
        (("site: schiphol", "site: atlantis", 1), "atlantis"),
        (("country: CN", "country: China", 1), "country"),
    ],
)
def test_an_invalid_record_stores_nothing(db, tmp_path, mutation, message):
    before = snapshot(db)
    old, new, count = mutation
    text = DEFAULT_SEED_FILE.read_text().replace(old, new, count)
    text = text.replace("asset_tag: RTM-CS-01", "asset_tag: NEW-01")  # a would-be new row
    with Session(get_engine(db)) as session, pytest.raises(SeedError, match=message):
        load_seed(session, _write(tmp_path, text))
    assert snapshot(db) == before


def test_a_later_seed_file_adds_new_facts_and_keeps_existing_rows(db, tmp_path):
    text = DEFAULT_SEED_FILE.read_text().replace('name: "Schiphol airport"', 'name: "Amsterdam Airport Schiphol"')
    text = text.replace("sites:\n", 'sites:\n  - code: eemshaven\n    name: "Eemshaven"\n    kind: seaport\n', 1)
    with Session(get_engine(db)) as session:
        report = load_seed(session, _write(tmp_path, text))
    assert (report.created["site"], report.kept["site"], report.updated["site"]) == (1, 1, 0)
    with get_engine(db).connect() as connection:
        name, version = connection.execute(sa.text("SELECT name, version FROM site WHERE code = 'schiphol'")).one()
        assert connection.execute(sa.text("SELECT COUNT(*) FROM site WHERE code = 'eemshaven'")).scalar_one() == 1
    assert (name, version) == ("Schiphol airport", 1)


def test_reconcile_sets_a_differing_row_back_to_the_file_and_records_it(db, tmp_path):
    text = DEFAULT_SEED_FILE.read_text().replace('name: "Schiphol airport"', 'name: "Amsterdam Airport Schiphol"')
    with Session(get_engine(db)) as session:
        report = load_seed(session, _write(tmp_path, text), reconcile=True)
    assert report.updated["site"] == 1
    with get_engine(db).connect() as connection:
        site_id, name, version = connection.execute(
            sa.text("SELECT id, name, version FROM site WHERE code = 'schiphol'")
        ).one()
        record = connection.execute(
            sa.text(
                "SELECT action, request_id, reason, api_key_id FROM change_record"
                " WHERE object_type = 'sites' AND object_id = :id ORDER BY id DESC LIMIT 1"
            ),
            {"id": site_id},
        ).one()
    assert (name, version) == ("Amsterdam Airport Schiphol", 2)
    assert tuple(record) == ("update", "seed", "reconciled with the seed file", None)


@pytest.mark.asyncio
async def test_the_use_at_distribution_centres_cites_antwoord_2(client):
    items = (await client.get("/api/v1/scanners", params={"limit": 500})).json()["items"]
    scanner = next(item for item in items if item["asset_tag"] == "PSC-PC-NUCTECH")
    assert scanner["use"] == "post_and_courier"
    assert "Antwoord 2 (standalone; use at distribution centres: post and courier parcels)" in scanner["source"]
    assert "Antwoord 3 (Nuctech scanners at distribution centres" in scanner["source"]


@pytest.mark.asyncio
async def test_the_seeded_audit_is_known_as_of_the_documents_date_and_quotes_it(client):
    audit = (await client.get("/api/v1/audits")).json()["items"][0]
    assert (audit["status"], audit["status_known_on"], audit["dates_stated_on"]) == (
        "commissioned",
        "2021-04-19",
        "2021-04-19",
    )
    assert audit["expected_report_as_stated"] == (
        "Verwacht wordt dat de resultaten van het onderzoek in de zomer beschikbaar zijn."
    )
    assert audit["planned_start_as_stated"] == "het onderzoek zal in maart starten"
    rows = (await client.get("/api/v1/reports/exposure")).json()["items"]
    for row in rows:
        assert (row["audit_status"], row["audit_status_known_on"]) == ("audit_commissioned", "2021-04-19")
        reason = row["reasons"][-1]
        assert reason.startswith(
            "Audit status audit_commissioned: a covering audit was reported commissioned, as reported on 2021-04-19 ("
        )
        assert reason.endswith("days ago); no report since 2021-04-19.")
        assert "not started" not in reason
        assert "has not started" not in " ".join(row["reasons"])
        assert row["audit_information_age_days"] >= 2050
