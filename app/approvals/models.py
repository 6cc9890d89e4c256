"""Table model of a change request."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import ChangeRequestOperation, ChangeRequestState
from app.core.db import UTCDateTime
from app.core.models import TrackedColumns, choice_column, enum_type


class ChangeRequest(TrackedColumns, table=True):
    """A write the approval policy covers, held until a second person decides on it: which object of which
    collection (``target_id``, null for a create), the operation and its body as sent, the target's version it
    was based on, who asked and why, and the decision (who, when, why) once made.

    Nothing in the inventory changes while a request is pending. Approving it applies the body through the
    collection's ordinary write path in the approver's transaction, provided the target is still at
    ``base_version``; otherwise the request becomes ``stale``. Requests are recorded in the change log (as
    ``change-requests``) like any object; the change an approval applies is recorded under its author's key
    with ``approved_by`` and ``change_request_id``.
    """

    __tablename__ = "change_request"
    __table_args__ = (sa.Index("ix_change_request_target", "collection", "target_id", "state"),)

    collection: str = Field(max_length=64, nullable=False, description="The target's collection, e.g. `scanners`.")
    target_id: int | None = Field(default=None, description="The object changed; null when the request creates one.")
    operation: ChangeRequestOperation = choice_column(ChangeRequestOperation, "change_request_operation")
    body: dict | None = Field(
        default=None, sa_type=sa.JSON, description="The request body as sent (null for a delete)."
    )
    base_version: int | None = Field(default=None, description="The target's version the request was based on.")
    rule: str = Field(max_length=64, nullable=False, description="The policy rule that covers the write.")
    policy_version: str = Field(max_length=32, nullable=False, description="The policy's version at the time.")
    state: ChangeRequestState = Field(
        sa_type=enum_type(ChangeRequestState, "change_request_state"), nullable=False, index=True
    )
    author_key_id: int = Field(nullable=False, index=True, description="The API key that asked for the change.")
    author_owner: str = Field(max_length=200, nullable=False, description="That key's owner when it asked.")
    reason: str | None = Field(default=None, max_length=500, description="The author's X-Change-Reason.")
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    decided_by_key_id: int | None = Field(default=None, description="The API key that approved, rejected or withdrew.")
    decided_by_owner: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str | None = Field(default=None, max_length=500)
    result_id: int | None = Field(default=None, description="The object an approved create made.")
