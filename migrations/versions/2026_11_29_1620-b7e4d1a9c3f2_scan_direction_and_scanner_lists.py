"""Scan direction of operators and completeness of a site's scanner list

Adds ``operator.scan_direction`` with ``scan_direction_as_stated``, and ``site.scanner_list`` with
``scanner_list_as_stated``. Existing rows get ``unknown`` and no quote: the inventory did not record
either fact before, and a migration does not invent one. ``unknown`` stays the columns' database
default, so a row written by plain SQL (a bulk load) states nothing either. The seed file's values for these facts
reach an existing database through ``inventory seed --reconcile`` (an explicit, recorded admin action);
a new database gets them on its first seed. Downgrading drops the four columns.

Revision ID: b7e4d1a9c3f2
Revises: 8a3f6c2d9e14
Created: 2026-11-29 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4d1a9c3f2"
down_revision: str | None = "8a3f6c2d9e14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCAN_DIRECTION = sa.Enum(
    "entering_eu",
    "leaving_eu",
    "entering_and_leaving_eu",
    "unknown",
    name="operator_scan_direction",
    native_enum=False,
    create_constraint=True,
)
SCANNER_LIST = sa.Enum(
    "complete", "partial", "unknown", name="scanner_list_completeness", native_enum=False, create_constraint=True
)


KEYS_IGNORING_CASE = {"operator": "code", "site": "code"}
"""The unique ``lower(...)`` indexes of the two tables. SQLite adds a column with a CHECK constraint, or
drops one, by copying the table, which loses expression indexes: they are built again after it."""


def _rebuild_keys_ignoring_case() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column in KEYS_IGNORING_CASE.items():
        op.execute(f"DROP INDEX IF EXISTS uq_{table}_{column}_lower")
        op.create_index(f"uq_{table}_{column}_lower", table, [sa.text(f"lower({column})")], unique=True)


def upgrade() -> None:
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scan_direction", SCAN_DIRECTION, nullable=False, server_default="unknown"))
        batch_op.add_column(sa.Column("scan_direction_as_stated", sa.Text(), nullable=True))
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scanner_list", SCANNER_LIST, nullable=False, server_default="unknown"))
        batch_op.add_column(sa.Column("scanner_list_as_stated", sa.Text(), nullable=True))
    _rebuild_keys_ignoring_case()


def downgrade() -> None:
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_site_scanner_list_completeness"), type_="check")
        batch_op.drop_column("scanner_list_as_stated")
        batch_op.drop_column("scanner_list")
    with op.batch_alter_table("operator", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_operator_operator_scan_direction"), type_="check")
        batch_op.drop_column("scan_direction_as_stated")
        batch_op.drop_column("scan_direction")
    _rebuild_keys_ignoring_case()
