"""Operators (who operates scanners and sites) and investigations (announced further research), with their links

New tables only: ``operator`` with ``operator_site`` and ``operator_scanner``; ``investigation``
with ``investigation_vendor`` and ``investigation_scanner``. Existing data is untouched; the seed
adds the document's operators and research on its next run. Downgrading drops the new tables.

Revision ID: 2437d37bdc06
Revises: 5d2e8b1c7a40
Created: 2026-11-29 14:28:50
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "2437d37bdc06"
down_revision: str | None = "5d2e8b1c7a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operator",
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
                "customs",
                "government_body",
                "sector",
                "unknown",
                name="operator_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("responsible_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "uses_nuctech",
            sa.Enum("yes", "no", "unknown", name="operator_uses_nuctech", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("as_stated", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator")),
        sa.UniqueConstraint("code", name=op.f("uq_operator_code")),
    )
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(f"CREATE INDEX ix_operator_code_sort ON operator (code{collate}, id)")
    op.create_index("uq_operator_code_lower", "operator", [sa.text("lower(code)")], unique=True)

    op.create_table(
        "investigation",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("conducted_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("conducted_by_as_stated", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("scope_as_stated", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "announced",
                "in_progress",
                "reported",
                "unknown",
                name="investigation_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("status_known_on", sa.Date(), nullable=True),
        sa.Column("expected_results", sa.Text(), nullable=True),
        sa.Column("expected_results_as_stated", sa.Text(), nullable=True),
        sa.Column("builds_on_audit_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["builds_on_audit_id"],
            ["audit.id"],
            name=op.f("fk_investigation_builds_on_audit_id_audit"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation")),
        sa.UniqueConstraint("title", name=op.f("uq_investigation_title")),
    )
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_investigation_builds_on_audit_id"), ["builds_on_audit_id"], unique=False)

    op.create_table(
        "operator_site",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operator.id"], name=op.f("fk_operator_site_operator_id_operator"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_operator_site_site_id_site"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_site")),
        sa.UniqueConstraint("operator_id", "site_id", name=op.f("uq_operator_site_operator_id_site_id")),
    )
    with op.batch_alter_table("operator_site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_site_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_operator_site_site_id"), ["site_id"], unique=False)

    op.create_table(
        "investigation_scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigation.id"],
            name=op.f("fk_investigation_scanner_investigation_id_investigation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["scanner_id"],
            ["scanner.id"],
            name=op.f("fk_investigation_scanner_scanner_id_scanner"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_scanner")),
        sa.UniqueConstraint(
            "investigation_id", "scanner_id", name=op.f("uq_investigation_scanner_investigation_id_scanner_id")
        ),
    )
    with op.batch_alter_table("investigation_scanner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigation_scanner_investigation_id"), ["investigation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_investigation_scanner_scanner_id"), ["scanner_id"], unique=False)

    op.create_table(
        "investigation_vendor",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("investigation_id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["investigation_id"],
            ["investigation.id"],
            name=op.f("fk_investigation_vendor_investigation_id_investigation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_investigation_vendor_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_investigation_vendor")),
        sa.UniqueConstraint(
            "investigation_id", "vendor_id", name=op.f("uq_investigation_vendor_investigation_id_vendor_id")
        ),
    )
    with op.batch_alter_table("investigation_vendor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investigation_vendor_investigation_id"), ["investigation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_investigation_vendor_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "operator_scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operator.id"], name=op.f("fk_operator_scanner_operator_id_operator"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_operator_scanner_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_scanner")),
        sa.UniqueConstraint("operator_id", "scanner_id", name=op.f("uq_operator_scanner_operator_id_scanner_id")),
    )
    with op.batch_alter_table("operator_scanner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operator_scanner_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_operator_scanner_scanner_id"), ["scanner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("operator_scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_scanner_scanner_id"))
        batch_op.drop_index(batch_op.f("ix_operator_scanner_operator_id"))

    op.drop_table("operator_scanner")
    with op.batch_alter_table("investigation_vendor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_vendor_vendor_id"))
        batch_op.drop_index(batch_op.f("ix_investigation_vendor_investigation_id"))

    op.drop_table("investigation_vendor")
    with op.batch_alter_table("investigation_scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_scanner_scanner_id"))
        batch_op.drop_index(batch_op.f("ix_investigation_scanner_investigation_id"))

    op.drop_table("investigation_scanner")
    with op.batch_alter_table("operator_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_operator_site_site_id"))
        batch_op.drop_index(batch_op.f("ix_operator_site_operator_id"))

    op.drop_table("operator_site")
    with op.batch_alter_table("investigation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investigation_builds_on_audit_id"))

    op.drop_table("investigation")
    op.drop_index("uq_operator_code_lower", table_name="operator")
    op.drop_index("ix_operator_code_sort", table_name="operator")

    op.drop_table("operator")
