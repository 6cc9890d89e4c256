"""Request and response schemas of change requests."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from app.core.choices import ChangeRequestOperation, ChangeRequestState
from app.core.schemas import StrictBody

DecisionReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ChangeRequestPublic(BaseModel):
    """A change the approval policy covers, held until a second person approves it: what it would do, to which
    object, based on which version, who asked and why, and what became of it."""

    id: int
    collection: str = Field(
        description="The collection of the object to change, e.g. `scanners`.", examples=["scanners"]
    )
    target_id: int | None = Field(description="The object to change or delete; null when the request creates one.")
    operation: ChangeRequestOperation = Field(description="What the request does to the target.")
    body: dict[str, Any] | None = Field(
        description="The request body as sent (the fields of the collection's create or update); null for a delete.",
        examples=[{"network_mode": "standalone", "network_id": None}],
    )
    base_version: int | None = Field(
        description="The target's version the request was based on (from If-Match). Approval applies only while "
        "the target is still at it; otherwise the request becomes `stale`."
    )
    rule: str = Field(
        description="The rule of the approval policy that covers the change.", examples=["scanner-network"]
    )
    policy_version: str = Field(description="The version of the approval policy applied.", examples=["2026-11-29.1"])
    state: ChangeRequestState = Field(
        description="`pending` until decided; `approved` (applied), `rejected`, `withdrawn`, `stale` (the target "
        "changed first) or `expired` (undecided for INVENTORY_CHANGE_REQUEST_TTL_DAYS)."
    )
    author_key_id: int = Field(description="The API key that asked for the change.")
    author_owner: str = Field(description="The owner of that key when it asked.")
    reason: str | None = Field(description="The author's `X-Change-Reason`.")
    expires_at: datetime = Field(description="When the request expires if nobody decides on it (UTC, RFC 3339).")
    decided_by_key_id: int | None = Field(description="The API key that approved, rejected or withdrew the request.")
    decided_by_owner: str | None = Field(description="The owner of that key.")
    decided_at: datetime | None = Field(description="When the decision was made (UTC, RFC 3339).")
    decision_reason: str | None = Field(description="Why it was rejected (mandatory), approved or withdrawn.")
    result_id: int | None = Field(description="The object an approved create made; null otherwise.")
    created_at: datetime
    updated_at: datetime
    source: str | None = Field(description="Unused for now; always null.")
    version: int


class ChangeRequestRejection(StrictBody):
    """Why a change request is rejected."""

    reason: DecisionReason = Field(description="Why the change is refused; shown to its author and recorded.")


class PendingChangeRequests(BaseModel):
    """Declares the ``pending_change_requests`` of an item of a collection the approval policy covers."""

    pending_change_requests: list[int] | None = Field(
        default=None,
        description="Ids of the change requests pending on this object (`GET /api/v1/change-requests/{id}`), "
        "oldest first; none of them has changed it yet. Present only while at least one is pending.",
        examples=[[12]],
    )


ACCEPTED_RESPONSE: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ChangeRequestPublic,
        "description": "The change is covered by the approval policy: it is held as a change request (its URL in "
        "`Location`) until a second person approves it. Nothing has changed yet.",
    }
}
"""The extra response of a write the approval policy may cover."""
