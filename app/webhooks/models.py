"""Table models of webhook subscriptions and their delivery log."""

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.models import TrackedColumns, name_column


class Webhook(TrackedColumns, table=True):
    """A subscription of another service to the change log: the URL that receives each matching change
    record as a signed HTTP POST, which collections and actions it wants, and how far delivery has got.

    ``position`` is the id of the last change record the receiver acknowledged (or that did not match);
    the worker moves it only when the receiver answers 2xx, so the change log itself is the outbox.
    ``secret`` signs the deliveries (Standard Webhooks); it is shown once, when the subscription is
    created, and never copied into change records.
    """

    __tablename__ = "webhook"

    name: str = name_column()
    url: str = Field(max_length=2000, nullable=False, description="Where deliveries are POSTed.")
    object_types: list[str] = Field(
        default_factory=list, sa_type=sa.JSON, nullable=False, description="Collections delivered; empty: all."
    )
    actions: list[str] = Field(
        default_factory=list, sa_type=sa.JSON, nullable=False, description="Actions delivered; empty: all."
    )
    active: bool = Field(default=True, nullable=False)
    secret: str = Field(max_length=100, nullable=False, description="The signing secret (whsec_...).")
    position: int = Field(default=0, nullable=False, description="The last change record delivered or passed.")
    failure_count: int = Field(default=0, nullable=False, description="Failed attempts since the last success.")
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="When to retry.")
    disabled_reason: str | None = Field(default=None, max_length=500)


class WebhookDelivery(SQLModel, table=True):
    """One attempt to deliver one change record to one subscription: when, the receiver's status, how long
    it took and what went wrong. An append-only log (no ``updated_at``/``version``/``source``); the newest
    1,000 attempts of each subscription are kept."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (sa.Index("ix_webhook_delivery_webhook", "webhook_id", "id"),)
    if TYPE_CHECKING:  # set by SQLModel for a table model; the delivery worker uses it directly
        __table__: ClassVar[sa.Table]

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id", ondelete="RESTRICT", nullable=False)
    change_id: int = Field(nullable=False, description="The change record delivered.")
    attempt: int = Field(nullable=False, description="1 for the first attempt at this change, 2 for the retry, ...")
    attempted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    succeeded: bool = Field(nullable=False)
    status_code: int | None = Field(default=None, description="The receiver's HTTP status; null when none came.")
    duration_ms: float = Field(nullable=False)
    error: str | None = Field(default=None, max_length=500)
