"""Webhook subscriptions: made, listed and removed by the user who owns them, and their deliveries listed.

Any signed-in user may subscribe; what a subscription receives is decided per case by that user's access rules
(access.can_see), when the deliverer fans an event out (negotiation/service_layer/webhook_delivery.py). The secret
is never answered back and is stored sealed (negotiation/adapters/secret_box.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from negotiation.adapters.secret_box import SecretBox, secret_box
from negotiation.adapters.webhook_http import refusal
from negotiation.adapters.webhook_store import Delivery, Subscription
from negotiation.commands import WebhookCreate
from negotiation.config import Settings
from negotiation.errors import NotFound, ValidationFailed, Violation
from negotiation.service_layer.access import Actor
from negotiation.service_layer.clock import iso_at, now_iso
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.validation import parse

__all__ = [
    "WebhookPolicy",
    "create_subscription",
    "delete_subscription",
    "deliveries",
    "delivery_view",
    "subscriptions",
    "webhook_policy",
]

MAX_LIMIT = 100


@dataclass(frozen=True)
class WebhookPolicy:
    """Where webhooks may go and how their secrets are sealed, from the settings."""

    allow_hosts: frozenset[str]
    box: SecretBox


def webhook_policy(settings: Settings) -> WebhookPolicy:
    """The policy of these settings (NEGOTIATION_WEBHOOK_ALLOW_HOSTS, the session secret or the key file)."""
    box = secret_box(settings.session_secret, settings.previous_session_secrets, settings.archive_dir)
    return WebhookPolicy(settings.webhook_hosts, box)


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [Violation(None, message, None, path)])


def subscription_view(s: Subscription) -> dict[str, Any]:
    return {"id": s.id, "url": s.url, "events": list(s.events), "created_at": s.created_at}


def delivery_view(d: Delivery) -> dict[str, Any]:
    """A delivery as its subscriber sees it: where it stands and each attempt (never the secret or signature)."""
    return {
        "id": d.id, "type": d.type, "case_id": d.case_id, "status": d.status, "attempts": d.attempts,
        "http_status": d.http_status, "error": d.error,
        "next_attempt_at": iso_at(d.next_attempt_at) if d.status == "pending" and d.next_attempt_at is not None else None,
        "created_at": d.created_at, "delivered_at": d.delivered_at, "history": list(d.history),
    }  # fmt: skip


def create_subscription(uow: UnitOfWork, *, actor: Actor, body: Any, policy: WebhookPolicy) -> dict[str, Any]:
    """Subscribe the caller to some event types at a URL (any signed-in user)."""
    cmd = parse(WebhookCreate, body)
    if len(set(cmd.events)) != len(cmd.events):
        raise _bad("events", "订阅的事件类型不得重复")
    refused = refusal(cmd.url, policy.allow_hosts, resolve=False)
    if refused is not None:
        raise _bad("url", f"不能向该网址发送通知：{refused}")
    with uow:
        at = now_iso()
        sealed = policy.box.seal(cmd.secret)
        new_id = uow.repo.webhooks.add_subscription(
            user_id=actor.user_id, url=cmd.url, events=list(cmd.events), secret_sealed=sealed, created_at=at
        )
        result = {"id": new_id, "url": cmd.url, "events": list(cmd.events), "created_at": at}
        uow.commit(result)
    return result


def _own(uow: UnitOfWork, actor: Actor, subscription_id: int) -> Subscription:
    found = uow.repo.webhooks.subscription(subscription_id)
    if found is None or found.user_id != actor.user_id:
        raise NotFound(f"未找到通知订阅 {subscription_id}")
    return found


def subscriptions(uow: UnitOfWork, *, actor: Actor) -> list[dict[str, Any]]:
    """The caller's own subscriptions, oldest first."""
    with uow:
        return [subscription_view(s) for s in uow.repo.webhooks.subscriptions(actor.user_id)]


def delete_subscription(uow: UnitOfWork, *, actor: Actor, subscription_id: int) -> dict[str, Any]:
    """Remove one of the caller's subscriptions and its deliveries (nothing more is sent to it)."""
    with uow:
        found = _own(uow, actor, subscription_id)
        uow.repo.webhooks.delete_subscription(found.id)
        result = {"id": found.id, "deleted": True}
        uow.commit(result)
    return result


def deliveries(uow: UnitOfWork, *, actor: Actor, subscription_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """The deliveries of one of the caller's subscriptions, newest first, each with its attempts."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", f"limit 须在 1 至 {MAX_LIMIT} 之间")
    with uow:
        found = _own(uow, actor, subscription_id)
        return [delivery_view(d) for d in uow.repo.webhooks.deliveries(found.id, limit)]
