"""The scanners' audit status, maintained on write

A derived table, ``scanner_audit_status``: each scanner's audit status and the date it is known as of,
computed by the rule in ``app/audits/status.py`` and kept up to date in every transaction that changes
audits, their scope, findings or scanners. It is filled here for the scanners already recorded. Not an
object of the change log: reads of the past compute the status from the versions.

Revision ID: 8953b0c6a6b7
Revises: b7e2c9a41f05
Created: 2026-11-29 19:48:06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.audits.status import refresh_audit_status

revision: str = "8953b0c6a6b7"
down_revision: str | None = "b7e2c9a41f05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("not_audited", "audit_commissioned", "audit_in_progress", "open_findings", "audited")


def upgrade() -> None:
    op.create_table(
        "scanner_audit_status",
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column(
            "audit_status",
            sa.Enum(*STATUSES, name="derived_audit_status", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("known_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scanner_id"],
            ["scanner.id"],
            name=op.f("fk_scanner_audit_status_scanner_id_scanner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scanner_id", name=op.f("pk_scanner_audit_status")),
    )
    op.create_index(
        "ix_scanner_audit_status_audit_status", "scanner_audit_status", ["audit_status", "scanner_id"], unique=False
    )
    refresh_audit_status(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_scanner_audit_status_audit_status", table_name="scanner_audit_status")
    op.drop_table("scanner_audit_status")
