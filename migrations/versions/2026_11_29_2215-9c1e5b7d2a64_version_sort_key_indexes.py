"""Indexes for reading the past in a listing's human-key order

A listing read ``as_of`` an instant and sorted by a human key (``sort=asset_tag``, ``sort=code``,
``sort=slug``) orders the versions valid at that instant by a field of their state. Without an index on
that field every version of the collection valid at the instant was read and sorted (0.3-0.7 s at
100,000 scanners on PostgreSQL). These partial indexes, one per collection and key, hold the field as the
point-in-time SQL extracts it (``app/changes/versions.py``: ``state ->> 'key'``, in ``COLLATE "C"``, the
listings' byte order) and the object id, so a page reads the versions in order and stops after it
(at 100,000 scanners with ten versions each: 586 ms before, 8 ms after). PostgreSQL only: SQLite's planner
chose to sort rather than read the same index on ``json_extract`` once the tables had statistics (414 ms
against 443 ms without it), so there it would only cost writes.

Revision ID: 9c1e5b7d2a64
Revises: 3f6a1c2d9e7b
Created: 2026-11-29 22:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9c1e5b7d2a64"
down_revision: str | None = "3f6a1c2d9e7b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_KEYS = [("scanners", "asset_tag"), ("sites", "code"), ("vendors", "slug"), ("networks", "code")]
"""The collections' human keys the listings offer as sort orders, as the change log names the collections."""


def _name(collection: str, key: str) -> str:
    return f"ix_object_version_{collection}_{key}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for collection, key in SORT_KEYS:
        op.execute(
            f"CREATE INDEX {_name(collection, key)} ON object_version ((state ->> '{key}') COLLATE \"C\", object_id)"
            f" WHERE object_type = '{collection}'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for collection, key in SORT_KEYS:
        op.execute(f"DROP INDEX {_name(collection, key)}")
