"""Routes for set-up (organisations, users), the sweeper tick, audit verification and health."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from api.commands import command
from api.deps import Body, CurrentUser, ServicesDep
from api.schemas import AuditVerifyOut, TickOut, body_doc, error_responses
from negotiation.errors import Forbidden, ValidationFailed, Violation
from negotiation.metrics import CONTENT_TYPE, exposition
from negotiation.service_layer import handlers, queries
from negotiation.service_layer.clock import today
from negotiation.service_layer.sweeper import tick

router = APIRouter(tags=["admin"])
WRITE_ERRORS = error_responses(401, 403, 413, 422)


@router.post("/api/v1/organizations", status_code=201, openapi_extra=body_doc("OrganizationCreate"), responses=WRITE_ERRORS)
async def create_organization(request: Request, services: ServicesDep, actor: CurrentUser, body: Body) -> JSONResponse:
    """An organisation (admin)."""
    return await command(
        request, services, actor, body, lambda uow: handlers.create_organization(uow, actor=actor, body=body), 201
    )


@router.post("/api/v1/users", status_code=201, openapi_extra=body_doc("UserCreate"), responses=WRITE_ERRORS)
async def create_user(request: Request, services: ServicesDep, actor: CurrentUser, body: Body) -> JSONResponse:
    """A user and its token, shown once (admin)."""
    return await command(request, services, actor, body, lambda uow: handlers.create_user(uow, actor=actor, body=body), 201)


UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.post("/api/v1/users/{user_id}/token", responses=error_responses(401, 403, 404, 422))
async def rotate_token(request: Request, services: ServicesDep, actor: CurrentUser, user_id: UserId) -> JSONResponse:
    """A new token for the user, shown once; the previous one is refused at once by every worker (admin)."""
    return await command(request, services, actor, None, lambda uow: handlers.rotate_token(uow, actor=actor, user_id=user_id))


@router.post("/api/v1/users/{user_id}/disable", responses=error_responses(401, 403, 404, 422))
async def disable_user(request: Request, services: ServicesDep, actor: CurrentUser, user_id: UserId) -> JSONResponse:
    """Disable the user: its token and review sessions are refused at once everywhere (admin)."""
    return await command(request, services, actor, None, lambda uow: handlers.disable_user(uow, actor=actor, user_id=user_id))


def _as_of(body: Any, test_clock: bool) -> date:
    if body is None or (isinstance(body, dict) and body.get("as_of") in (None, "")):
        return today()
    if not isinstance(body, dict) or set(body) - {"as_of"} or not isinstance(body.get("as_of"), str):
        raise ValidationFailed('请求内容须为 {"as_of": "YYYY-MM-DD"}', [Violation(None, "格式不正确", None, "as_of")])
    try:
        as_of = date.fromisoformat(body["as_of"])
    except ValueError as exc:
        raise ValidationFailed(
            "as_of 日期格式须为 YYYY-MM-DD", [Violation(None, "日期格式须为 YYYY-MM-DD", None, "as_of")]
        ) from exc
    if as_of != today() and not test_clock:
        message = "只有在测试时钟模式（NEGOTIATION_TEST_CLOCK=1）下才能指定今天以外的 as_of"
        raise ValidationFailed(message, [Violation(None, message, None, "as_of")])
    return as_of


@router.post(
    "/api/v1/admin/tick",
    openapi_extra={**body_doc("TickIn"), "requestBody": {**body_doc("TickIn")["requestBody"], "required": False}},
    responses={200: {"model": TickOut}, **WRITE_ERRORS},
)
def admin_tick(services: ServicesDep, actor: CurrentUser, body: Body) -> JSONResponse:
    """Run the time-driven transitions as of a date (admin)."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以运行期限检查")
    from negotiation.validation import Malformed

    as_of = _as_of(
        None if isinstance(body, Malformed) and body.message.startswith("请求内容为空") else body, services.settings.test_clock
    )
    return JSONResponse({"fired": tick(services.uow, as_of=as_of)})


@router.get("/api/v1/audit/verify", responses={200: {"model": AuditVerifyOut}, **error_responses(401, 403)})
def verify_audit(services: ServicesDep, actor: CurrentUser) -> JSONResponse:
    """Check every case's hash chain (admin)."""
    return JSONResponse(queries.verify_audit(services.uow.reading(), actor=actor))


@router.get("/metrics", tags=["service"], response_class=Response, responses=error_responses(401, 403))
def metrics(actor: CurrentUser) -> Response:
    """The service's metrics in Prometheus text format, summed over every worker (admin)."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以查看运行指标")
    return Response(exposition(), media_type=CONTENT_TYPE)


@router.get("/healthz", tags=["service"])
def healthz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers (503 storage_unavailable when it does not)."""
    queries.database_answers(services.uow.reading())
    return JSONResponse({"status": "ok"})
