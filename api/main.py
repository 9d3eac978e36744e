"""create_app(): the FastAPI application, and the one table that maps engine errors to HTTP statuses."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.middleware import ResponseFacts
from api.routes import admin, calendar, cases, documents, drafts, portal, review, supervision, webhooks
from api.schemas import extend_openapi
from negotiation import errors
from negotiation.bootstrap import Services, bootstrap
from negotiation.errors import NegotiationError, Violation
from negotiation.service_layer.clock import today
from negotiation.service_layer.sweeper import tick
from negotiation.service_layer.webhook_delivery import deliver_pass
from negotiation.service_layer.webhooks import webhook_policy
from negotiation.speedups import request_only_route
from negotiation.validation import dotted_path, error_message

__all__ = ["create_app", "error_response"]

log = logging.getLogger("negotiation.api")


def _body(code: str, message: str, violations: list[Violation]) -> dict[str, Any]:
    return errors.error_body(code, message, violations)


def error_response(exc: NegotiationError) -> JSONResponse:
    """The api.md error body and status of an engine error (the one table: each class's `code` and `status`)."""
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


async def _engine_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NegotiationError)
    return error_response(exc)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    found = [Violation(None, error_message(e), None, dotted_path(tuple(e.get("loc", ()))[1:]) or None) for e in exc.errors()]
    return JSONResponse(_body("validation_error", "请求参数不符合格式要求", found), status_code=422)


_HTTP_CODES = {404: ("not_found", "没有这个地址"), 405: ("method_not_allowed", "该地址不支持此请求方法")}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
    return JSONResponse(_body(code, message, []), status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(_body("internal_error", "服务器内部错误，请稍后重试", []), status_code=500)


async def _sweep_forever(services: Services) -> None:
    """Run the sweeper every minute in the serving process (never under the test clock)."""
    while True:
        try:
            await asyncio.to_thread(tick, services.uow, as_of=today())
        except Exception:
            log.exception("sweeper run failed; it runs again in a minute")
        await asyncio.sleep(services.settings.sweep_seconds)


async def _deliver_forever(services: Services) -> None:
    """Deliver webhooks every second or so in the serving process, also under the test clock (they are no legal timer)."""
    policy = webhook_policy(services.settings)
    while True:
        try:
            await asyncio.to_thread(deliver_pass, services.uow, policy)
        except Exception:
            log.exception("webhook delivery pass failed; it runs again shortly")
        await asyncio.sleep(services.settings.webhook_seconds)


def create_app(services: Services | None = None, *, sweeper: bool = True, deliverer: bool | None = None) -> FastAPI:
    """The application over the given services (bootstrapped from the environment when None); the background
    sweeper and webhook deliverer run unless turned off (the deliverer goes with the sweeper unless told)."""
    services = services or bootstrap()
    delivering = sweeper if deliverer is None else deliverer

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tasks = []
        if sweeper and not services.settings.test_clock:
            tasks.append(asyncio.create_task(_sweep_forever(services)))
        if delivering:
            tasks.append(asyncio.create_task(_deliver_forever(services)))
        yield
        for task in tasks:
            task.cancel()

    app = FastAPI(
        title="行业集体协商工作流引擎 API",
        version="1.0.0",
        description="工会、企业方与人社局在线推进行业集体协商：从协商要约到集体合同生效。",
        lifespan=lifespan,
        # No OpenTelemetry: the engine's metrics are prometheus-client's (api/middleware.py). Left on, FastAPI asks
        # the global providers on every request whether telemetry is configured (bench/README.md, issue 8).
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.services = services
    app.add_exception_handler(NegotiationError, _engine_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    # First, on the application itself: the busiest route is matched first (negotiation/speedups.py for its class).
    app.router.add_api_route(endpoint=cases.fire_event, route_class_override=request_only_route(), **cases.EVENTS_ROUTE)
    for module in (cases, drafts, documents, admin, calendar, supervision, webhooks, review):
        app.include_router(module.router)
    app.include_router(portal.api)  # the public portal (no sign-in): its JSON twin and its pages
    app.include_router(portal.pages)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = extend_openapi(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(ResponseFacts, https=services.settings.https)
    return app
