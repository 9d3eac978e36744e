"""Routes for a case's documents, their stored bytes, and a draft's PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response

from api.deps import CurrentUser, ServicesDep
from api.schemas import DocumentOut, error_responses
from negotiation.errors import ArchiveIntegrityError
from negotiation.service_layer import handlers, queries

router = APIRouter(tags=["documents"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "PDF/A-3b"}}


def pdf_response(data: bytes, sha256: str, filename: str) -> Response:
    """A stored PDF with the headers every PDF gets (the middleware adds its Content-Security-Policy)."""
    return Response(
        content=data,
        media_type="application/pdf",
        headers={"ETag": f'"{sha256}"', "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private"},
    )


@router.get("/api/v1/cases/{case_id}/documents", responses={200: {"model": list[DocumentOut]}, **error_responses(401, 404)})
def list_documents(services: ServicesDep, actor: CurrentUser, case_id: Id) -> JSONResponse:
    """The documents the case's events produced."""
    return JSONResponse(queries.case_documents(services.uow.reading(), actor=actor, case_id=case_id))


@router.get("/api/v1/documents/{document_id}/content", responses={**PDF, **error_responses(401, 404, 500)})
def document_content(services: ServicesDep, actor: CurrentUser, document_id: Id) -> Response:
    """The stored bytes, verified against their sha256; a mismatch is an integrity error and an audit alert."""
    try:
        data, sha256, kind = queries.document_content(services.uow.reading(), actor=actor, document_id=document_id)
    except ArchiveIntegrityError:
        services.uow.run(lambda uow: handlers.record_archive_alert(uow, document_id=document_id))
        raise
    return pdf_response(data, sha256, f"{kind}-{document_id}.pdf")


@router.get("/api/v1/cases/{case_id}/drafts/{version}/pdf", responses={**PDF, **error_responses(401, 404)})
def draft_pdf(services: ServicesDep, actor: CurrentUser, case_id: Id, version: Id) -> Response:
    """A draft as PDF, marked 草案, built from the draft alone."""
    data, sha256 = queries.draft_pdf(services.uow, actor=actor, case_id=case_id, version=version)
    return pdf_response(data, sha256, f"draft-{case_id}-v{version}.pdf")
