"""Query plans: the listings' sorts by a human key read an index in that order, and a page filtered on a stored
field reads that field's index.

The listings sort text by byte order (``COLLATE "C"``) with the id as tie-breaker; an index in the
database's default collation cannot give that order, so every matching row was read and sorted.
The seeded tables are small enough for a sequential scan to win, so the test switches that off and
asks whether the sort can come from an index at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from app.changes.versions import PointInTime
from app.core.db import get_engine
from app.core.pagination import Filters, page_query
from app.core.reads import to_numbered
from app.networks.service import NETWORKS
from app.reports.service import _exposure_query
from app.scanners.service import SCANNERS
from app.sites.service import SITES
from app.vendors.service import VENDORS

SORTED_BY_KEY = [
    (SCANNERS, "asset_tag", "scanner"),
    (SITES, "code", "site"),
    (VENDORS, "slug", "vendor"),
    (NETWORKS, "code", "network"),
]


@pytest.mark.parametrize("listing, sort, table", SORTED_BY_KEY, ids=[table for _, _, table in SORTED_BY_KEY])
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
async def test_a_sort_by_key_reads_its_index_in_order(app, db, listing, sort, table, descending):
    if not db.startswith("postgresql"):
        pytest.skip("a PostgreSQL plan (SQLite compares text bytewise, as the plain index is ordered)")
    sort = ("-" if descending else "") + sort
    sql, params, _, _ = page_query(app.state.reads, listing, Filters(), sort=sort, cursor=None, limit=50)
    with get_engine(db).connect() as connection:
        connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
        connection.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
    column = sort.lstrip("-")
    assert f"ix_{table}_{column}_sort" in plan, plan
    assert not any(line.strip().startswith("Sort Key:") and column in line for line in plan.splitlines()), plan


def test_migrations_and_the_seed_leave_statistics_for_the_planner(db):
    """A fresh database is planned on real row counts from the first request, not default estimates."""
    if not db.startswith("postgresql"):
        pytest.skip("PostgreSQL statistics")
    with get_engine(db).connect() as connection:
        analysed = dict(
            connection.execute(
                sa.text("SELECT relname, greatest(last_analyze, last_autoanalyze) IS NOT NULL FROM pg_stat_user_tables")
            ).all()
        )
        scanners = connection.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'scanner'")).scalar_one()
    assert analysed["scanner"]
    assert analysed["site"]
    assert analysed["change_record"], analysed
    assert scanners == 13  # the seeded scanner records, as counted by ANALYZE


@pytest.mark.parametrize("sort, index", [("risk", "risk"), ("asset_tag", "asset_tag")])
async def test_an_exposure_page_reads_the_maintained_ranks_in_the_reports_order(app, db, sort, index):
    """The exposure report's present page is read in the order of an index on the maintained ranks, so it costs
    its own rows: nothing ranks or sorts every scanner (at 100,000 scanners, the difference between a page and
    the whole inventory)."""
    listing, filters, order = _exposure_query(None, None, None, sort)
    sql, params, _, _ = page_query(app.state.reads, listing, filters, sort=order, cursor=None, limit=50)
    with get_engine(db).connect() as connection:
        if db.startswith("postgresql"):
            connection.execute(sa.text("SET LOCAL enable_seqscan = off"))
            connection.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
            plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
            sorted_rows = [
                line
                for line in plan.splitlines()
                if line.strip().startswith("Sort Key:") and ("tier_rank" in line or "asset_tag" in line)
            ]
        else:
            rows = connection.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"), params).all()
            plan = "\n".join(str(row[-1]) for row in rows)
            sorted_rows = [line for line in plan.splitlines() if "TEMP B-TREE FOR ORDER BY" in line]
    assert f"ix_scanner_exposure_rank_{index}" in plan, plan
    assert sorted_rows == [], plan


SORTED_IN_THE_PAST = [(SCANNERS, "asset_tag", "scanners"), (SITES, "code", "sites"), (VENDORS, "slug", "vendors")]
MANY = 20_000
"""Versions added for the planner to weigh: with a handful, sorting them is cheaper than any index."""


@pytest.mark.parametrize("listing, sort, collection", SORTED_IN_THE_PAST, ids=[c for _, _, c in SORTED_IN_THE_PAST])
async def test_a_page_of_the_past_sorted_by_key_reads_the_versions_in_that_order(app, db, listing, sort, collection):
    """A listing ``as_of`` an instant, sorted by a human key, reads the collection's versions through an index in
    that key's order and stops after the page: it does not sort every version valid at the instant (at 100,000
    scanners, 586 ms against 8 ms)."""
    if not db.startswith("postgresql"):
        pytest.skip("a PostgreSQL index (SQLite's planner sorts rather than read an index on json_extract)")
    sql, params, _, _ = page_query(app.state.reads, listing, Filters(), sort=sort, cursor=None, limit=50)
    sql, params = PointInTime(datetime(2090, 6, 1, tzinfo=UTC)).query(app.state.reads, sql, params)
    many = sa.text(
        "INSERT INTO object_version (object_type, object_id, valid_from, valid_from_change, valid_to, state)"
        " SELECT CAST(:collection AS TEXT), 900000000 + i, '2090-01-01T00:00:00Z', 900000000 + i, '2091-01-01T00:00:00Z',"
        " jsonb_build_object(CAST(:key AS TEXT), 'K-' || lpad(i::text, 6, '0')) FROM generate_series(1, CAST(:many AS INTEGER)) AS i"
    )
    with get_engine(db).connect() as connection:  # one transaction, rolled back: nothing stays
        connection.execute(many, {"collection": collection, "key": sort, "many": MANY})
        connection.execute(sa.text("ANALYZE object_version"))
        plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
        connection.rollback()
    sorted_rows = [line for line in plan.splitlines() if line.strip().startswith("Sort Key:") and sort in line]
    assert f"ix_object_version_{collection}_{sort}" in plan, plan
    assert sorted_rows == [], plan


FILTERED = [
    ("status", "maintenance", "ix_scanner_status_filter"),
    ("use", "air_cargo", "ix_scanner_use_filter"),
    ("network_mode", "fibre_linked", "ix_scanner_network_mode_filter"),
    ("count_basis", "at_least_one", "ix_scanner_count_basis_filter"),
    ("audit_status", "open_findings", "ix_scanner_audit_status_audit_status"),
]
"""The scanner listing's equality filters on stored (or maintained) fields, each with a value the added scanners do
not hold, and the index a page of it reads."""
SCANNERS_ADDED = 20_000
"""Scanners added for the planner to weigh: with the seed's thirteen, reading them all is cheaper than any index."""
_NUMBERS = "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < :many) "
_ADD_SCANNERS = (
    "INSERT INTO scanner (asset_tag, site_id, use, status, network_mode, count_basis, created_at, updated_at,"
    " version) {numbers}SELECT 'PLAN-' || n, (SELECT MIN(id) FROM site), 'baggage', 'active', 'standalone', 'unit',"
    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM numbers"
)
_ADD_STATUSES = (
    "INSERT INTO scanner_audit_status (scanner_id, audit_status, known_on)"
    " SELECT scanner.id, 'audit_commissioned', NULL FROM scanner WHERE scanner.asset_tag LIKE 'PLAN-%'"
)


def _captured_reads(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """The statements (and parameters) the app sends on its read path from now on."""
    sent: list[tuple[str, dict[str, Any]]] = []
    fetch = app.state.reads.fetch

    def capturing(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        sent.append((sql, dict(params or {})))
        return fetch(sql, params, *args, **kwargs)

    monkeypatch.setattr(app.state.reads, "fetch", capturing)
    return sent


@pytest.mark.parametrize("column, value, index", FILTERED, ids=[column for column, _, _ in FILTERED])
async def test_a_page_filtered_on_a_stored_field_reads_that_fields_index(
    app, db, client, monkeypatch, column, value, index
):
    """A page of the scanners holding a value few of them hold is read through an index on that field: not by
    reading every scanner (or every maintained status) until the page fills. At 100,000 scanners a page of a status
    520 of them held took four times the unfiltered first page, and on SQLite, once ANALYZE had counted one audit
    status among all scanners, a status none had read the whole maintained table. The planner weighs 20,000 added
    scanners, all of one audit status, with fresh statistics."""
    sent = _captured_reads(app, monkeypatch)
    response = await client.get("/api/v1/scanners", params={column: value, "limit": 50})
    assert response.status_code == 200
    [(sql, params)] = [(sql, params) for sql, params in sent if "FROM scanner" in sql]
    postgresql = db.startswith("postgresql")
    add_scanners = (
        (_NUMBERS + _ADD_SCANNERS.format(numbers="")) if postgresql else _ADD_SCANNERS.format(numbers=_NUMBERS)
    )
    with get_engine(db).connect() as connection:  # one transaction, rolled back: nothing stays
        connection.execute(sa.text(add_scanners), {"many": SCANNERS_ADDED})
        connection.execute(sa.text(_ADD_STATUSES))
        connection.execute(sa.text("ANALYZE"))
        if postgresql:
            plan = "\n".join(connection.execute(sa.text(f"EXPLAIN {sql}"), params).scalars())
        else:
            rows = connection.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"), params).all()
            plan = "\n".join(str(row[-1]) for row in rows)
        connection.rollback()
    assert index in plan, plan


REFERENCED = [("site", "sites", "code", "ix_scanner_site_id")]
"""The scanner listing's filters on a referenced object named by its key, where the reference is selective (500
sites): the referenced collection, the key, and the index of the referencing column. (A vendor, one of 20, holds a
twentieth of the scanners: reading them in id order until a page matched is the right plan there.)"""
_ADD_SITES = (
    "INSERT INTO site (code, name, kind, country, created_at, updated_at, version)"
    " SELECT 'plan-site-' || n, 'Plan site ' || n, 'seaport', 'NL', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1"
    " FROM generate_series(1, 500) AS n"
)
_SPREAD_SCANNERS = (
    "INSERT INTO scanner (asset_tag, site_id, use, status, network_mode, count_basis, created_at, updated_at, version)"
    " SELECT 'PLAN-' || n, (SELECT id FROM site WHERE code = 'plan-site-' || (n % 500 + 1)), 'baggage', 'active',"
    " 'standalone', 'unit', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1 FROM generate_series(1, CAST(:many AS INTEGER)) AS n"
)


def _literal(value: Any) -> str:
    """A parameter's value as an SQL literal (a number, or text quoted)."""
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


@pytest.mark.parametrize("param, collection, key, index", REFERENCED, ids=[param for param, *_ in REFERENCED])
async def test_a_page_filtered_by_a_referenced_key_reads_the_reference_index_in_a_generic_plan(
    app, db, client, monkeypatch, param, collection, key, index
):
    """A page of the scanners of one site named by its code reads the scanners' index on the
    reference even in the plan PostgreSQL makes without the value: the read path prepares each statement and, after
    five executions, may keep such a generic plan. Compared on the joined site, that plan read the scanners in id
    order until a page of the site's matched (at 100,000 scanners over 500 sites, a fifth of the rate)."""
    if not db.startswith("postgresql"):
        pytest.skip("PostgreSQL's generic plans of prepared statements (SQLite plans each statement as it runs)")
    named = (await client.get(f"/api/v1/{collection}", params={"limit": 1})).json()["items"][0][key]
    sent = _captured_reads(app, monkeypatch)
    response = await client.get("/api/v1/scanners", params={param: named, "limit": 50})
    assert response.status_code == 200
    [(sql, params)] = [(sql, params) for sql, params in sent if "FROM scanner" in sql]
    text, names = to_numbered(sql)
    values = ", ".join(_literal(params[name]) for name in names)
    with get_engine(db).connect() as connection:  # one transaction, rolled back: nothing stays
        connection.execute(sa.text(_ADD_SITES))
        connection.execute(sa.text(_SPREAD_SCANNERS), {"many": SCANNERS_ADDED})
        connection.execute(sa.text("ANALYZE"))
        connection.execute(sa.text("SET LOCAL plan_cache_mode = force_generic_plan"))
        connection.exec_driver_sql(f"PREPARE page AS {text}")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN EXECUTE page({values})"))
        connection.rollback()
    assert index in plan, plan
