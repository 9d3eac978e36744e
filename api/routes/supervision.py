"""Routes of the contract in force: the platforms' rule changes (R23), inspections and supervision letters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from api.commands import command
from api.deps import Body, CurrentUser, ServicesDep
from api.schemas import body_doc, error_responses
from negotiation.service_layer import supervision

router = APIRouter(prefix="/api/v1/cases", tags=["supervision"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
WRITE_ERRORS = error_responses(401, 403, 404, 409, 413, 422)
READ_ERRORS = error_responses(401, 404)


@router.post("/{case_id}/rule_changes", status_code=201, openapi_extra=body_doc("RuleChangeCreate"), responses=WRITE_ERRORS)
async def add_rule_change(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body
) -> JSONResponse:
    """A platform's notice of a change of its rules (employer side, in force; R23 against the contract's notice term)."""
    return await command(
        request, services, actor, body,
        lambda uow: supervision.add_rule_change(uow, actor=actor, case_id=case_id, body=body), 201,
    )  # fmt: skip


@router.get("/{case_id}/rule_changes", responses=READ_ERRORS)
def list_rule_changes(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The rule changes notified on a case, with the union's responses."""
    return JSONResponse(supervision.rule_changes(services.uow.reading(), actor=actor, case_id=case_id))


@router.post(
    "/{case_id}/rule_changes/{change_id}/responses",
    status_code=201,
    openapi_extra=body_doc("RuleChangeResponseCreate"),
    responses=WRITE_ERRORS,
)
async def respond_rule_change(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, change_id: ItemId, body: Body
) -> JSONResponse:
    """The union's response to a notified rule change."""
    return await command(
        request, services, actor, body,
        lambda uow: supervision.add_rule_change_response(uow, actor=actor, case_id=case_id, change_id=change_id, body=body),
        201,
    )  # fmt: skip


@router.post("/{case_id}/inspections", status_code=201, openapi_extra=body_doc("InspectionCreate"), responses=WRITE_ERRORS)
async def add_inspection(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body
) -> JSONResponse:
    """An inspection of how the contract is kept, with its report (union, in force)."""
    return await command(
        request, services, actor, body, lambda uow: supervision.add_inspection(uow, actor=actor, case_id=case_id, body=body), 201
    )


@router.get("/{case_id}/inspections", responses=READ_ERRORS)
def list_inspections(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The inspections recorded on a case."""
    return JSONResponse(supervision.inspections(services.uow.reading(), actor=actor, case_id=case_id))


@router.post(
    "/{case_id}/supervision_letters", status_code=201, openapi_extra=body_doc("SupervisionLetterCreate"), responses=WRITE_ERRORS
)
async def add_supervision_letter(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body
) -> JSONResponse:
    """A 提示函 / 意见书 / 建议书 about an enterprise of the case (union, in force), with a reply deadline."""
    return await command(
        request, services, actor, body,
        lambda uow: supervision.add_supervision_letter(uow, actor=actor, case_id=case_id, body=body), 201,
    )  # fmt: skip


@router.get("/{case_id}/supervision_letters", responses=READ_ERRORS)
def list_supervision_letters(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The supervision letters issued on a case."""
    return JSONResponse(supervision.supervision_letters(services.uow.reading(), actor=actor, case_id=case_id))
