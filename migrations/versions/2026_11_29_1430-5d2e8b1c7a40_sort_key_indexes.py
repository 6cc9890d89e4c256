"""Sort-key indexes in the order the API sorts: the keys by byte order, then id

The listings sort text by byte order on every backend (on PostgreSQL ``COLLATE "C"``, whatever the
server's locale), with the id as tie-breaker. An index in the database's default collation cannot
serve that order, so a sorted page read and sorted every matching row. These indexes match it.

Revision ID: 5d2e8b1c7a40
Revises: 863c718fce71
Created: 2026-11-29 14:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d2e8b1c7a40"
down_revision: str | None = "863c718fce71"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_KEYS = [("scanner", "asset_tag"), ("site", "code"), ("vendor", "slug"), ("network", "code")]
"""The human keys the listings offer as sort orders (``sort=asset_tag``, ``sort=code``, ...)."""


def upgrade() -> None:
    collate = ' COLLATE "C"' if op.get_bind().dialect.name == "postgresql" else ""
    for table, column in SORT_KEYS:
        op.execute(f"CREATE INDEX ix_{table}_{column}_sort ON {table} ({column}{collate}, id)")


def downgrade() -> None:
    for table, column in SORT_KEYS:
        op.execute(f"DROP INDEX ix_{table}_{column}_sort")
