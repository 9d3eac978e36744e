"""Routes for a case's documents and their stored bytes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from api.deps import CurrentUser, ServicesDep
from api.schemas import DocumentOut, error_responses
from negotiation.service_layer import queries

router = APIRouter(tags=["documents"])
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/api/v1/cases/{case_id}/documents", responses={200: {"model": list[DocumentOut]}, **error_responses(401, 404)})
def list_documents(services: ServicesDep, actor: CurrentUser, case_id: CaseId) -> JSONResponse:
    """The documents the case's events produced."""
    return JSONResponse(queries.case_documents(services.uow.reading(), actor=actor, case_id=case_id))
