"""Routes for cases, representatives, events, meetings and the audit chain of a case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.commands import command
from api.deps import CASE_ID_DOC, Body, CurrentUser, ServicesDep, case_id_of, command_input
from api.schemas import AuditEventOut, CaseList, CaseOut, body_doc, error_responses
from negotiation.service_layer import drafting, handlers, queries

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WRITE_ERRORS = error_responses(401, 403, 404, 409, 413, 422)


# The events route, the busiest, is registered by create_app on the application itself, ahead of the routers (a
# route of an included router is matched through the router's own machinery, about 200 Python calls a request).
EVENTS_ROUTE: dict[str, Any] = {
    "path": "/api/v1/cases/{case_id}/events",
    "methods": ["POST"],
    "tags": ["cases"],
    "openapi_extra": {**body_doc("EventEnvelope"), **CASE_ID_DOC},
    "responses": {200: {"model": CaseOut}, **WRITE_ERRORS},
}


async def fire_event(request: Request) -> JSONResponse:
    """Fire an event of the lifecycle."""
    services, actor, body = await command_input(request)
    case_id = case_id_of(request)
    return await command(
        request, services, actor, body, lambda uow: handlers.fire_event(uow, actor=actor, case_id=case_id, body=body),
        blocking=handlers.makes_documents(body),
    )  # fmt: skip


@router.post("", status_code=201, openapi_extra=body_doc("CaseCreate"), responses={201: {"model": CaseOut}, **WRITE_ERRORS})
async def create_case(request: Request, services: ServicesDep, actor: CurrentUser, body: Body) -> JSONResponse:
    """Open a case in drafting (union negotiator)."""
    return await command(request, services, actor, body, lambda uow: handlers.create_case(uow, actor=actor, body=body), 201)


@router.get("", responses={200: {"model": CaseList}, **error_responses(401, 422)})
def list_cases(
    services: ServicesDep,
    actor: CurrentUser,
    state: str | None = None,
    sector: str | None = None,
    region_code: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> JSONResponse:
    """The cases the caller may see, ordered by creation."""
    page = queries.cases(
        services.uow.reading(), actor=actor, state=state, sector=sector, region_code=region_code, q=q, limit=limit, cursor=cursor
    )
    return JSONResponse(page)


@router.get("/{case_id}", responses={200: {"model": CaseOut}, **error_responses(401, 404)})
def get_case(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """One case, with the events this caller may fire now."""
    return JSONResponse(queries.case(services.uow.reading(), actor=actor, case_id=case_id))


@router.put(
    "/{case_id}/representatives",
    openapi_extra=body_doc("RepresentativesPut"),
    responses={200: {"model": CaseOut}, **WRITE_ERRORS},
)
async def put_representatives(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body
) -> JSONResponse:
    """Set both sides' representatives (R1–R4)."""
    return await command(
        request, services, actor, body,
        lambda uow: handlers.put_representatives(uow, actor=actor, case_id=case_id, body=body), idempotent=False,
    )  # fmt: skip


@router.post("/{case_id}/meetings", status_code=201, openapi_extra=body_doc("MeetingCreate"), responses=WRITE_ERRORS)
async def add_meeting(request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body) -> JSONResponse:
    """Record a meeting's minutes (union, in consulting; chairs alternate, R9)."""
    return await command(
        request, services, actor, body, lambda uow: drafting.add_meeting(uow, actor=actor, case_id=case_id, body=body), 201
    )


@router.get("/{case_id}/meetings", responses=error_responses(401, 404))
def list_meetings(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The meetings of a case."""
    return JSONResponse(queries.meetings(services.uow.reading(), actor=actor, case_id=case_id))


@router.get("/{case_id}/audit", responses={200: {"model": list[AuditEventOut]}, **error_responses(401, 404)})
def case_audit(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The case's audit chain."""
    return JSONResponse(queries.case_audit(services.uow.reading(), actor=actor, case_id=case_id))
