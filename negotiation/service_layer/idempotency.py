"""Idempotency-Key: a command's first answer is stored with its change and given again for the same request.

A command is run through ``answer`` / ``answer_on_loop``: without a key it runs once (UnitOfWorkFactory.run); with
a key, a stored answer for the same request is given again (another request under that key is refused), else the
command runs with the key claimed in its own transaction, and an error it answers is stored under the key too.
Two requests racing with one key: the one whose transaction stores the key first wins, the other gets its answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
import orjson

from negotiation.errors import IdempotencyKeyReused, IdempotencyKeyTaken, NegotiationError, ValidationFailed, Violation
from negotiation.service_layer.clock import SHANGHAI, now_iso
from negotiation.service_layer.unit_of_work import IdempotencyClaim, UnitOfWork, UnitOfWorkFactory

__all__ = ["KEPT_HOURS", "MAX_KEY_LENGTH", "Answer", "KeyedRequest", "answer", "answer_on_loop", "expiry_cutoff"]

MAX_KEY_LENGTH = 200
# How long a stored answer is given again; after that the same key is a new request (docs/api.md).
KEPT_HOURS = 24

Work = Callable[[UnitOfWork], Any]


@dataclass(frozen=True)
class KeyedRequest:
    """Who sent a request under which Idempotency-Key, and the fingerprint of the request (method, path, body)."""

    user_id: int
    key: str
    request_hash: str


@dataclass(frozen=True)
class Answer:
    """A command's answer: the status, the JSON body, and whether it is a stored answer given again."""

    status: int
    body: Any
    replayed: bool = False


def _check_key(key: str) -> None:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        message = f"Idempotency-Key 须为 1 至 {MAX_KEY_LENGTH} 个字符"
        raise ValidationFailed(message, [Violation(None, message, None, "Idempotency-Key")])


def expiry_cutoff() -> str:
    """Stored answers made before this time (as stored: ISO 8601, Asia/Shanghai) have expired."""
    return (datetime.now(SHANGHAI) - timedelta(hours=KEPT_HOURS)).isoformat(timespec="milliseconds")


def _stored(factory: UnitOfWorkFactory, keyed: KeyedRequest) -> Answer | None:
    with factory.reading() as uow:
        found = uow.repo.idempotency_record(keyed.user_id, keyed.key)
    if found is None:
        return None
    cutoff = expiry_cutoff()
    if found.created_at < cutoff:  # expired: the same key now starts a new request
        with factory() as uow:
            uow.repo.forget_idempotency_records(before=cutoff, user_id=keyed.user_id, key=keyed.key)
            uow.commit()
        return None
    if found.request_hash != keyed.request_hash:
        raise IdempotencyKeyReused("该幂等键（Idempotency-Key）已用于另一个不同的请求，请换用新的键")
    return Answer(found.status_code, orjson.loads(found.body), replayed=True)


def _claim(factory: UnitOfWorkFactory, keyed: KeyedRequest, status: int) -> tuple[Answer | None, IdempotencyClaim]:
    _check_key(keyed.key)
    return _stored(factory, keyed), IdempotencyClaim(keyed.user_id, keyed.key, keyed.request_hash, status, now_iso())


def _after(factory: UnitOfWorkFactory, keyed: KeyedRequest, claim: IdempotencyClaim, exc: Exception) -> Answer:
    """The answer when the command did not succeed under its key: the winner's, or the error, stored under the key."""
    if isinstance(exc, IdempotencyKeyTaken):
        first = _stored(factory, keyed)
        if first is None:  # pragma: no cover - a key is deleted only a day after it was stored
            raise exc
        return first
    assert isinstance(exc, NegotiationError)
    body = exc.body()
    if exc.status >= 500:  # not the request's doing (a document that failed, a database away): it may be sent again
        return Answer(exc.status, body)
    with factory() as uow:
        if uow.repo.idempotency_record(keyed.user_id, keyed.key) is None:
            uow.repo.add_idempotency_record(
                user_id=keyed.user_id, key=keyed.key, request_hash=keyed.request_hash, status_code=exc.status,
                body=orjson.dumps(body).decode("utf-8"), at=claim.at,
            )  # fmt: skip
            uow.commit()
            return Answer(exc.status, body)
    # a concurrent request with this key finished first: its answer is the answer
    return _stored(factory, keyed) or Answer(exc.status, body)


def answer(factory: UnitOfWorkFactory, work: Work, *, status: int = 200, keyed: KeyedRequest | None = None) -> Answer:
    """Run a command once per Idempotency-Key, in this thread."""
    if keyed is None:
        return Answer(status, factory.run(work))
    stored, claim = _claim(factory, keyed, status)
    if stored is not None:
        return stored
    try:
        return Answer(status, factory.run(work, claim))
    except (NegotiationError, IdempotencyKeyTaken) as exc:
        return _after(factory, keyed, claim, exc)


async def answer_on_loop(
    factory: UnitOfWorkFactory, work: Work, *, status: int = 200, keyed: KeyedRequest | None = None, blocking: bool = True
) -> Answer:
    """``answer`` from an event loop: quick work (``blocking=False``) on SQLite runs on the loop and joins the group
    commit (UnitOfWorkFactory.run_on_loop); everything else runs in a thread."""
    if blocking or not factory.runs_on_loop:
        return await anyio.to_thread.run_sync(functools.partial(answer, factory, work, status=status, keyed=keyed))
    if keyed is None:
        return Answer(status, await factory.run_on_loop(work))
    stored, claim = _claim(factory, keyed, status)
    if stored is not None:
        return stored
    try:
        return Answer(status, await factory.run_on_loop(work, claim))
    except (NegotiationError, IdempotencyKeyTaken) as exc:
        return _after(factory, keyed, claim, exc)
