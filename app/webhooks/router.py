"""HTTP endpoints of webhook subscriptions and their delivery log (admin role only)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from starlette.responses import Response

from app.auth.dependencies import require_admin
from app.core.deps import ReadsDep, SessionDep
from app.core.errors import READ_PROBLEMS, problem_responses
from app.core.http import MAX_ID, created_response, item_response, updated_response
from app.core.idempotency import exclude_from_replay
from app.core.pagination import Page, page_response
from app.core.params import DigitsOnly, IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.routes import create_route, delete_route, get_route, update_route
from app.core.routing import StrictQueryRoute
from app.webhooks import service
from app.webhooks.schemas import WebhookCreate, WebhookCreated, WebhookDeliveryPublic, WebhookPublic, WebhookUpdate

router = APIRouter(
    prefix="/webhooks", tags=["webhooks"], route_class=StrictQueryRoute, dependencies=[Depends(require_admin)]
)


async def valid_webhook(webhook_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The webhook subscription named by the path, or a 404 problem."""
    return await service.get_webhook(reads, webhook_id)


WebhookDep = Annotated[dict[str, Any], Depends(valid_webhook)]


class WebhookQuery(PageQuery):
    """Filters, sort and page of the webhook listing."""

    active: bool | None = Field(default=None, description="`true`: only active subscriptions; `false`: only inactive.")
    sort: str | None = sort_query(service.WEBHOOKS)


class DeliveryQuery(PageQuery):
    """Filters, sort and page of a subscription's delivery log."""

    succeeded: bool | None = Field(
        default=None, description="`true`: only attempts answered 2xx; `false`: only failures."
    )
    change_id: Annotated[int, Field(ge=1, le=MAX_ID), DigitsOnly] | None = Field(
        default=None, description="Only attempts at this change record."
    )
    sort: str | None = sort_query(service.DELIVERIES)


@router.get(
    "",
    operation_id="listWebhooks",
    response_model=Page[WebhookPublic],
    responses=problem_responses(*READ_PROBLEMS["list"]),
    openapi_extra=query_parameters(WebhookQuery),
)
async def list_webhooks(
    request: Request, query: Annotated[WebhookQuery, Depends(query_dependency(WebhookQuery))]
) -> Response:
    """List webhook subscriptions with their targets, filters and delivery position; never their secrets. No
    `as_of`: subscriptions are delivery settings, not inventory; their past is in the change log (admin)."""
    items, next_cursor = await service.list_webhooks(request.app.state.reads, **query.model_dump())
    return page_response(request, items, next_cursor)


@router.get("/{webhook_id}", operation_id="getWebhook", **get_route(WebhookPublic))
async def get_webhook(request: Request, webhook: WebhookDep) -> Response:
    """Get one webhook subscription by id, with how far delivery has got; never its secret. No `as_of`: its past
    is in the change log (admin)."""
    return item_response(request, "webhook", webhook)


@router.get(
    "/{webhook_id}/deliveries",
    operation_id="listWebhookDeliveries",
    response_model=Page[WebhookDeliveryPublic],
    responses=problem_responses(*READ_PROBLEMS["list"], 404),
    openapi_extra=query_parameters(DeliveryQuery),
)
async def list_webhook_deliveries(
    request: Request, webhook: WebhookDep, query: Annotated[DeliveryQuery, Depends(query_dependency(DeliveryQuery))]
) -> Response:
    """List the delivery attempts of one subscription, oldest first: change, attempt, status, duration and error.
    No `as_of`: attempts are a log of their own and never change once written."""
    items, next_cursor = await service.list_deliveries(request.app.state.reads, webhook["id"], **query.model_dump())
    return page_response(request, items, next_cursor)


@router.post("", operation_id="createWebhook", **create_route(WebhookCreated))
def create_webhook(request: Request, body: WebhookCreate, session: SessionDep) -> Response:
    """Subscribe a URL to the change log; the response shows the signing secret once."""
    exclude_from_replay(request, "secret")
    return created_response(request, "webhook", service.create_webhook(session, body))


@router.patch("/{webhook_id}", operation_id="updateWebhook", **update_route(WebhookPublic))
def update_webhook(
    request: Request, webhook_id: ItemId, body: WebhookUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change a subscription (target, filters, active; `position` to redeliver from a change), if If-Match names its current ETag."""
    return updated_response("webhook", service.update_webhook(session, webhook_id, body, if_match))


@router.delete("/{webhook_id}", operation_id="deleteWebhook", **delete_route())
def delete_webhook(webhook_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a subscription and its delivery log, if If-Match names its current ETag."""
    service.delete_webhook(session, webhook_id, if_match)
    return Response(status_code=204)
