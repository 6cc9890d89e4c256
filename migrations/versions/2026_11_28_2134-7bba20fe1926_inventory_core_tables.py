"""Inventory core tables: site, vendor, vendor_restriction, network, scanner

Revision ID: 7bba20fe1926
Revises:
Created: 2026-11-28 21:34:30.198788
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "7bba20fe1926"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "network",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("closed_fibre", "other", name="network_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network")),
        sa.UniqueConstraint("code", name=op.f("uq_network_code")),
    )
    op.create_table(
        "site",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "seaport",
                "airport",
                "postal_sorting_centre",
                "courier_hub",
                "land_border",
                "other",
                name="site_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("locality", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "vendor",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
        sa.Column(
            "ownership",
            sa.Enum(
                "state_owned", "private", "unknown", name="vendor_ownership", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("ownership_note", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor")),
        sa.UniqueConstraint("slug", name=op.f("uq_vendor_slug")),
    )
    op.create_table(
        "scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_tag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=True),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "use",
            sa.Enum(
                "container_cargo",
                "air_cargo",
                "baggage",
                "post_and_courier",
                name="scanner_use",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "active",
                "maintenance",
                "decommissioned",
                name="scanner_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "network_mode",
            sa.Enum("fibre_linked", "standalone", name="network_mode", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "count_basis",
            sa.Enum("unit", "at_least_one", name="count_basis", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(network_mode = 'fibre_linked' AND network_id IS NOT NULL) OR (network_mode = 'standalone' AND network_id IS NULL)",
            name=op.f("ck_scanner_network_mode_matches_network"),
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["network.id"], name=op.f("fk_scanner_network_id_network"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_scanner_site_id_site"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_scanner_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scanner")),
        sa.UniqueConstraint("asset_tag", name=op.f("uq_scanner_asset_tag")),
    )
    with op.batch_alter_table("scanner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scanner_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scanner_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scanner_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "vendor_restriction",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("authority", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "exclusion",
                "restriction",
                "investigation",
                "finding",
                name="restriction_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_vendor_restriction_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_restriction")),
    )
    with op.batch_alter_table("vendor_restriction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_restriction_vendor_id"), ["vendor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vendor_restriction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_restriction_vendor_id"))

    op.drop_table("vendor_restriction")
    with op.batch_alter_table("scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scanner_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_scanner_site_id"))
        batch_op.drop_index(batch_op.f("ix_scanner_network_id"))

    op.drop_table("scanner")
    op.drop_table("vendor")
    op.drop_table("site")
    op.drop_table("network")
