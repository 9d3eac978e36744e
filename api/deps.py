"""Annotated dependencies: the services, the current user, the request body read within its size limit."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, NoReturn

import orjson
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from negotiation.bootstrap import Services
from negotiation.errors import PayloadTooLarge, Unauthenticated
from negotiation.service_layer import abuse, queries
from negotiation.service_layer.access import Actor
from negotiation.service_layer.handlers import hash_token
from negotiation.validation import Malformed

__all__ = [
    "CASE_ID_DOC",
    "MAX_BODY_BYTES",
    "Body",
    "CurrentUser",
    "ServicesDep",
    "actor_for_token",
    "case_id_of",
    "client_address",
    "command_input",
    "refuse",
]

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def actor_for_token(services: Services, token: str) -> Actor:
    """The enabled user a token belongs to, read from the database on every request (no cache a rotation or a
    disabling elsewhere could outlive), or Unauthenticated."""
    actor = queries.actor_for_token_hash(services.uow.reading_on_loop(), token_hash=hash_token(token))
    if actor is None:
        raise Unauthenticated()
    return actor


def client_address(request: Request) -> str:
    """The address a request came from, as the server saw it."""
    return request.client.host if request.client else "unknown"


def refuse(services: Services, address: str, *, failed: bool) -> NoReturn:
    """Refuse a request without valid credentials: 429 while its address is held back, else 401 (a failed attempt
    counted against the address)."""
    abuse.refuse_when_held_back(services.uow, address)
    if failed:
        abuse.remember_failure(services.uow, address)
    raise Unauthenticated()


async def current_user(request: Request, services: ServicesDep) -> Actor:
    # async: on SQLite the token's user is read on the event loop (one prepared, indexed local SELECT), without a
    # hop to the thread pool; on PostgreSQL the read waits for the network, so it goes to the pool.
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        await run_in_threadpool(refuse, services, client_address(request), failed=bool(header))
    token = token.strip()
    try:
        if services.uow.runs_on_loop:  # SQLite: one indexed local read, quicker on the loop than a hop to a thread
            actor = actor_for_token(services, token)
        else:
            actor = await run_in_threadpool(actor_for_token, services, token)
    except Unauthenticated:
        await run_in_threadpool(refuse, services, client_address(request), failed=True)
        raise
    request.state.user_id = actor.user_id  # for the request's log line
    return actor


CurrentUser = Annotated[Actor, Depends(current_user)]


def _depth(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


async def read_body(request: Request) -> Any:
    """The JSON body, or a Malformed marker that the handler refuses after its earlier checks."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge()
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return Malformed("请求内容为空，须为 JSON 对象")
    try:
        value = orjson.loads(raw)  # strict RFC 8259 and fast; whatever it refuses is read again below for the reason
    except orjson.JSONDecodeError:
        try:
            value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return Malformed("请求内容不是有效的 JSON")
    if not _depth(value, MAX_JSON_DEPTH):
        return Malformed("JSON 嵌套层级过深")
    if _SURROGATE_ESCAPE.search(raw) and not _encodable(value):
        return Malformed("JSON 中含有无效的 Unicode 字符（孤立的代理项 \\uD800–\\uDFFF）")
    return value


# A lone surrogate can only come from a \uD800–\uDFFF escape; it cannot be stored or even encoded as UTF-8.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _encodable(value: Any) -> bool:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


Body = Annotated[Any, Depends(read_body)]


# The hot write routes read their inputs here instead of through FastAPI's dependency resolution (which cost about
# a third of an event's HTTP-side CPU): the same steps in the same order as the dependencies above — services, the
# caller (401), the body (413) — and then the path's case id, checked like FastAPI checks `CaseId` (422).
async def command_input(request: Request) -> tuple[Services, Actor, Any]:
    """(services, the caller, the JSON body or a Malformed marker) of a write request."""
    services = await get_services(request)
    actor = await current_user(request, services)
    return services, actor, await read_body(request)


_CASE_ID = TypeAdapter(Annotated[int, Field(ge=1, le=2**31 - 1)])
CASE_ID_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "case_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "maximum": 2**31 - 1, "minimum": 1, "title": "Case Id"},
        }
    ]
}


def case_id_of(request: Request) -> int:
    """The {case_id} of the path as an int in 1…2³¹−1, or the RequestValidationError FastAPI would raise."""
    raw = request.path_params["case_id"]
    try:
        return _CASE_ID.validate_python(raw, strict=False)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("path", "case_id", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None
