"""Response schemas of the change log (they document the contract; the read path serializes rows directly)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core.choices import ChangeAction


class ChangeRecordPublic(BaseModel):
    """One recorded change: who, when, in which request, and the object's state before and after."""

    id: int = Field(
        description="Position in the chain: 1, 2, 3, ... without gaps. Records of API keys are shown to admin keys "
        "only, so other keys see gaps where those are."
    )
    recorded_at: datetime
    api_key_id: int | None = Field(description="The API key that made the change; null for the seed loader and CLI.")
    request_id: str = Field(description="The request's `X-Request-ID` (`seed` for the seed loader).")
    action: ChangeAction
    object_type: str = Field(description="The collection, e.g. `scanners`.")
    object_id: int
    before: dict[str, Any] | None = Field(description="The object's own fields before; null on create and restore.")
    after: dict[str, Any] | None = Field(description="The object's own fields after; null on delete.")
    reason: str | None = Field(description="The client's `X-Change-Reason`, when given.")
    previous_hash: str | None = Field(description="`hash` of the record before this one; null for the first.")
    hash: str = Field(description="SHA-256 of this record's canonical content, `previous_hash` included.")


class BrokenRecord(BaseModel):
    """The first record at which the chain does not hold."""

    id: int = Field(description="The record that was altered, or that is missing.")
    problem: Literal["content_hash_mismatch", "broken_link", "gap"]
    detail: str


class ChainHead(BaseModel):
    """The newest record; keep its hash elsewhere to detect later removal of records at the end."""

    id: int
    hash: str


class ChainVerification(BaseModel):
    """The result of checking the whole change log."""

    valid: bool
    checked: int = Field(
        description="How many records were checked. The whole chain is always checked; for a non-admin key this "
        "counts only the records it may read (records of API keys are admin-only)."
    )
    head: ChainHead | None = Field(
        description="The newest record (for a non-admin key: the newest it may read); null when there is none."
    )
    first_broken: BrokenRecord | None = Field(description="Null when the chain is intact.")
