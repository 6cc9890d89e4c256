"""Object versions: what point-in-time (as_of) reads are made of.

- Every change writes its version in the same transaction; the live table equals what the change log
  implies (the rebuild the migration does).
- as_of answers equal a replay of the change log (the rule the versions implement: an object's state at
  T is the ``after`` of its latest record recorded at or before T), at several instants of a generated
  history, for every item, brief, count, filter, sort and page.
- The migration builds the versions of an existing, large change log in batches.
- A point-in-time list and item read the versions through their indexes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from app.changes.versions import point_in_time, rebuild_versions
from app.core.choices import AuditStatus, FindingStatus, ScannerAuditStatus
from app.core.db import format_timestamp, get_engine
from app.core.migrate import downgrade, upgrade
from app.core.pagination import Filters, page_query
from app.scanners.service import SCANNERS
from app.seeding import load_seed
from bench.dataset import Scale, generate
from tests.conftest import BACKENDS, new_database
from tests.helpers import etag, find

pytestmark = pytest.mark.asyncio

SEED_DAY = "2021-04-19T12:00:00Z"


# The reference: the change log replayed in Python --------------------------------------------------


def _states(connection: sa.Connection, object_type: str, at: str) -> dict[int, dict[str, Any]]:
    """Every object of ``object_type`` at ``at``: the ``after`` of its latest record (chain order)
    recorded at or before ``at``; absent when that is a deletion."""
    latest: dict[int, tuple[int, str | None]] = {}
    rows = connection.execute(
        sa.text(
            "SELECT id, object_id, recorded_at, after FROM change_record WHERE object_type = :object_type ORDER BY id"
        ),
        {"object_type": object_type},
    )
    for record_id, object_id, recorded_at, after in rows:
        text = recorded_at if isinstance(recorded_at, str) else format_timestamp(recorded_at)
        if text <= at:
            latest[object_id] = (record_id, after)
    return {object_id: orjson.loads(after) for object_id, (_, after) in latest.items() if after is not None}


def _audit_status(scanner: dict, past: dict[str, dict[int, dict]]) -> str:
    """The audit status rule (``app/audits/status.py``) over replayed states, for one scanner."""
    scanner_id, site_id = scanner["id"], scanner["site_id"]
    scoped_scanners = {(link["audit_id"], link["scanner_id"]) for link in past["audit-scanners"].values()}
    scoped_sites = {(link["audit_id"], link["site_id"]) for link in past["audit-sites"].values()}

    def covers(audit: dict) -> bool:
        return (
            bool(audit["covers_all_scanners"])
            or (audit["id"], scanner_id) in scoped_scanners
            or (audit["id"], site_id) in scoped_sites
        )

    concerned: dict[int, set[int]] = {}
    for link in past["finding-scanners"].values():
        concerned.setdefault(link["finding_id"], set()).add(link["scanner_id"])
    for finding in past["findings"].values():
        if finding["status"] not in (FindingStatus.OPEN.value, FindingStatus.MITIGATING.value):
            continue
        named = concerned.get(finding["id"])
        audit = past["audits"].get(finding["audit_id"])
        if (named and scanner_id in named) or (not named and audit is not None and covers(audit)):
            return ScannerAuditStatus.OPEN_FINDINGS.value
    covering = {audit["status"] for audit in past["audits"].values() if covers(audit)}
    for statuses, result in (
        ((AuditStatus.REPORTED, AuditStatus.CLOSED), ScannerAuditStatus.AUDITED),
        ((AuditStatus.IN_PROGRESS,), ScannerAuditStatus.AUDIT_IN_PROGRESS),
        ((AuditStatus.COMMISSIONED,), ScannerAuditStatus.AUDIT_COMMISSIONED),
    ):
        if covering & {status.value for status in statuses}:
            return result.value
    return ScannerAuditStatus.NOT_AUDITED.value


def replayed(url: str, at: str) -> dict[str, dict[int, dict]]:
    """The five inventory collections at ``at`` as their GETs show them, rebuilt from the change log."""
    with get_engine(url).connect() as connection:
        past = {
            object_type: _states(connection, object_type, at)
            for object_type in (
                "sites", "vendors", "vendor-restrictions", "networks", "scanners",
                "audits", "audit-scanners", "audit-sites", "findings", "finding-scanners",
            )
        }  # fmt: skip
    sites, vendors, networks = past["sites"], past["vendors"], past["networks"]
    linked = Counter(scanner["network_id"] for scanner in past["scanners"].values())
    scanners = {}
    for scanner_id, state in past["scanners"].items():
        site = sites.get(state["site_id"])
        if site is None:  # the listing joins the site
            continue
        vendor = vendors.get(state["vendor_id"], {})
        network = networks.get(state["network_id"], {})
        scanners[scanner_id] = {
            **state,
            "audit_status": _audit_status(state, past),
            "site": {"id": site["id"], "code": site["code"], "name": site["name"], "kind": site["kind"]},
            "vendor": None
            if state["vendor_id"] is None
            else {"id": state["vendor_id"], "slug": vendor.get("slug"), "name": vendor.get("name")},
            "network": None
            if state["network_id"] is None
            else {"id": state["network_id"], "code": network.get("code"), "name": network.get("name")},
        }
    return {
        "sites": sites,
        "vendors": {
            vendor_id: {
                **state,
                "restrictions": [
                    restriction
                    for _, restriction in sorted(past["vendor-restrictions"].items())
                    if restriction["vendor_id"] == vendor_id
                ],
            }
            for vendor_id, state in vendors.items()
        },
        "vendor-restrictions": {
            restriction_id: state
            for restriction_id, state in past["vendor-restrictions"].items()
            if state["vendor_id"] in vendors
        },
        "networks": {
            network_id: {**state, "scanner_count": linked[network_id]} for network_id, state in networks.items()
        },
        "scanners": scanners,
    }


async def walk(client, collection: str, **params) -> list[dict]:
    """Every item of a listing, page by page through its cursors."""
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


def ordered(items: list[dict], *order: tuple[str, bool]) -> list[int]:
    """Ids in a listing's order: ``(field, descending)`` pairs, text compared bytewise, then the id in the
    last field's direction."""
    rows = list(items)
    for field, descending in reversed([*order, ("id", order[-1][1])]):
        rows.sort(key=lambda item: item[field].encode() if isinstance(item[field], str) else item[field],
                  reverse=descending)  # fmt: skip
    return [item["id"] for item in rows]


# The tests --------------------------------------------------------------------------------------------


def _version_rows(connection: sa.Connection) -> list[tuple]:
    rows = connection.execute(
        sa.text(
            "SELECT object_type, object_id, valid_from, valid_from_change, valid_to, valid_to_change, state"
            " FROM object_version ORDER BY valid_from_change"
        )
    ).all()
    return [(*row[:6], row[6] if isinstance(row[6], dict) else orjson.loads(row[6])) for row in rows]


async def _history_through_the_api(client) -> None:
    """Updates, a deletion and a restore, a new restriction, audit coverage: changes of every kind."""
    site = (await client.post("/api/v1/sites", json={"code": "delfzijl", "name": "Delfzijl", "kind": "seaport"})).json()
    nuctech = await find(client, "vendors", slug="nuctech")
    body = {"asset_tag": "DZL-1", "site_id": site["id"], "vendor_id": nuctech["id"], "use": "container_cargo",
            "network_mode": "standalone"}  # fmt: skip
    scanner = (await client.post("/api/v1/scanners", json=body)).json()
    scanner_url, site_url = f"/api/v1/scanners/{scanner['id']}", f"/api/v1/sites/{site['id']}"
    for patch in ({"status": "maintenance"}, {"notes": "Moved."}):
        response = await client.patch(scanner_url, json=patch, headers={"If-Match": await etag(client, scanner_url)})
        assert response.status_code == 200, response.text
    response = await client.patch(
        site_url, json={"name": "Delfzijl port"}, headers={"If-Match": await etag(client, site_url)}
    )
    assert response.status_code == 200, response.text
    assert (await client.delete(scanner_url, headers={"If-Match": await etag(client, scanner_url)})).status_code == 204
    assert (await client.post(f"{scanner_url}/restore")).status_code == 201
    restriction = {"vendor_id": nuctech["id"], "country": "NL", "kind": "finding", "description": "A finding."}
    assert (await client.post("/api/v1/vendor-restrictions", json=restriction)).status_code == 201


async def test_the_versions_written_with_each_change_are_those_the_log_implies(client, db):
    await _history_through_the_api(client)
    with get_engine(db).connect() as connection:
        live = _version_rows(connection)
        states = connection.execute(sa.text("SELECT COUNT(*) FROM change_record WHERE action <> 'delete'")).scalar_one()
        connection.rollback()
        with connection.begin() as transaction:
            rebuild_versions(connection, batch=7)
            rebuilt = _version_rows(connection)
            transaction.rollback()
    assert len(live) == states  # one version per record that left a state: seed, API keys, all of it
    assert live == rebuilt
    open_scanners = [row for row in live if row[0] == "scanners" and row[4] is None]
    assert len({row[1] for row in open_scanners}) == len(open_scanners)  # at most one current version each


async def test_as_of_answers_equal_the_replayed_log_at_several_instants(client, db):
    data = generate(db, Scale(scanners=120, sites=4, vendors=3, changes=1_500), log=lambda message: None)
    before_api = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]
    await _history_through_the_api(client)
    records = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 12})).json()["items"]
    instants = [
        "2021-04-18T00:00:00Z",
        SEED_DAY,
        data.first_recorded_at,
        data.middle_recorded_at,
        data.last_recorded_at,
        before_api["recorded_at"],
        *(record["recorded_at"] for record in records[::3]),
    ]
    for at in instants:
        expected = replayed(db, at)
        for collection, items in expected.items():
            listed = await walk(client, collection, as_of=at, limit=37)
            assert {item["id"]: item for item in listed} == items, (collection, at)
            assert [item["id"] for item in listed] == sorted(items), (collection, at)
        for collection, key in (
            ("sites", "code"),
            ("vendors", "slug"),
            ("networks", "code"),
            ("scanners", "asset_tag"),
        ):
            values = list(expected[collection].values())
            listed = await walk(client, collection, as_of=at, sort=f"-{key}", limit=29)
            assert [item["id"] for item in listed] == ordered(values, (key, True)), (collection, at)
        scanners = list(expected["scanners"].values())
        listed = await walk(client, "scanners", as_of=at, sort="status,-updated_at", limit=50)
        assert [item["id"] for item in listed] == ordered(scanners, ("status", False), ("updated_at", True)), at
        for site in list(expected["sites"].values())[:3]:
            listed = await walk(client, "scanners", as_of=at, site=site["code"], limit=500)
            assert sorted(item["id"] for item in listed) == sorted(
                s["id"] for s in scanners if s["site_id"] == site["id"]
            ), at
        statuses = Counter(s["status"] for s in scanners)
        for status, count in statuses.items():
            assert len(await walk(client, "scanners", as_of=at, status=status, limit=500)) == count, (status, at)
        for collection, items in expected.items():
            for item_id in list(items)[:: max(1, len(items) // 4)]:
                response = await client.get(f"/api/v1/{collection}/{item_id}", params={"as_of": at})
                assert response.status_code == 200
                assert response.json() == items[item_id], (collection, item_id, at)
        gone = data.first_scanner_id + 10_000
        response = await client.get(f"/api/v1/scanners/{gone}", params={"as_of": at})
        assert response.status_code == 404
        assert "existed at" in response.json()["detail"]


@pytest.fixture(params=BACKENDS)
def scratch(request, tmp_path_factory) -> str:
    return new_database(request.param, tmp_path_factory, request)


async def test_the_migration_builds_the_versions_of_a_large_existing_log(scratch):
    from sqlmodel import Session

    upgrade(scratch)
    with Session(get_engine(scratch)) as session:
        load_seed(session)
        session.commit()
    data = generate(scratch, Scale(scanners=2_500, sites=20, vendors=5, changes=20_000), log=lambda message: None)
    downgrade(scratch, "8a3f6c2d9e14")  # as a database made before versions existed
    with get_engine(scratch).connect() as connection:
        assert not sa.inspect(connection).has_table("object_version")
        records = connection.execute(sa.text("SELECT COUNT(*) FROM change_record")).scalar_one()
    assert records > 20_000
    instants = [SEED_DAY, data.first_recorded_at, data.middle_recorded_at, data.last_recorded_at]
    upgrade(scratch)  # scanner ids span more than one batch of the backfill
    with get_engine(scratch).connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM object_version")).scalar_one() == records
        for at in instants:
            for object_type, table in (("sites", "site"), ("vendors", "vendor"), ("scanners", "scanner")):
                rows = connection.execute(
                    sa.text(point_in_time(f"SELECT {table}.id, {table}.version FROM {table}", connection.dialect.name)),
                    {"as_of": at},
                ).all()
                assert dict(rows) == {
                    object_id: state["version"] for object_id, state in _states(connection, object_type, at).items()
                }, (object_type, at)
        versions = {
            row.valid_from_change: row
            for row in connection.execute(sa.text("SELECT valid_from_change, valid_to_change FROM object_version"))
        }
        # A scanner updated round-robin: each version ends at the scanner's next change.
        chain = (
            connection.execute(
                sa.text("SELECT id FROM change_record WHERE object_type = 'scanners' AND object_id = :id ORDER BY id"),
                {"id": data.first_scanner_id},
            )
            .scalars()
            .all()
        )
    assert len(chain) > 5
    assert [versions[record].valid_to_change for record in chain] == [*chain[1:], None]


def _plan(connection: sa.Connection, sql: str, params: dict) -> str:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
        return "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
    return "\n".join(str(row[-1]) for row in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"), params))


async def test_a_point_in_time_list_and_item_read_the_versions_through_an_index(app, db):
    reads = app.state.reads
    sql, params, _, _ = page_query(reads, SCANNERS, Filters(), sort=None, cursor=None, limit=50)
    item_sql = f"{SCANNERS.select} WHERE scanner.id = :id"
    with get_engine(db).connect() as connection, connection.begin():
        listing = _plan(connection, point_in_time(sql, connection.dialect.name), {**params, "as_of": SEED_DAY})
        item = _plan(connection, point_in_time(item_sql, connection.dialect.name), {"id": 1, "as_of": SEED_DAY})
    assert "object_version" in listing
    assert "ix_object_version_" in listing, listing
    for line in listing.splitlines():  # no version is read without an index
        assert not ("object_version" in line and ("Seq Scan" in line or line.strip().startswith("SCAN ov"))), listing
    assert "ix_object_version_object" in item, item


async def test_the_versions_can_be_rebuilt_from_the_log_on_the_command_line(client, db):
    from typer.testing import CliRunner

    from app.cli import app as cli

    await _history_through_the_api(client)
    at = (await client.get("/api/v1/changes", params={"sort": "-id", "limit": 1})).json()["items"][0]["recorded_at"]
    before = await walk(client, "scanners", as_of=at, limit=500)
    with get_engine(db).begin() as connection:  # versions lost, as for a log loaded around the application
        connection.execute(sa.text("DELETE FROM object_version WHERE object_type = 'scanners'"))
    assert await walk(client, "scanners", as_of=at, limit=500) == []
    result = CliRunner().invoke(cli, ["rebuild-versions"])
    assert result.exit_code == 0, result.output
    assert "object versions rebuilt" in result.stdout
    assert await walk(client, "scanners", as_of=at, limit=500) == before


async def test_concurrent_writes_leave_the_versions_the_log_implies(client, db):
    import asyncio

    sites = (await client.get("/api/v1/sites", params={"limit": 4})).json()["items"]

    async def rename(site: dict, times: int) -> None:
        url = f"/api/v1/sites/{site['id']}"
        for n in range(times):
            response = await client.patch(
                url, json={"notes": f"rev {n}"}, headers={"If-Match": await etag(client, url)}
            )
            assert response.status_code == 200, response.text

    async def create(n: int) -> None:
        body = {"code": f"parallel-{n}", "name": f"Parallel {n}", "kind": "seaport"}
        assert (await client.post("/api/v1/sites", json=body)).status_code == 201

    await asyncio.gather(*(rename(site, 5) for site in sites), *(create(n) for n in range(8)))
    with get_engine(db).connect() as connection:
        live = _version_rows(connection)
        connection.rollback()
        with connection.begin() as transaction:
            rebuild_versions(connection)
            rebuilt = _version_rows(connection)
            transaction.rollback()
    assert live == rebuilt
    for site in sites:
        now = await client.get(f"/api/v1/sites/{site['id']}")
        at = now.json()["updated_at"]
        assert (await client.get(f"/api/v1/sites/{site['id']}", params={"as_of": at})).json() == now.json()


async def test_records_whose_times_run_against_the_chain_order_keep_the_replay_rule(db):
    """A later record stamped earlier (clocks of concurrent writers disagree): at any instant the state
    is still the latest record (chain order) recorded at or before it, and the live versions equal a rebuild."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from app.changes.recording import append_change
    from app.core.choices import ChangeAction
    from app.sites.models import Site

    table = Site.__table__
    stamps = [datetime(2022, 1, day, tzinfo=UTC) for day in (10, 20, 15, 15, 5, 25)]
    state = {"id": 9_000, "code": "skewed", "name": "Skewed", "kind": "seaport", "country": "NL", "locality": None,
             "notes": None, "source": None, "created_at": "2022-01-10T00:00:00.000000Z", "version": 1}  # fmt: skip
    with Session(get_engine(db)) as session:
        previous = None
        for n, at in enumerate(stamps):
            after = {**state, "version": n + 1, "updated_at": at.isoformat()}
            action = ChangeAction.CREATE if previous is None else ChangeAction.UPDATE
            if n == 4:
                action, after = ChangeAction.DELETE, None
            elif previous is None and n:
                action = ChangeAction.RESTORE
            append_change(session, action, table, 9_000, previous, after, at=at)
            previous = after
        session.commit()
    with get_engine(db).connect() as connection:
        for day in range(1, 31):
            at = f"2022-01-{day:02d}T12:00:00.000000Z"
            expected = _states(connection, "sites", at).get(9_000)
            rows = (
                connection.execute(
                    sa.text(
                        point_in_time("SELECT site.version FROM site WHERE site.id = 9000", connection.dialect.name)
                    ),
                    {"as_of": at},
                )
                .scalars()
                .all()
            )
            assert rows == ([] if expected is None else [expected["version"]]), at
        live = [row for row in _version_rows(connection) if row[1] == 9_000]
        connection.rollback()
        with connection.begin() as transaction:
            rebuild_versions(connection)
            rebuilt = [row for row in _version_rows(connection) if row[1] == 9_000]
            transaction.rollback()
    assert live == rebuilt
