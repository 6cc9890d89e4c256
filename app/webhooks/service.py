"""Managing webhook subscriptions and reading their delivery log."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col

from app.changes.models import ChangeRecord
from app.changes.recording import collection_of
from app.changes.resources import columns_listing, read_one, row_shape
from app.changes.versions import NOT_VERSIONED
from app.changes.writes import (
    changed_fields,
    delete_row,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    update_row,
)
from app.core.config import get_settings
from app.core.errors import InvalidRequest, invalid_field
from app.core.pagination import Filters, fetch_page
from app.core.reads import ReadDatabase
from app.webhooks.models import Webhook, WebhookDelivery
from app.webhooks.schemas import WebhookCreate, WebhookUpdate
from app.webhooks.targets import AllowList, TargetRefused, check_url

UNRECORDED_TABLES = NOT_VERSIONED
"""Tables whose rows are not objects of the change log (so not collections a webhook can ask for)."""


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def known_collections() -> set[str]:
    """The collections whose changes the change log records."""
    return {collection_of(name) for name in SQLModel.metadata.tables if name not in UNRECORDED_TABLES}


def _invalid(field: str, message: str) -> InvalidRequest:
    return invalid_field(field, message, f"{field} {message}.")


def _check_target(url: str) -> None:
    try:
        check_url(url, AllowList.parse(get_settings().webhook_allowed_networks))
    except TargetRefused as refused:
        raise _invalid("url", str(refused)) from None


def _check_object_types(object_types: list[str]) -> list[str]:
    unknown = sorted(set(object_types) - known_collections())
    if unknown:
        raise _invalid("object_types", f"names unknown collections: {', '.join(unknown)}")
    return sorted(set(object_types))


def _head(session: Session) -> int:
    return session.execute(sa.select(sa.func.max(ChangeRecord.id))).scalar_one() or 0


# Reads on the raw read path; never select the secret.

_WEBHOOK_FIELDS = (
    "id",
    "name",
    "url",
    "object_types",
    "actions",
    "active",
    "position",
    "failure_count",
    "next_attempt_at",
    "disabled_reason",
    "created_at",
    "updated_at",
    "source",
    "version",
)
WEBHOOKS = columns_listing(
    "webhooks",
    "webhook",
    ", ".join(f"webhook.{name}" for name in _WEBHOOK_FIELDS),
    row_shape(
        *_WEBHOOK_FIELDS,
        timestamps=("next_attempt_at",),
        booleans=("active",),
        json=("object_types", "actions"),
        bookkeeping_last=False,
    ),
    id="int",
    name="text",
    created_at="timestamp",
)

_DELIVERY_FIELDS = ("id", "change_id", "attempt", "attempted_at", "succeeded", "status_code", "duration_ms", "error")
DELIVERIES = columns_listing(
    "webhook-deliveries",
    "webhook_delivery",
    ", ".join(f"webhook_delivery.{name}" for name in _DELIVERY_FIELDS),
    row_shape(*_DELIVERY_FIELDS, timestamps=("attempted_at",), booleans=("succeeded",), bookkeeping_last=False),
    id="int",
)


async def list_webhooks(
    reads: ReadDatabase, *, active: bool | None, sort: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Webhook subscriptions, active and inactive unless ``active`` says which."""
    filters = Filters().equal("webhook", active=active)
    return await fetch_page(reads, WEBHOOKS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_webhook(reads: ReadDatabase, webhook_id: int) -> dict[str, Any]:
    """One subscription by id, or NotFound."""
    return await read_one(reads, WEBHOOKS, webhook_id, f"No webhook with id {webhook_id}.")


async def list_deliveries(
    reads: ReadDatabase,
    webhook_id: int,
    *,
    succeeded: bool | None,
    change_id: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The delivery log of one subscription (oldest first by default)."""
    filters = Filters().equal("webhook_delivery", webhook_id=webhook_id, succeeded=succeeded, change_id=change_id)
    return await fetch_page(reads, DELIVERIES, filters, sort=sort, limit=limit, cursor=cursor)


# Writes, recorded in the change log like every admin collection (never the secret).


def create_webhook(session: Session, data: WebhookCreate) -> dict[str, Any]:
    """Create a subscription; the result carries its secret, shown this once."""
    _check_target(data.url)
    secret = new_secret()
    webhook = Webhook(
        name=data.name,
        url=data.url,
        object_types=_check_object_types(data.object_types),
        actions=sorted({action.value for action in data.actions}),
        active=data.active,
        secret=secret,
        position=_head(session) if data.position is None else data.position,
        source=data.source,
    )
    webhook_id = insert_row(session, webhook)
    return {**load_item(session, WEBHOOKS, webhook_id), "secret": secret}


def update_webhook(session: Session, webhook_id: int, patch: WebhookUpdate, if_match: str | None) -> dict[str, Any]:
    """Change a subscription if ``if_match`` names its current version. Setting ``position`` redelivers (or
    skips); setting ``active`` to true re-enables a disabled one with a clean run of failures."""
    webhook = get_or_404(session, Webhook, webhook_id, "webhook")
    version = expected_version(if_match, "webhook", webhook_id, webhook.version)
    changes = changed_fields(webhook, patch)
    if "url" in changes:
        _check_target(changes["url"])
    if "object_types" in changes:
        changes["object_types"] = _check_object_types(changes["object_types"])
        if changes["object_types"] == webhook.object_types:
            del changes["object_types"]
    if "actions" in changes:
        changes["actions"] = sorted({getattr(action, "value", action) for action in changes["actions"]})
        if changes["actions"] == webhook.actions:
            del changes["actions"]
    if changes.get("active") or "position" in changes:
        # A fresh start: re-enabled, or told where to resume; the retry schedule starts over.
        changes.update(failure_count=0, next_attempt_at=None, disabled_reason=None)
    if changes:
        update_row(session, Webhook, webhook_id, version, changes)
    return load_item(session, WEBHOOKS, webhook_id)


def delete_webhook(session: Session, webhook_id: int, if_match: str | None) -> None:
    """Delete a subscription and its delivery log, if ``if_match`` names its current version."""
    webhook = get_or_404(session, Webhook, webhook_id, "webhook")
    version = expected_version(if_match, "webhook", webhook_id, webhook.version)
    session.execute(sa.delete(WebhookDelivery).where(col(WebhookDelivery.webhook_id) == webhook_id))
    delete_row(session, Webhook, webhook_id, version)
