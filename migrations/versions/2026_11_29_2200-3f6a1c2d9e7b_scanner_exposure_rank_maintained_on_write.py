"""The exposure report's risk order, maintained on write

A derived table, ``scanner_exposure_rank``: each scanner's rank of risk tier, network mode and audit status
and its asset tag, computed by the tier rule in ``app/reports/service.py`` and kept up to date in every
transaction that changes what the rule rests on. Its indexes are the report's two orders (risk, asset tag;
on PostgreSQL the asset tag in ``COLLATE "C"``, the listings' byte order), so a page of the report reads its
own rows. It is filled here for the scanners already recorded. Not an object of the change log: reads of
the past compute the ranks from the versions.

Revision ID: 3f6a1c2d9e7b
Revises: 8953b0c6a6b7
Created: 2026-11-29 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.timeouts import without_timeouts
from app.reports.service import refresh_exposure_ranks

revision: str = "3f6a1c2d9e7b"
down_revision: str | None = "8953b0c6a6b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scanner_exposure_rank",
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column("tier_rank", sa.Integer(), nullable=False),
        sa.Column("network_rank", sa.Integer(), nullable=False),
        sa.Column("audit_rank", sa.Integer(), nullable=False),
        sa.Column("asset_tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["scanner_id"],
            ["scanner.id"],
            name=op.f("fk_scanner_exposure_rank_scanner_id_scanner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("scanner_id", name=op.f("pk_scanner_exposure_rank")),
    )
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    op.execute(
        "CREATE INDEX ix_scanner_exposure_rank_risk ON scanner_exposure_rank"
        f" (tier_rank, network_rank, audit_rank, asset_tag{collate}, scanner_id)"
    )
    op.execute(
        f"CREATE INDEX ix_scanner_exposure_rank_asset_tag ON scanner_exposure_rank (asset_tag{collate}, scanner_id)"
    )
    with without_timeouts(op.get_bind()):
        refresh_exposure_ranks(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_scanner_exposure_rank_asset_tag", table_name="scanner_exposure_rank")
    op.drop_index("ix_scanner_exposure_rank_risk", table_name="scanner_exposure_rank")
    op.drop_table("scanner_exposure_rank")
