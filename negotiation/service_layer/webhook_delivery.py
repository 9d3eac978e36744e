"""The deliverer: fans each outbox row out to the subscribers who may see its case, then sends what is due, signed.

A pass (``deliver_pass``; every second in each serving worker, once from ``negotiation webhooks deliver``):

1. **Fan out**, in one transaction: take the oldest outbox rows (locked; PostgreSQL skips rows another worker holds),
   make one delivery per subscription that names the row's type, existed when the change was made, and whose user
   — not disabled — may see the case (``access.can_see``, the API's own rule); delete the rows. The body is made
   once, here, and the same bytes are signed and sent at every attempt.
2. **Deliver**: claim the deliveries that are due (a lease, negotiation/adapters/webhook_store.py), POST them at
   once with no transaction open (each within 10 s, whatever the receiver does), record each outcome. A 2xx answer delivers it. Anything else — a redirect (never
   followed), another status, no answer within the timeout, a host the allow-list no longer lets through (nothing
   is sent) — is a failed attempt, tried again 10 s later, then after 20 s, 40 s… until 24 h after the event; then
   the delivery is ``failed``. A deliverer that dies mid-way leaves its claims due again when their lease ends:
   every delivery is sent at least once, and a receiver tells repeats apart by ``X-Negotiation-Delivery``.

Deliveries are not legal timers: they run by the wall clock, also under NEGOTIATION_TEST_CLOCK=1.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import orjson

from negotiation.adapters.secret_box import SecretUnreadable
from negotiation.adapters.webhook_http import TOTAL_SECONDS, Outcome, Request, post_all, refusal
from negotiation.adapters.webhook_store import ClaimedDelivery
from negotiation.service_layer.access import Actor, can_see
from negotiation.service_layer.clock import iso_at
from negotiation.service_layer.unit_of_work import UnitOfWorkFactory
from negotiation.service_layer.webhooks import WebhookPolicy

__all__ = ["FIRST_RETRY_SECONDS", "GIVE_UP_SECONDS", "PassReport", "deliver_due", "deliver_pass", "fan_out", "retry_delay"]

FIRST_RETRY_SECONDS = 10.0
GIVE_UP_SECONDS = 24 * 3600.0
FANOUT_BATCH = 200
CLAIM_BATCH = 10
LEASE_SECONDS = TOTAL_SECONDS + 50  # longer than a batch of attempts (sent at once) can take
MAX_ROUNDS = 50  # batches per pass, so that one pass ends


def retry_delay(attempts: int) -> float:
    """Seconds from a failed attempt (the n-th) to the next: 10, 20, 40, …"""
    return FIRST_RETRY_SECONDS * float(2 ** (attempts - 1))


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


@dataclass
class PassReport:
    """What one pass did: deliveries made by fan-out, attempts, how many delivered, failed, given up."""

    fanned_out: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    given_up: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def fan_out(factory: UnitOfWorkFactory, *, limit: int = FANOUT_BATCH) -> tuple[int, int]:
    """Turn up to `limit` outbox rows into deliveries, in one transaction: (rows taken, deliveries made)."""
    with factory.reading() as uow:  # most passes find nothing: no write lock taken for that
        if not uow.repo.webhooks.outbox_waiting():
            return 0, 0
    made = 0
    with factory() as uow:
        store = uow.repo.webhooks
        rows = store.take_outbox(limit)
        subscribers = [s for s in store.subscribers() if not s.disabled] if rows else []
        for row in rows:
            wanting = [s for s in subscribers if row.type in s.subscription.events and s.subscription.created_at <= row.at]
            case = uow.repo.case(row.case_id) if wanting else None  # with no one to tell, the row is only deleted
            for subscriber in wanting:
                sub = subscriber.subscription
                actor = Actor(sub.user_id, subscriber.name, subscriber.role, subscriber.organization_id)
                if case is None or not can_see(actor, case):
                    continue
                delivery_id = str(uuid.uuid4())
                payload = {"id": delivery_id, "type": row.type, "at": row.at, "case_id": row.case_id, "data": row.data}
                store.add_delivery({
                    "id": delivery_id, "subscription_id": sub.id, "type": row.type, "case_id": row.case_id,
                    "body": orjson.dumps(payload).decode("utf-8"), "status": "pending", "attempts": 0,
                    "next_attempt_at": _epoch(row.at), "give_up_at": _epoch(row.at) + GIVE_UP_SECONDS, "claimed_by": None,
                    "http_status": None, "error": None, "history": [], "created_at": row.at, "delivered_at": None,
                })  # fmt: skip
                made += 1
        store.delete_outbox([row.id for row in rows])
        uow.commit()
    return len(rows), made


def _headers(claimed: ClaimedDelivery, body: bytes, secret: str) -> dict[str, str]:
    signature = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "negotiation-webhooks/1",
        "X-Negotiation-Event": claimed.delivery.type,
        "X-Negotiation-Delivery": claimed.delivery.id,
        "X-Negotiation-Signature": f"sha256={signature}",
    }


def _prepare(policy: WebhookPolicy, claimed: ClaimedDelivery) -> tuple[Request | Outcome, str | None, bool]:
    """What to send (or why nothing is sent), the secret sealed anew when an older key opened it, whether to give up."""
    if claimed.user_disabled:
        return Outcome(False, None, "未发送：订阅者的账户已停用"), None, True
    refused = refusal(claimed.url, policy.allow_hosts, resolve=True)  # again now: the allow-list or DNS may have changed
    if refused is not None:
        return Outcome(False, None, f"未发送：{refused}"), None, False
    try:
        secret, current = policy.box.open(claimed.secret_sealed)
    except SecretUnreadable:
        return Outcome(False, None, "未发送：签名密钥无法解开（其密钥已不再配置），请重新订阅"), None, True
    body = claimed.delivery.body.encode("utf-8")
    return Request(claimed.url, body, _headers(claimed, body, secret)), None if current else policy.box.seal(secret), False


def _outcome_values(claimed: ClaimedDelivery, outcome: Outcome, at: float, give_up: bool) -> dict[str, Any]:
    d = claimed.delivery
    attempt = d.attempts + 1
    entry = {"attempt": attempt, "at": iso_at(at), "http_status": outcome.http_status, "error": outcome.error}
    values: dict[str, Any] = {
        "attempts": attempt, "http_status": outcome.http_status, "error": outcome.error,
        "history": [*d.history, entry], "claimed_by": None,
    }  # fmt: skip
    if outcome.delivered:
        return {**values, "status": "delivered", "next_attempt_at": None, "delivered_at": iso_at(at)}
    retry_at = at + retry_delay(attempt)
    if give_up or retry_at > d.give_up_at:
        return {**values, "status": "failed", "next_attempt_at": None}
    return {**values, "status": "pending", "next_attempt_at": retry_at}


def deliver_due(factory: UnitOfWorkFactory, policy: WebhookPolicy, report: PassReport, *, clock: Callable[[], float]) -> int:
    """Claim up to a batch of due deliveries, send each and record it; how many were claimed."""
    now = clock()
    with factory.reading() as uow:
        if not uow.repo.webhooks.any_due(now):
            return 0
    token = secrets.token_hex(16)
    with factory() as uow:
        claimed = uow.repo.webhooks.claim_due(now=now, lease_until=now + LEASE_SECONDS, token=token, limit=CLAIM_BATCH)
        uow.commit()
    if not claimed:
        return 0
    prepared = [_prepare(policy, item) for item in claimed]
    requests = [what for what, _, _ in prepared if isinstance(what, Request)]
    sent = iter(post_all(requests))  # all at once, no transaction open
    for item, (what, resealed, give_up) in zip(claimed, prepared, strict=True):
        outcome = next(sent) if isinstance(what, Request) else what
        values = _outcome_values(item, outcome, clock(), give_up)
        with factory() as uow:
            uow.repo.webhooks.record_attempt(item.delivery.id, token, values)
            if resealed is not None:
                uow.repo.webhooks.reseal(item.delivery.subscription_id, resealed)
            uow.commit()
        report.attempted += 1
        if outcome.delivered:
            report.delivered += 1
        else:
            report.failed += 1
            report.given_up += values["status"] == "failed"
    return len(claimed)


def deliver_pass(factory: UnitOfWorkFactory, policy: WebhookPolicy, *, clock: Callable[[], float] = time.time) -> PassReport:
    """Fan out what the outbox holds, then send every delivery that is due (bounded, so that a pass ends)."""
    report = PassReport()
    for _ in range(MAX_ROUNDS):
        taken, made = fan_out(factory)
        report.fanned_out += made
        if taken < FANOUT_BATCH:
            break
    for _ in range(MAX_ROUNDS):
        if deliver_due(factory, policy, report, clock=clock) < CLAIM_BATCH:
            break
    return report
