"""Scan direction of operators and completeness of a site's scanner list

Adds ``operator.scan_direction`` with ``scan_direction_as_stated``, and ``site.scanner_list`` with
``scanner_list_as_stated``. Existing rows get ``unknown`` and no quote: the inventory did not record
either fact before, and a migration does not invent one. ``unknown`` stays the columns' database
default, so a row written by plain SQL (a bulk load) states nothing either. The seed file's values for these facts
reach an existing database through ``inventory seed --reconcile`` (an explicit, recorded admin action);
a new database gets them on its first seed. Downgrading drops the four columns.

Revision ID: b7e4d1a9c3f2
Revises: c4b9e2f7a1d3
Created: 2026-11-29 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4d1a9c3f2"
down_revision: str | None = "c4b9e2f7a1d3"
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


COLUMNS = (
    ("operator", "scan_direction", SCAN_DIRECTION, "ck_operator_operator_scan_direction"),
    ("site", "scanner_list", SCANNER_LIST, "ck_site_scanner_list_completeness"),
)
"""Each table's new enumeration column, its type and its CHECK constraint's name."""


def _sqlite_add(table: str, column: str, enum: sa.Enum, check: str) -> None:
    """SQLite: ALTER TABLE ADD COLUMN with the CHECK as a column constraint. Alembic's batch mode would copy
    the table to add a constraint, and dropping the old ``site`` table fails while scanners refer to it."""
    values = ", ".join(f"'{value}'" for value in enum.enums)
    length = max(len(value) for value in enum.enums)
    op.execute(
        f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR({length}) NOT NULL DEFAULT 'unknown'"
        f" CONSTRAINT {check} CHECK ({column} IN ({values}))"
    )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column, enum, check in COLUMNS:
        if sqlite:
            _sqlite_add(table, column, enum, check)
        else:
            op.add_column(table, sa.Column(column, enum, nullable=False, server_default="unknown"))
        op.add_column(table, sa.Column(f"{column}_as_stated", sa.Text(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column in place when only its own CHECK names it.
    for table, column, _enum, _check in reversed(COLUMNS):
        op.drop_column(table, f"{column}_as_stated")
        op.drop_column(table, column)
