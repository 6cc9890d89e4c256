"""Request and response schemas of API keys. No response ever carries a token hash; only the
response to creating a key carries its token."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.approvals.schemas import PendingChangeRequests
from app.core.choices import Role
from app.core.schemas import Choice, Citation, KeyName, Name, Omittable, StrictBody, Timestamp


class ApiKeyPublic(BaseModel):
    """An API key as the API shows it: who it is for, its role and its life, never its token."""

    id: int
    name: str = Field(description="Who or what the key is for.")
    owner: str = Field(
        description="The person (or team) answerable for the key. A change request is approved by a key of another "
        "owner: two keys of one owner cannot approve each other's requests.",
        examples=["j.jansen"],
    )
    role: Role
    token_prefix: str = Field(description="The first characters of the token, to recognise it (e.g. in logs).")
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None = Field(description="When the key stops working; null: never.")
    revoked_at: datetime | None = Field(description="When the key was revoked; null while it is not.")
    last_used_at: datetime | None = Field(
        description="When the key was last used (recorded at most once a minute); null: never."
    )
    source: str | None = Field(description="Why the key was issued (ticket, request).")
    version: int


class ApiKeyDetail(ApiKeyPublic, PendingChangeRequests):
    """An API key as its item GET returns it, with the change requests pending on it; never its token."""


class ApiKeyCreated(ApiKeyPublic):
    """A new API key with its token, which this response shows once and the service never stores."""

    token: str | None = Field(
        description="The bearer token (`csi_...`). Shown in this response only; a replay of the response to an "
        "Idempotency-Key retry carries null here, because the token is not stored anywhere."
    )


class ApiKeyBody(StrictBody):
    """The fields of an API key's request bodies, in their order, each optional as a PATCH sends them;
    ``ApiKeyCreate`` requires some."""

    name: Omittable[Name] = None
    owner: Omittable[KeyName] = None
    role: Omittable[Choice[Role]] = None
    expires_at: Timestamp | None = Field(default=None, description="In the future, with a timezone; null: never.")
    source: Citation | None = None


class ApiKeyCreate(ApiKeyBody):
    """Fields to mint an API key."""

    name: Name
    owner: KeyName
    role: Choice[Role]


class ApiKeyUpdate(ApiKeyBody):
    """Fields of an API key to change; only the fields sent change. To end a key, revoke it (DELETE)."""
