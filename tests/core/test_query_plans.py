"""PostgreSQL plans: the listings' sorts by a human key read an index in that order.

The listings sort text by byte order (``COLLATE "C"``) with the id as tie-breaker; an index in the
database's default collation cannot give that order, so every matching row was read and sorted.
The seeded tables are small enough for a sequential scan to win, so the test switches that off and
asks whether the sort can come from an index at all.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.db import get_engine
from app.core.pagination import Filters, page_query
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
