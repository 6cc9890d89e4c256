"""Response schemas of the change log (they document the contract; the read path serializes rows directly)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from app.core.choices import ChangeAction


class ObjectState(RootModel[dict[str, Any]]):
    """An object's own fields at one moment, as stored: the fields of its collection's item (for
    `scanners` those of `ScannerPublic`, for `sites` of `SitePublic`, ...) without the embedded
    related objects and derived values such as `audit_status`, timestamps in UTC RFC 3339."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "asset_tag": "MV-NUC-01",
                    "site_id": 1,
                    "vendor_id": 1,
                    "network_id": 1,
                    "network_mode": "fibre_linked",
                    "status": "active",
                    "use": "container_cargo",
                    "model": None,
                    "count_basis": "unit",
                    "notes": None,
                    "source": "Answers to parliamentary questions, 2024",
                    "created_at": "2026-03-01T09:30:00.000000Z",
                    "updated_at": "2026-03-01T09:30:00.000000Z",
                    "version": 1,
                }
            ]
        }
    )


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
    before: ObjectState | None = Field(description="The object's own fields before; null on create and restore.")
    after: ObjectState | None = Field(description="The object's own fields after; null on delete.")
    reason: str | None = Field(
        description="The client's `X-Change-Reason`, when given; for an approved change request, its author's reason."
    )
    change_request_id: int | None = Field(
        description="The change request this change applied (see `/change-requests`); null for a direct change."
    )
    approved_by: int | None = Field(
        description="The API key that approved the change request; `api_key_id` is then its author's key. Null for a "
        "direct change."
    )
    emergency: bool = Field(
        description="True for a change the approval policy covers that an admin applied without approval (with a "
        "mandatory reason); listed by `GET /api/v1/reports/unapproved-changes`."
    )
    previous_hash: str | None = Field(description="`hash` of the record before this one; null for the first.")
    hash: str = Field(description="SHA-256 of this record's canonical content, `previous_hash` included.")


class ChangePage(BaseModel):
    """One page of the change log. With `after` it is the change feed: follow `position` (or the
    `Link: rel="next"` header) to get what comes next, also when this page is empty."""

    items: list[ChangeRecordPublic]
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page; null on the last page, and always null with `after`."
    )
    position: int | None = Field(
        description="With `after`: the change id to pass as `after` in the next request. It is the last record "
        "of this page when more may follow, else the newest record of the log when it was read, so records the "
        "filters leave out are not read again; it never goes backwards. Null without `after`.",
        examples=[1207],
    )


class BrokenRecord(BaseModel):
    """The first record at which the chain does not hold."""

    id: int = Field(description="The record that was altered, or that is missing.")
    problem: Literal[
        "content_hash_mismatch", "broken_link", "gap", "checkpoint_signature_invalid", "checkpoint_mismatch"
    ] = Field(
        description="`content_hash_mismatch`: altered content; `broken_link`: previous_hash does not link; `gap`:"
        " records missing; `checkpoint_signature_invalid`: the checkpoint was written or altered without the server"
        " secret; `checkpoint_mismatch`: the checkpoint's record was altered or removed after it was checked."
    )
    detail: str = Field(description="What is wrong, in words.")


class ChainHead(BaseModel):
    """The newest record; keep its hash elsewhere to detect later removal of records at the end."""

    id: int
    hash: str


class ChainCheckpoint(BaseModel):
    """A signed position up to which an earlier check found the chain intact."""

    id: int = Field(description="The record the earlier check reached.")
    hash: str = Field(description="That record's hash, as signed.")
    created_at: datetime = Field(description="When the earlier check reached it.")


class ChainVerification(BaseModel):
    """The result of checking the change log."""

    valid: bool = Field(description="True when every record checked holds.")
    mode: Literal["incremental", "full"] = Field(
        description="`incremental`: from the newest checkpoint (the routine check); `full`: from the first record."
    )
    checked: int = Field(
        description="How many records were read and checked; for a non-admin key this counts only the records it "
        "may read (records of API keys are admin-only)."
    )
    checkpoint: ChainCheckpoint | None = Field(
        description="The checkpoint the incremental check started from (its record is checked again); null when"
        " there was none yet, and for the full walk."
    )
    head: ChainHead | None = Field(
        description="The newest record (for a non-admin key: the newest it may read); null when there is none."
    )
    first_broken: BrokenRecord | None = Field(description="Null when the chain is intact.")


class ChainWalkProgress(BaseModel):
    """A progress line of the full walk."""

    checked: int = Field(description="Records checked so far.")
    last_id: int = Field(description="The last record checked.")


class ChainWalkLine(BaseModel):
    """One line of the full walk's JSON Lines stream: a progress line or, last, the result."""

    progress: ChainWalkProgress | None = Field(default=None, description="Present on progress lines.")
    result: ChainVerification | None = Field(default=None, description="Present on the last line.")
