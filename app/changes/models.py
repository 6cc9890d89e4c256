"""Table models of the change log: change records, chain checkpoints and object versions."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from app.core.choices import ChangeAction
from app.core.db import UTCDateTime
from app.core.models import choice_column, unique_key


class ChangeRecord(SQLModel, table=True):
    """One change made to the inventory: who made it, when, in which request, and the object's state
    before and after.

    Records are appended in the same transaction as the change and never updated or deleted by
    the application. Each carries the SHA-256 of its content and of the previous record's hash,
    so an edited, removed or reordered record breaks the chain (``GET /api/v1/changes/verify``).
    Unlike the inventory tables it has no ``updated_at``/``version``/``source``: a record never
    changes, and ``recorded_at`` is when it was made.
    """

    __tablename__ = "change_record"
    __table_args__ = (
        sa.CheckConstraint(
            "(action IN ('create', 'restore') AND before IS NULL AND after IS NOT NULL)"
            " OR (action = 'update' AND before IS NOT NULL AND after IS NOT NULL)"
            " OR (action = 'delete' AND before IS NOT NULL AND after IS NULL)",
            name="states_match_action",
        ),
        sa.Index("ix_change_record_object", "object_type", "object_id", "id"),
    )

    id: int = Field(
        primary_key=True,
        sa_column_kwargs={"autoincrement": False},
        description="Position in the chain: 1, 2, 3, ... without gaps.",
    )
    recorded_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    api_key_id: int | None = Field(
        default=None, index=True, description="The API key that made the change; null for the seed loader and the CLI."
    )
    request_id: str = Field(max_length=128, nullable=False, index=True)
    action: ChangeAction = choice_column(ChangeAction, "change_action")
    object_type: str = Field(max_length=64, nullable=False, description="The collection, e.g. `scanners`.")
    object_id: int = Field(nullable=False)
    before: str | None = Field(default=None, sa_type=sa.Text, description="Canonical JSON of the state before.")
    after: str | None = Field(default=None, sa_type=sa.Text, description="Canonical JSON of the state after.")
    reason: str | None = Field(default=None, max_length=500)
    change_request_id: int | None = Field(
        default=None, description="The change request this change applied; null for a change made directly."
    )
    approved_by: int | None = Field(default=None, description="The API key that approved the change request.")
    emergency: bool | None = Field(
        default=None, description="True for a change the approval policy covers that an admin applied without approval."
    )
    previous_hash: str | None = Field(default=None, max_length=64)
    hash: str = unique_key()


class ChainCheckpoint(SQLModel, table=True):
    """A verified position of the change log's hash chain: the record id and hash up to which the chain
    was last found intact, signed with the server secret.

    The routine check (``GET /api/v1/changes/verify``) starts from the newest checkpoint and checks only
    the records after it, then stores a new one; the signature (HMAC-SHA256 over id and hash) makes a
    checkpoint written or edited by anyone without the secret fail the check. Like change records,
    checkpoints are appended and never updated, so the table has no ``updated_at``/``version``/``source``.
    """

    __tablename__ = "chain_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(
        nullable=False, sa_column_kwargs={"unique": True}, description="The last change record checked."
    )
    hash: str = Field(max_length=64, nullable=False, description="That record's hash.")
    signature: str = Field(max_length=64, nullable=False, description="HMAC-SHA256 of record id and hash, hex.")
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, description="When the check reached it.")


class ObjectVersion(SQLModel, table=True):
    """One version of a recorded object and the period it was valid (a system-versioned history, as in
    SQL:2011): the state a change record left, from that record's time until the object's next change.

    Written with the change records, in the same transaction (``seal_chain``): a create, update or
    restore opens a version; an update or delete closes the open one. ``valid_to`` is the earliest
    time of any later change of the object, so the version valid at an instant T
    (``valid_from <= T AND (valid_to IS NULL OR valid_to > T)``) is exactly the ``after`` of the
    object's latest record (chain order) recorded at or before T; a deleted object has none. Point-in-time
    reads (``as_of``) are SQL over this table. Like change records, versions carry no
    ``updated_at``/``version``/``source``; they are derived from the log and can be rebuilt from it.
    """

    __tablename__ = "object_version"
    __table_args__ = (
        sa.Index("ix_object_version_period", "object_type", "valid_from", "valid_to"),
        sa.Index("ix_object_version_object", "object_type", "object_id", "valid_from"),
    )
    # Also, on PostgreSQL only, one partial index per collection and human key the listings sort by, on
    # ``(state ->> key) COLLATE "C", object_id`` (migration 9c1e5b7d2a64; ``STATE_KEY_INDEXES``): an
    # expression the model does not state, so the schema comparison leaves those names aside.

    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=64, nullable=False, description="The collection, e.g. `scanners`.")
    object_id: int = Field(nullable=False)
    valid_from: datetime = Field(
        sa_type=UTCDateTime, nullable=False, description="When the change that made it was recorded."
    )
    valid_from_change: int = Field(
        nullable=False, sa_column_kwargs={"unique": True}, description="The change record that made this version."
    )
    valid_to: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="When a later change of the object was recorded; null while current.",
    )
    valid_to_change: int | None = Field(default=None, description="The change record that ended this version.")
    state: str = Field(
        sa_type=sa.Text().with_variant(JSONB(), "postgresql"),
        nullable=False,
        description="The object's columns then, as the change record's `after` (JSONB on PostgreSQL).",
    )


STATE_KEY_INDEXES = frozenset(
    f"ix_object_version_{collection}_{key}"
    for collection, key in (("scanners", "asset_tag"), ("sites", "code"), ("vendors", "slug"), ("networks", "code"))
)
"""The PostgreSQL indexes on a state's human key (``as_of`` pages sorted by it), built by their migration."""
