"""Change log: append-only, hash-chained records of every inventory change

Revision ID: 16896b2516d4
Revises: 9fd52f76f69d
Created: 2026-11-28 21:50:38.909173
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "16896b2516d4"
down_revision: str | None = "9fd52f76f69d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_record",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "create", "update", "delete", "restore", name="change_action", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("previous_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.CheckConstraint(
            "(action IN ('create', 'restore') AND before IS NULL AND after IS NOT NULL) OR (action = 'update' AND before IS NOT NULL AND after IS NOT NULL) OR (action = 'delete' AND before IS NOT NULL AND after IS NULL)",
            name=op.f("ck_change_record_states_match_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_record")),
        sa.UniqueConstraint("hash", name=op.f("uq_change_record_hash")),
    )
    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_change_record_api_key_id"), ["api_key_id"], unique=False)
        batch_op.create_index("ix_change_record_object", ["object_type", "object_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_record_recorded_at"), ["recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_change_record_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_change_record_request_id"))
        batch_op.drop_index(batch_op.f("ix_change_record_recorded_at"))
        batch_op.drop_index("ix_change_record_object")
        batch_op.drop_index(batch_op.f("ix_change_record_api_key_id"))

    op.drop_table("change_record")
