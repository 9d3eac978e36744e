"""Routes for drafts, their diff and their comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from api.commands import command
from api.deps import Body, CurrentUser, ServicesDep
from api.schemas import DiffOut, DraftOut, body_doc, error_responses
from negotiation.service_layer import drafting, queries

router = APIRouter(prefix="/api/v1/cases/{case_id}/drafts", tags=["drafts"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Version = Annotated[int, Path(ge=1, le=2**31 - 1)]
WRITE_ERRORS = error_responses(401, 403, 404, 409, 413, 422)


@router.post("", status_code=201, openapi_extra=body_doc("DraftCreate"), responses={201: {"model": DraftOut}, **WRITE_ERRORS})
async def add_draft(request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, body: Body) -> JSONResponse:
    """A new draft version, checked against the legal floors (R18, R22)."""
    return await command(
        request, services, actor, body, lambda uow: drafting.add_draft(uow, actor=actor, case_id=case_id, body=body), 201
    )


@router.get("", responses={200: {"model": list[DraftOut]}, **error_responses(401, 404)})
def list_drafts(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """Every draft of a case."""
    return JSONResponse(queries.drafts(services.uow.reading(), actor=actor, case_id=case_id))


@router.get("/{version}", responses={200: {"model": DraftOut}, **error_responses(401, 404)})
def get_draft(services: ServicesDep, actor: CurrentUser, case_id: CaseId, version: Version) -> JSONResponse:
    """One draft version."""
    return JSONResponse(queries.draft(services.uow.reading(), actor=actor, case_id=case_id, version=version))


@router.get("/{version}/diff", responses={200: {"model": DiffOut}, **error_responses(401, 404, 422)})
def diff_draft(
    services: ServicesDep,
    actor: CurrentUser,
    case_id: CaseId,
    version: Version,
    against: Annotated[int, Query(ge=1, le=2**31 - 1)],
) -> JSONResponse:
    """What changed from draft `against` to this one."""
    return JSONResponse(
        queries.draft_diff(services.uow.reading(), actor=actor, case_id=case_id, version=version, against=against)
    )


@router.post("/{version}/comments", status_code=201, openapi_extra=body_doc("CommentCreate"), responses=WRITE_ERRORS)
async def add_comment(
    request: Request, services: ServicesDep, actor: CurrentUser, case_id: CaseId, version: Version, body: Body
) -> JSONResponse:
    """A comment on a clause of a draft."""
    return await command(
        request,
        services,
        actor,
        body,
        lambda uow: drafting.add_comment(uow, actor=actor, case_id=case_id, version=version, body=body),
        201,
    )


@router.get("/{version}/comments", responses=error_responses(401, 404))
def list_comments(services: ServicesDep, actor: CurrentUser, case_id: CaseId, version: Version) -> JSONResponse:
    """The comments on a draft."""
    return JSONResponse(queries.comments(services.uow.reading(), actor=actor, case_id=case_id, version=version))
