"""Request and response schemas of webhook subscriptions and their delivery log. Only the response to
creating a subscription carries its secret."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.core.choices import ChangeAction
from app.core.constraints import COLLECTION_PATTERN
from app.core.http import MAX_ID
from app.core.schemas import Choice, Citation, Name, Omittable, StrictBody

TargetUrl = Annotated[str, StringConstraints(min_length=8, max_length=2000, pattern=r"^https?://[^\s]+$")]
ObjectType = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=COLLECTION_PATTERN)]
Position = Annotated[int, Field(ge=0, le=MAX_ID)]

_URL = "Where each delivery is POSTed (http or https); checked against INVENTORY_WEBHOOK_ALLOWED_NETWORKS."
_OBJECT_TYPES = "The collections whose changes are delivered, e.g. `scanners`; empty: every collection."
_ACTIONS = "The actions delivered; empty: every action."
_ACTIVE = "Whether changes are delivered. Setting it to true again re-enables a disabled subscription."
_URL_EXAMPLE = ["https://risk-dashboard.example.org/hooks/inventory"]
_TYPES_EXAMPLE = [["scanners", "sites"]]
_POSITION = (
    "The id of the last change record delivered (or passed over as not matching): delivery resumes with the first "
    "matching record after it. To redeliver from change id N, set it to N - 1. At creation it defaults to the "
    "newest record, so only later changes are delivered; 0 delivers the whole log."
)


class WebhookPublic(BaseModel):
    """A webhook subscription as the API shows it: where it delivers, what, and how far it has got; never its secret."""

    id: int
    name: str = Field(description="What the subscription is for.")
    url: str = Field(description=_URL, examples=_URL_EXAMPLE)
    object_types: list[str] = Field(description=_OBJECT_TYPES, examples=_TYPES_EXAMPLE)
    actions: list[ChangeAction] = Field(description=_ACTIONS)
    active: bool = Field(description=_ACTIVE)
    position: int = Field(description=_POSITION)
    failure_count: int = Field(description="Failed attempts in a row since the last success.")
    next_attempt_at: datetime | None = Field(description="When the next retry is due after a failure; null otherwise.")
    disabled_reason: str | None = Field(
        description="Why delivery stopped by itself (too many failures in a row); null while it is not disabled."
    )
    created_at: datetime
    updated_at: datetime
    source: str | None = Field(description="Why the subscription exists (ticket, request).")
    version: int


class WebhookCreated(WebhookPublic):
    """A new webhook subscription with its signing secret, which this response shows once."""

    secret: str | None = Field(
        description="The Standard Webhooks signing secret (`whsec_...`): verify each delivery's `webhook-signature` "
        "with it. Shown in this response only; a replay of the response to an Idempotency-Key retry carries null.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookCreate(StrictBody):
    """Fields to create a webhook subscription."""

    name: Name
    url: TargetUrl = Field(description=_URL, examples=_URL_EXAMPLE)
    object_types: list[ObjectType] = Field(
        default_factory=list, max_length=50, description=_OBJECT_TYPES, examples=_TYPES_EXAMPLE
    )
    actions: list[Choice[ChangeAction]] = Field(default_factory=list, max_length=4, description=_ACTIONS)
    active: bool = Field(default=True, description=_ACTIVE)
    position: Position | None = Field(default=None, description=_POSITION)
    source: Citation | None = None


class WebhookUpdate(StrictBody):
    """Fields of a webhook subscription to change; only the fields sent change."""

    name: Omittable[Name] = None
    url: Omittable[TargetUrl] = Field(default=None, description=_URL, examples=_URL_EXAMPLE)
    object_types: Omittable[list[ObjectType]] = Field(
        default=None, max_length=50, description=_OBJECT_TYPES, examples=_TYPES_EXAMPLE
    )
    actions: Omittable[list[Choice[ChangeAction]]] = Field(default=None, max_length=4, description=_ACTIONS)
    active: Omittable[bool] = Field(default=None, description=_ACTIVE)
    position: Omittable[Position] = Field(default=None, description=_POSITION)
    source: Citation | None = None


class WebhookDeliveryPublic(BaseModel):
    """One attempt to deliver one change record to a subscription."""

    id: int
    change_id: int = Field(description="The change record delivered.")
    attempt: int = Field(description="1 for the first attempt at this change record, 2 for the first retry, ...")
    attempted_at: datetime = Field(description="When the attempt started (UTC, RFC 3339).")
    succeeded: bool = Field(description="Whether the receiver answered 2xx.")
    status_code: int | None = Field(description="The receiver's HTTP status; null when no answer came.")
    duration_ms: float = Field(description="How long the attempt took, in milliseconds.")
    error: str | None = Field(
        description="What went wrong (refused target, timeout, connection error, status); null on success."
    )
