"""Unique keys ignoring case: unique indexes on lower(code), lower(slug), lower(asset_tag), lower(title)

Revision ID: c4e1a7d2b9f3
Revises: 16896b2516d4
Created: 2026-11-29 10:45:00

A code, slug, asset tag or audit title that differs from a stored one only in letter case names
the same thing to a person, so the database refuses it too. Upgrading fails, naming the index,
if the data already holds such variants: rename one of them first.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e1a7d2b9f3"
down_revision: str | None = "16896b2516d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS = [("site", "code"), ("vendor", "slug"), ("network", "code"), ("scanner", "asset_tag"), ("audit", "title")]


def upgrade() -> None:
    for table, column in KEYS:
        op.create_index(f"uq_{table}_{column}_lower", table, [sa.text(f"lower({column})")], unique=True)


def downgrade() -> None:
    for table, column in reversed(KEYS):
        op.drop_index(f"uq_{table}_{column}_lower", table_name=table)
