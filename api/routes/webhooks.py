"""Routes for webhook subscriptions and their deliveries (any signed-in user, each their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.commands import command
from api.deps import Body, CurrentUser, ServicesDep
from api.schemas import WebhookDeliveryOut, WebhookOut, body_doc, error_responses
from negotiation.service_layer import webhooks

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post(
    "", status_code=201, openapi_extra=body_doc("WebhookCreate"),
    responses={201: {"model": WebhookOut}, **error_responses(401, 413, 422)},
)  # fmt: skip
async def create_webhook(request: Request, services: ServicesDep, actor: CurrentUser, body: Body) -> JSONResponse:
    """Subscribe to event types at a URL; deliveries are signed with the secret, which is never shown again."""
    policy = webhooks.webhook_policy(services.settings)
    return await command(
        request, services, actor, body,
        lambda uow: webhooks.create_subscription(uow, actor=actor, body=body, policy=policy), 201,
    )  # fmt: skip


@router.get("", responses={200: {"model": list[WebhookOut]}, **error_responses(401)})
def list_webhooks(services: ServicesDep, actor: CurrentUser) -> JSONResponse:
    """The caller's own subscriptions."""
    return JSONResponse(webhooks.subscriptions(services.uow.reading(), actor=actor))


@router.delete("/{subscription_id}", responses=error_responses(401, 404, 422))
async def delete_webhook(
    request: Request, services: ServicesDep, actor: CurrentUser, subscription_id: SubscriptionId
) -> JSONResponse:
    """Remove one of the caller's subscriptions; nothing more is sent to it."""
    return await command(
        request, services, actor, None,
        lambda uow: webhooks.delete_subscription(uow, actor=actor, subscription_id=subscription_id),
    )  # fmt: skip


@router.get(
    "/{subscription_id}/deliveries", responses={200: {"model": list[WebhookDeliveryOut]}, **error_responses(401, 404, 422)}
)
def list_deliveries(services: ServicesDep, actor: CurrentUser, subscription_id: SubscriptionId, limit: int = 50) -> JSONResponse:
    """The deliveries of one of the caller's subscriptions, newest first, with every attempt."""
    found = webhooks.deliveries(services.uow.reading(), actor=actor, subscription_id=subscription_id, limit=limit)
    return JSONResponse(found)
