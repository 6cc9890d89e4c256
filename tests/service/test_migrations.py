"""Migrations round-trip on each backend, and the models match the migrated schema."""

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.changes.models import STATE_KEY_INDEXES
from app.core.db import create_engine
from app.core.migrate import downgrade, upgrade
from tests.conftest import BACKENDS, new_database


@pytest.fixture(params=BACKENDS)
def scratch_url(request, tmp_path_factory) -> str:
    return new_database(request.param, tmp_path_factory, request)


def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def stated_by_the_models(item: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
    """Everything but the expression indexes the models name without stating (``STATE_KEY_INDEXES``)."""
    return not (kind == "index" and reflected and name in STATE_KEY_INDEXES)


def schema_diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": stated_by_the_models}
            )
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


TRACKED = "created_at, updated_at, version) VALUES"
"""The end of an INSERT's column list that every table shares, for rows written with plain SQL."""


def stamp_of(url: str) -> str:
    """A timestamp literal each backend's column takes."""
    return "2021-04-19T00:00:00.000000Z" if url.startswith("sqlite") else "2021-04-19T00:00:00Z"


def test_upgrade_downgrade_upgrade_round_trip(scratch_url):
    expected = {table.name for table in SQLModel.metadata.sorted_tables}
    upgrade(scratch_url)
    assert table_names(scratch_url) == expected
    downgrade(scratch_url, "base")
    assert table_names(scratch_url) == set()
    upgrade(scratch_url)
    assert table_names(scratch_url) == expected


def test_models_match_the_migrated_schema(scratch_url):
    upgrade(scratch_url)
    assert schema_diff(scratch_url) == []


def test_constraints_are_enforced_by_the_database(scratch_url):
    upgrade(scratch_url)
    engine = create_engine(scratch_url)
    stamp = "2021-04-19T00:00:00.000000Z" if scratch_url.startswith("sqlite") else "2021-04-19T00:00:00Z"
    common = "created_at, updated_at, version) VALUES"
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"INSERT INTO site (code, name, kind, country, {common} ('a', 'A', 'seaport', 'NL', :t, :t, 1)"
                ),
                {"t": stamp},
            )
        bad_rows = [
            # duplicate site code
            f"INSERT INTO site (code, name, kind, country, {common} ('a', 'B', 'seaport', 'NL', :t, :t, 1)",
            # enumeration value outside the allowed set
            f"INSERT INTO site (code, name, kind, country, {common} ('b', 'B', 'moon', 'NL', :t, :t, 1)",
            # fibre_linked without a network
            "INSERT INTO scanner (asset_tag, site_id, network_mode, use, status, count_basis, "
            f"{common} ('T1', 1, 'fibre_linked', 'baggage', 'active', 'unit', :t, :t, 1)",
            # standalone naming a network that does not exist (both rules at once)
            "INSERT INTO scanner (asset_tag, site_id, network_id, network_mode, use, status, count_basis, "
            f"{common} ('T2', 1, 99, 'standalone', 'baggage', 'active', 'unit', :t, :t, 1)",
            # orphan: a site that does not exist
            "INSERT INTO scanner (asset_tag, site_id, network_mode, use, status, count_basis, "
            f"{common} ('T3', 42, 'standalone', 'baggage', 'active', 'unit', :t, :t, 1)",
        ]
        for statement in bad_rows:
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
                connection.execute(sa.text(statement), {"t": stamp})
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO scanner (asset_tag, site_id, network_mode, use, status, count_basis, "
                    f"{common} ('T4', 1, 'standalone', 'baggage', 'active', 'unit', :t, :t, 1)"
                ),
                {"t": stamp},
            )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM site WHERE code = 'a'"))
    finally:
        engine.dispose()


def test_the_readiness_check_knows_the_head_revision_without_alembic():
    """Serving workers read the head from the migration files (Alembic stays out of their memory)."""
    import subprocess
    import sys

    from alembic.script import ScriptDirectory

    from app.core.migrate import PROJECT_ROOT, head_revisions

    assert head_revisions() == frozenset(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())
    probe = "import sys, app.main; app.main.create_app(); print(sorted(m for m in sys.modules if m.startswith(('alembic', 'mako'))))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"


def test_the_provenance_migration_keeps_existing_assessments_and_audits(scratch_url):
    upgrade(scratch_url, "3c1f0a7d2b9e")
    engine = create_engine(scratch_url)
    stamp, tracked = stamp_of(scratch_url), TRACKED
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(f"INSERT INTO vendor (slug, name, ownership, {tracked} ('v', 'V', 'unknown', :t, :t, 1)"),
                {"t": stamp},
            )
            for day, provisional in (("2021-04-19", True), ("2022-01-01", False)):
                connection.execute(
                    sa.text(
                        "INSERT INTO vendor_assessment (vendor_id, criterion_1, criterion_1_rationale, criterion_2,"
                        f" criterion_2_rationale, assessed_on, provisional, {tracked}"
                        " (1, 'unknown', 'r', 'yes', 'r', :day, :provisional, :t, :t, 1)"
                    ),
                    {"day": day, "provisional": provisional, "t": stamp},
                )
            connection.execute(
                sa.text(
                    f"INSERT INTO audit (title, status, covers_all_scanners, {tracked} ('A', 'commissioned', TRUE, :t, :t, 1)"
                ),
                {"t": stamp},
            )
        upgrade(scratch_url)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT assessed_on, assessor, status FROM vendor_assessment ORDER BY assessed_on")
            ).all()
            assert [(row.assessor, row.status) for row in rows] == [
                ("not recorded", "provisional"),
                ("not recorded", "adopted"),
            ]
            audit = connection.execute(sa.text("SELECT title, status_known_on, dates_stated_on FROM audit")).one()
            assert tuple(audit) == ("A", None, None)
        downgrade(scratch_url, "3c1f0a7d2b9e")
        with engine.connect() as connection:
            flags = connection.execute(sa.text("SELECT provisional FROM vendor_assessment ORDER BY assessed_on")).all()
            assert [bool(row.provisional) for row in flags] == [True, False]
    finally:
        engine.dispose()


def test_every_index_the_models_declare_exists_after_upgrading(scratch_url):
    """Expression indexes (lower(...) unique keys) escape the model comparison on SQLite, which cannot
    reflect them; a batch migration that copied a table without them would go unnoticed there."""
    upgrade(scratch_url)
    declared = {index.name for table in SQLModel.metadata.sorted_tables for index in table.indexes}
    engine = create_engine(scratch_url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                query = "SELECT name FROM sqlite_master WHERE type = 'index'"
            else:
                query = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
            present = set(connection.execute(sa.text(query)).scalars())
    finally:
        engine.dispose()
    assert {name for name in declared if name.startswith("uq_")}
    assert declared <= present, declared - present


def test_scan_direction_and_scanner_list_arrive_as_unknown_on_existing_rows(scratch_url):
    upgrade(scratch_url, "c4b9e2f7a1d3")
    engine = create_engine(scratch_url)
    stamp, tracked = stamp_of(scratch_url), TRACKED
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    f"INSERT INTO site (code, name, kind, country, {tracked} ('a', 'A', 'seaport', 'NL', :t, :t, 1)"
                ),
                {"t": stamp},
            )
            connection.execute(  # a scanner refers to the site: the upgrade must not copy that table
                sa.text(
                    "INSERT INTO scanner (asset_tag, site_id, use, status, network_mode, count_basis,"
                    f" {tracked} ('S-1', 1, 'container_cargo', 'active', 'standalone', 'unit', :t, :t, 1)"
                ),
                {"t": stamp},
            )
            connection.execute(
                sa.text(
                    "INSERT INTO operator (code, name, kind, uses_nuctech,"
                    f" {tracked} ('c', 'C', 'customs', 'yes', :t, :t, 1)"
                ),
                {"t": stamp},
            )
        upgrade(scratch_url)
        with engine.connect() as connection:
            site = connection.execute(sa.text("SELECT code, scanner_list, scanner_list_as_stated FROM site")).one()
            assert tuple(site) == ("a", "unknown", None)
            operator = connection.execute(
                sa.text("SELECT scan_direction, scan_direction_as_stated FROM operator")
            ).one()
            assert tuple(operator) == ("unknown", None)
        with pytest.raises(sa.exc.IntegrityError):  # the key ignoring case survives the table copy
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        f"INSERT INTO site (code, name, kind, country, {tracked} ('A', 'A', 'seaport', 'NL', :t, :t, 1)"
                    ),
                    {"t": stamp},
                )
        with pytest.raises(sa.exc.IntegrityError):  # and the CHECK constraint is there
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE site SET scanner_list = 'all'"))
        downgrade(scratch_url, "c4b9e2f7a1d3")
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT code FROM site")).scalar_one() == "a"
            assert connection.execute(sa.text("SELECT site_id FROM scanner")).scalar_one() == 1
    finally:
        engine.dispose()


def test_the_change_request_migration_gives_existing_keys_an_owner_and_keeps_their_records_verifiable(scratch_url):
    upgrade(scratch_url, "b7e4d1a9c3f2")
    engine = create_engine(scratch_url)
    stamp = "2021-04-19T00:00:00.000000Z" if scratch_url.startswith("sqlite") else "2021-04-19T00:00:00Z"
    tracked = "created_at, updated_at, version) VALUES"
    try:
        with engine.begin() as connection:
            for n, name in enumerate(("ops team", " ")):
                connection.execute(
                    sa.text(
                        f"INSERT INTO api_key (name, role, token_prefix, token_hash, {tracked}"
                        " (:name, 'editor', 'csi_x', :hash, :t, :t, 1)"
                    ),
                    {"name": name, "hash": str(n) * 64, "t": stamp},
                )
            connection.execute(  # a row refers to the key: SQLite copies api_key to change its CHECK
                sa.text(
                    "INSERT INTO idempotency_record (api_key_id, idempotency_key, request_method, request_path,"
                    " fingerprint, state, expires_at, response_status, response_body,"
                    f" {tracked} (1, 'k', 'POST', '/api/v1/sites', :f, 'completed', :t, 201, '{{}}', :t, :t, 1)"
                ),
                {"f": "0" * 64, "t": stamp},
            )
        upgrade(scratch_url)
        with engine.begin() as connection:
            owners = connection.execute(sa.text("SELECT owner FROM api_key ORDER BY id")).scalars().all()
            assert owners == ["ops team", "unknown"]
            connection.execute(sa.text("UPDATE api_key SET role = 'approver' WHERE owner = 'unknown'"))
            with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
                connection.execute(sa.text("UPDATE api_key SET role = 'owner' WHERE owner = 'unknown'"))
        downgrade(scratch_url, "b7e4d1a9c3f2")
        with engine.connect() as connection:
            roles = connection.execute(sa.text("SELECT role FROM api_key ORDER BY id")).scalars().all()
            assert roles == ["editor", "editor"]  # approvers become editors again
            assert connection.execute(sa.text("SELECT api_key_id FROM idempotency_record")).scalar_one() == 1
    finally:
        engine.dispose()
