"""A write request's answer: the command run once per Idempotency-Key by the service layer, rendered as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from api.deps import Body
from negotiation import audit
from negotiation.bootstrap import Services
from negotiation.service_layer.access import Actor
from negotiation.service_layer.idempotency import KeyedRequest, answer_on_loop
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.validation import Malformed

__all__ = ["CommandResponse", "command"]


class CommandResponse(JSONResponse):
    """A command's answer, rendered by orjson: the same compact UTF-8 JSON as JSONResponse, in a third of the time."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def _keyed(request: Request, actor: Actor, body: Any) -> KeyedRequest | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    canonical = {"malformed": body.message} if isinstance(body, Malformed) else body
    request_hash = audit.sha256_hex(audit.canonical_json([request.method, request.url.path, canonical]))
    return KeyedRequest(actor.user_id, key, request_hash)


async def command(
    request: Request,
    services: Services,
    actor: Actor,
    body: Body,
    work: Callable[[UnitOfWork], Any],
    status_code: int = 200,
    *,
    blocking: bool = True,
    idempotent: bool = True,
) -> JSONResponse:
    """Run a command (once per Idempotency-Key when `idempotent`); quick work (`blocking=False`) may run on the loop."""
    keyed = _keyed(request, actor, body) if idempotent else None
    found = await answer_on_loop(services.uow, work, status=status_code, keyed=keyed, blocking=blocking)
    headers = {"Idempotent-Replayed": "true"} if found.replayed else None
    return CommandResponse(found.body, status_code=found.status, headers=headers)
