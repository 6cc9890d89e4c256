"""Change requests: four eyes on security-relevant changes

API keys gain an owner (existing keys: their name) and the approver role; change records can name
the change request they applied, its approver, or that they were an emergency change.

Revision ID: b7e2c9a41f05
Revises: b7e4d1a9c3f2
Created: 2026-11-29 16:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "b7e2c9a41f05"
down_revision: str | None = "b7e4d1a9c3f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = ("reader", "editor", "admin")
NEW_ROLES = ("reader", "editor", "approver", "admin")


def upgrade() -> None:
    op.create_table(
        "change_request",
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column(
            "operation",
            sa.Enum(
                "create", "update", "delete", name="change_request_operation", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("policy_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "withdrawn",
                "stale",
                "expired",
                name="change_request_state",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("author_key_id", sa.Integer(), nullable=False),
        sa.Column("author_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("expires_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_key_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("result_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_request")),
    )
    op.create_index("ix_change_request_target", "change_request", ["collection", "target_id", "state"], unique=False)
    op.create_index(op.f("ix_change_request_state"), "change_request", ["state"], unique=False)
    op.create_index(op.f("ix_change_request_author_key_id"), "change_request", ["author_key_id"], unique=False)

    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_request_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("emergency", sa.Boolean(), nullable=True))

    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    op.execute("UPDATE api_key SET owner = CASE WHEN trim(name) = '' THEN 'unknown' ELSE name END WHERE owner IS NULL")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.alter_column("owner", existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False)
        batch_op.drop_constraint(op.f("ck_api_key_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(length=6), type_=sa.String(length=8), existing_nullable=False
        )
        batch_op.create_check_constraint("role", sa.column("role").in_(NEW_ROLES))


def downgrade() -> None:
    op.execute("UPDATE api_key SET role = 'editor' WHERE role = 'approver'")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_key_role"), type_="check")
        batch_op.alter_column(
            "role", existing_type=sa.String(length=8), type_=sa.String(length=6), existing_nullable=False
        )
        batch_op.create_check_constraint("role", sa.column("role").in_(OLD_ROLES))
        batch_op.drop_column("owner")
    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.drop_column("emergency")
        batch_op.drop_column("approved_by")
        batch_op.drop_column("change_request_id")
    op.drop_index(op.f("ix_change_request_author_key_id"), table_name="change_request")
    op.drop_index(op.f("ix_change_request_state"), table_name="change_request")
    op.drop_index("ix_change_request_target", table_name="change_request")
    op.drop_table("change_request")
