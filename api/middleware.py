"""What every response carries, in one ASGI middleware: its request id, the security headers api.md lists, the request
id inside error bodies; and, per request, one JSON log line (never a token, a cookie or a body) and its metrics.

A plain ASGI wrapper rather than Starlette's BaseHTTPMiddleware: it only looks at the response's first message (and
buffers the small body of an error to add ``request_id``), so the busy event route pays a few microseconds, not a
second task per request.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from prometheus_client import Counter
from starlette.requests import ClientDisconnect

from api.page_templates import PAGE_POLICY, server_error_page
from negotiation.errors import error_body
from negotiation.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS

__all__ = ["REQUEST_ID_HEADER", "ResponseFacts", "new_request_id", "request_log"]

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_PDF_POLICY = b"default-src 'none'; sandbox"
_HSTS = b"max-age=31536000; includeSubDomains"
CLIENT_CLOSED = 499  # a request whose client hung up before it was read: in the request line and the metrics only

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

request_log = logging.getLogger("negotiation.request")
error_log = logging.getLogger("negotiation.api")


def new_request_id() -> str:
    return os.urandom(16).hex()  # as random as a uuid4, without building one


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("ascii") if _CLIENT_ID.fullmatch(value) else new_request_id()
    return new_request_id()


def _authenticated(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:  # a plain loop: a generator here costs a call per header on every request
        if name == b"authorization" or (name == b"cookie" and b"review_session=" in value):
            return True
    return False


class ResponseFacts:
    """The ASGI middleware; ``https``: the service is reached over https (NEGOTIATION_PUBLIC_URL), never a header's say."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = scope["headers"]
        request_id = _request_id(headers)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        authenticated = _authenticated(headers)
        held: list[Message] = []  # an error's start and body, until its body is whole
        status = 500

        answered = False

        async def send_with_facts(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                answered = True
                status = message["status"]
                given = list(message.get("headers", ()))
                content_type = next((v for k, v in given if k == b"content-type"), b"")
                ours = {b"x-request-id": request_id.encode("ascii"), b"x-content-type-options": b"nosniff"}
                if authenticated:
                    ours[b"cache-control"] = b"no-store"
                if content_type.startswith(b"application/pdf"):
                    ours[b"content-security-policy"] = _PDF_POLICY
                if self.https:
                    ours[b"strict-transport-security"] = _HSTS
                message["headers"] = [(k, v) for k, v in given if k not in ours] + list(ours.items())
                if status >= 400 and content_type.startswith(b"application/json"):
                    held.append(message)
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and held:
                held.append(message)
                if message.get("more_body"):
                    return
                start, *parts = held
                body = _with_request_id(b"".join(p.get("body", b"") for p in parts), request_id)
                start["headers"] = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                start["headers"].append((b"content-length", str(len(body)).encode("ascii")))
                held.clear()
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        try:
            try:
                await self.app(scope, receive, send_with_facts)
            except ClientDisconnect:
                # The client went away before its body was whole: no one to answer, nothing was done, no error of
                # ours. Counted and logged as 499 (the status proxies use for it), not as a 500.
                if not answered:
                    status = CLIENT_CLOSED
            except Exception:
                # An unexpected error: answered here, inside this middleware, so that the 500 too carries its request
                # id (header and body) and the security headers; Starlette's outer error handler would answer
                # without them. Once an answer has begun it cannot be replaced: the error goes on up.
                if answered:
                    raise
                error_log.exception("unexpected error", extra={"request_id": request_id, "path": scope["path"]})
                page = server_error_page(scope["path"], scope["method"], request_id)
                if page is not None:  # an HTML page answers with a page, as its other errors do
                    body, kind = page, b"text/html; charset=utf-8"
                    extra = [(b"content-security-policy", PAGE_POLICY.encode("ascii")), (b"cache-control", b"no-store")]
                else:
                    body, kind, extra = (
                        orjson.dumps(error_body("internal_error", "服务器内部错误，请稍后重试", [])),
                        b"application/json",
                        [],
                    )
                headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode()), *extra]
                await send_with_facts({"type": "http.response.start", "status": 500, "headers": headers})
                await send_with_facts({"type": "http.response.body", "body": body})
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            _requests_counter(scope["method"], template, status).inc()
            HTTP_REQUEST_SECONDS.observe(seconds)
            if request_log.isEnabledFor(logging.INFO):
                # A record made directly, not through .info(): that would walk the stack for the caller's file and
                # line, a third of the line's cost, and the request line does not print them (bench/README.md).
                fields = {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "user_id": state.get("user_id"),
                }
                request_log.handle(
                    request_log.makeRecord(request_log.name, logging.INFO, "", 0, "request", (), None, extra=fields)
                )


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@functools.lru_cache(maxsize=1024)
def _requests_counter(method: str, route: str, status: int) -> Counter:
    """The labelled child of the requests counter, looked up once per (method, route template, status). A method
    outside HTTP's usual ones counts as ``other``, so that no client can make up new series (routes are templates)."""
    return HTTP_REQUESTS.labels(method=method if method in _METHODS else "other", route=route, status=str(status))


def _with_request_id(body: bytes, request_id: str) -> bytes:
    """An api.md error body with ``error.request_id``; any other JSON is left as it is."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        data["error"]["request_id"] = request_id
        return orjson.dumps(data)
    return body
