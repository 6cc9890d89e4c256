"""Assurance: procurements, audits and findings, vendor risk assessments, access overrides, mitigation measures

Revision ID: 6f64612eeef7
Revises: 698ab9d041d0
Created: 2026-11-28 21:50:00.389110
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "6f64612eeef7"
down_revision: str | None = "698ab9d041d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("auditor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "commissioned",
                "in_progress",
                "reported",
                "closed",
                name="audit_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("covers_all_scanners", sa.Boolean(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("commissioned_on", sa.Date(), nullable=True),
        sa.Column(
            "commissioned_precision",
            sa.Enum(
                "day",
                "month",
                "season",
                "year",
                name="commissioned_precision",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("commissioned_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("planned_start_on", sa.Date(), nullable=True),
        sa.Column(
            "planned_start_precision",
            sa.Enum(
                "day",
                "month",
                "season",
                "year",
                name="planned_start_precision",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("planned_start_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column(
            "started_precision",
            sa.Enum(
                "day", "month", "season", "year", name="started_precision", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("started_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("expected_report_on", sa.Date(), nullable=True),
        sa.Column(
            "expected_report_precision",
            sa.Enum(
                "day",
                "month",
                "season",
                "year",
                name="expected_report_precision",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("expected_report_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column(
            "reported_precision",
            sa.Enum(
                "day", "month", "season", "year", name="reported_precision", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("reported_as_stated", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.CheckConstraint(
            "(commissioned_on IS NULL) = (commissioned_precision IS NULL)",
            name=op.f("ck_audit_commissioned_precision_with_date"),
        ),
        sa.CheckConstraint(
            "(expected_report_on IS NULL) = (expected_report_precision IS NULL)",
            name=op.f("ck_audit_expected_report_precision_with_date"),
        ),
        sa.CheckConstraint(
            "(planned_start_on IS NULL) = (planned_start_precision IS NULL)",
            name=op.f("ck_audit_planned_start_precision_with_date"),
        ),
        sa.CheckConstraint(
            "(reported_on IS NULL) = (reported_precision IS NULL)", name=op.f("ck_audit_reported_precision_with_date")
        ),
        sa.CheckConstraint(
            "(started_on IS NULL) = (started_precision IS NULL)", name=op.f("ck_audit_started_precision_with_date")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
        sa.UniqueConstraint("title", name=op.f("uq_audit_title")),
    )
    op.create_table(
        "audit_site",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_audit_site_audit_id_audit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_audit_site_site_id_site"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_site")),
        sa.UniqueConstraint("audit_id", "site_id", name=op.f("uq_audit_site_audit_id_site_id")),
    )
    with op.batch_alter_table("audit_site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_site_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_site_site_id"), ["site_id"], unique=False)

    op.create_table(
        "finding",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column(
            "severity",
            sa.Enum(
                "critical",
                "high",
                "medium",
                "low",
                "informational",
                name="finding_severity",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "mitigating",
                "resolved",
                "accepted",
                name="finding_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_finding_audit_id_audit"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_audit_id"), ["audit_id"], unique=False)

    op.create_table(
        "procurement",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=True),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "exclusion_grounds_tested",
            sa.Enum("yes", "no", "unknown", name="exclusion_grounds_tested", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("exclusion_grounds_note", sa.Text(), nullable=True),
        sa.Column(
            "national_security_quickscan",
            sa.Enum(
                "applied",
                "not_applied",
                "not_available",
                "unknown",
                name="quickscan_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("quickscan_note", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_procurement_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement")),
    )
    with op.batch_alter_table("procurement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procurement_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "vendor_assessment",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column(
            "criterion_1",
            sa.Enum("yes", "no", "unknown", name="criterion_1", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("criterion_1_rationale", sa.Text(), nullable=False),
        sa.Column("criterion_1_source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column(
            "criterion_2",
            sa.Enum("yes", "no", "unknown", name="criterion_2", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("criterion_2_rationale", sa.Text(), nullable=False),
        sa.Column("criterion_2_source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= assessed_on", name=op.f("ck_vendor_assessment_valid_after_assessed")
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendor.id"], name=op.f("fk_vendor_assessment_vendor_id_vendor"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_assessment")),
        sa.UniqueConstraint("vendor_id", "assessed_on", name=op.f("uq_vendor_assessment_vendor_id_assessed_on")),
    )
    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_assessment_vendor_id"), ["vendor_id"], unique=False)

    op.create_table(
        "access_override",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column(
            "criterion_3a",
            sa.Enum("yes", "no", "unknown", name="criterion_3a", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_access_override_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_override")),
        sa.UniqueConstraint("scanner_id", name=op.f("uq_access_override_scanner_id")),
    )
    op.create_table(
        "audit_scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_audit_scanner_audit_id_audit"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_audit_scanner_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_scanner")),
        sa.UniqueConstraint("audit_id", "scanner_id", name=op.f("uq_audit_scanner_audit_id_scanner_id")),
    )
    with op.batch_alter_table("audit_scanner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_scanner_audit_id"), ["audit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_scanner_scanner_id"), ["scanner_id"], unique=False)

    op.create_table(
        "finding_scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_finding_scanner_finding_id_finding"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_finding_scanner_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_scanner")),
        sa.UniqueConstraint("finding_id", "scanner_id", name=op.f("uq_finding_scanner_finding_id_scanner_id")),
    )
    with op.batch_alter_table("finding_scanner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_scanner_finding_id"), ["finding_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_scanner_scanner_id"), ["scanner_id"], unique=False)

    op.create_table(
        "mitigation_measure",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "implemented",
                "verified",
                "infeasible",
                name="measure_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("implemented_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_mitigation_measure_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mitigation_measure")),
    )
    with op.batch_alter_table("mitigation_measure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mitigation_measure_scanner_id"), ["scanner_id"], unique=False)

    op.create_table(
        "procurement_scanner",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procurement_id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procurement_id"],
            ["procurement.id"],
            name=op.f("fk_procurement_scanner_procurement_id_procurement"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["scanner_id"], ["scanner.id"], name=op.f("fk_procurement_scanner_scanner_id_scanner"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_scanner")),
        sa.UniqueConstraint(
            "procurement_id", "scanner_id", name=op.f("uq_procurement_scanner_procurement_id_scanner_id")
        ),
    )
    with op.batch_alter_table("procurement_scanner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procurement_scanner_procurement_id"), ["procurement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_procurement_scanner_scanner_id"), ["scanner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("procurement_scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procurement_scanner_scanner_id"))
        batch_op.drop_index(batch_op.f("ix_procurement_scanner_procurement_id"))

    op.drop_table("procurement_scanner")
    with op.batch_alter_table("mitigation_measure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mitigation_measure_scanner_id"))

    op.drop_table("mitigation_measure")
    with op.batch_alter_table("finding_scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_scanner_scanner_id"))
        batch_op.drop_index(batch_op.f("ix_finding_scanner_finding_id"))

    op.drop_table("finding_scanner")
    with op.batch_alter_table("audit_scanner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_scanner_scanner_id"))
        batch_op.drop_index(batch_op.f("ix_audit_scanner_audit_id"))

    op.drop_table("audit_scanner")
    op.drop_table("access_override")
    with op.batch_alter_table("vendor_assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_assessment_vendor_id"))

    op.drop_table("vendor_assessment")
    with op.batch_alter_table("procurement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procurement_vendor_id"))

    op.drop_table("procurement")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_audit_id"))

    op.drop_table("finding")
    with op.batch_alter_table("audit_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_site_site_id"))
        batch_op.drop_index(batch_op.f("ix_audit_site_audit_id"))

    op.drop_table("audit_site")
    op.drop_table("audit")
