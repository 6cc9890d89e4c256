"""Chain checkpoints: signed positions up to which the change log's hash chain was found intact

Revision ID: 3c1f0a7d2b9e
Revises: c4e1a7d2b9f3
Created: 2026-11-29 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.core.db

revision: str = "3c1f0a7d2b9e"
down_revision: str | None = "c4e1a7d2b9f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chain_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chain_checkpoint")),
        sa.UniqueConstraint("record_id", name=op.f("uq_chain_checkpoint_record_id")),
    )


def downgrade() -> None:
    op.drop_table("chain_checkpoint")
