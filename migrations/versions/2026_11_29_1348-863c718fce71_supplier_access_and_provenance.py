"""Supplier-access facts per scanner (consideration 3a), assessments with provenance, dated audit status

Existing data is kept: a vendor assessment's ``provisional`` flag becomes its status (true:
``provisional``, false: ``adopted``) and its assessor reads ``not recorded`` until one is set; an
audit's ``status_known_on`` and ``dates_stated_on`` stay null (not recorded). Downgrading maps the status back to the flag
(``draft`` and ``provisional``: true) and drops the new columns and table.

Revision ID: 863c718fce71
Revises: 3c1f0a7d2b9e
Created: 2026-11-29 13:48:41
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "863c718fce71"
down_revision: str | None = "3c1f0a7d2b9e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ASSESSMENT_STATUS = sa.Enum(
    "draft", "provisional", "adopted", "superseded", name="assessment_status", native_enum=False, create_constraint=True
)


def upgrade() -> None:
    op.create_table(
        "supplier_access_fact",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column(
            "aspect",
            sa.Enum(
                "remote_maintenance",
                "software_updates",
                "data_access",
                "on_site_service",
                name="access_aspect",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "answer",
            sa.Enum("yes", "no", "unknown", name="access_answer", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("basis", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_supplier_access_fact_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_access_fact")),
        sa.UniqueConstraint("scanner_id", "aspect", name=op.f("uq_supplier_access_fact_scanner_id_aspect")),
    )
    with op.batch_alter_table("supplier_access_fact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_access_fact_scanner_id"), ["scanner_id"], unique=False)

    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status_known_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("dates_stated_on", sa.Date(), nullable=True))

    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("status", ASSESSMENT_STATUS, nullable=True))
        batch_op.add_column(sa.Column("basis", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("caveat", sa.Text(), nullable=True))
    op.execute(
        "UPDATE vendor_assessment SET assessor = 'not recorded',"
        " status = CASE WHEN provisional THEN 'provisional' ELSE 'adopted' END"
    )
    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.alter_column("assessor", existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False)
        batch_op.alter_column("status", existing_type=ASSESSMENT_STATUS, nullable=False)
        batch_op.drop_column("provisional")


def downgrade() -> None:
    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=True))
    op.execute("UPDATE vendor_assessment SET provisional = (status IN ('draft', 'provisional'))")
    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.alter_column("provisional", existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_constraint(batch_op.f("ck_vendor_assessment_assessment_status"), type_="check")
        batch_op.drop_column("caveat")
        batch_op.drop_column("basis")
        batch_op.drop_column("status")
        batch_op.drop_column("assessor")

    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("dates_stated_on")
        batch_op.drop_column("status_known_on")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column by copying the table, which loses the expression index on lower(title).
        op.create_index("uq_audit_title_lower", "audit", [sa.text("lower(title)")], unique=True)

    with op.batch_alter_table("supplier_access_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_access_fact_scanner_id"))

    op.drop_table("supplier_access_fact")
