"""Object versions: each recorded object's states with their validity periods, built from the change log

Revision ID: c4b9e2f7a1d3
Revises: 8a3f6c2d9e14
Created: 2026-11-29 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

import app.core.db
from app.core.timeouts import without_timeouts

revision: str = "c4b9e2f7a1d3"
down_revision: str | None = "8a3f6c2d9e14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000
"""Object ids per backfill statement (per collection)."""


def _backfill_sql(dialect: str) -> str:
    # The versions of one collection's objects with ids in [low, high): valid from each record that left
    # a state until the earliest later change of that object (the same rule as the write path).
    state = "CAST(w.after AS JSONB)" if dialect == "postgresql" else "w.after"
    return (
        "INSERT INTO object_version"
        " (object_type, object_id, valid_from, valid_from_change, valid_to, valid_to_change, state)"
        f" SELECT w.object_type, w.object_id, w.recorded_at, w.id, w.valid_to, w.valid_to_change, {state}"
        " FROM (SELECT c.id, c.object_type, c.object_id, c.recorded_at, c.action, c.after,"
        " MIN(c.recorded_at) OVER (PARTITION BY c.object_type, c.object_id ORDER BY c.id"
        " ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS valid_to,"
        " LEAD(c.id) OVER (PARTITION BY c.object_type, c.object_id ORDER BY c.id) AS valid_to_change"
        " FROM change_record c"
        " WHERE c.object_type = :object_type AND c.object_id >= :low AND c.object_id < :high) w"
        " WHERE w.action <> 'delete'"
    )


def upgrade() -> None:
    op.create_table(
        "object_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_from_change", sa.Integer(), nullable=False),
        sa.Column("valid_to", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_to_change", sa.Integer(), nullable=True),
        sa.Column(
            "state", sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_object_version")),
        sa.UniqueConstraint("valid_from_change", name=op.f("uq_object_version_valid_from_change")),
    )
    # Built before the indexes: one sorted pass per batch over ix_change_record_object.
    bind = op.get_bind()
    sql = sa.text(_backfill_sql(bind.dialect.name))
    # A log of millions of records takes longer than the service's per-statement bounds allow.
    with without_timeouts(bind):
        ranges = bind.execute(
            sa.text("SELECT object_type, MIN(object_id), MAX(object_id) FROM change_record GROUP BY object_type")
        ).all()
        for object_type, low, high in ranges:
            for start in range(low, high + 1, BATCH):
                bind.execute(sql, {"object_type": object_type, "low": start, "high": start + BATCH})
        op.create_index("ix_object_version_period", "object_version", ["object_type", "valid_from", "valid_to"])
        op.create_index("ix_object_version_object", "object_version", ["object_type", "object_id", "valid_from"])
        if bind.dialect.name == "postgresql":
            op.execute("ANALYZE object_version")


def downgrade() -> None:
    op.drop_index("ix_object_version_object", table_name="object_version")
    op.drop_index("ix_object_version_period", table_name="object_version")
    op.drop_table("object_version")
