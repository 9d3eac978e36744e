"""The public contract portal: /contracts pages (HTML, no sign-in) and their JSON twin /api/v1/public/contracts.

Both read through negotiation/service_layer/portal.py, which shows only the public text made at ``publish`` of a
case in force. A search page takes any input: a phrase too short or with control characters is said so on the
page, a longer one is cut to its first MAX_QUERY characters; the JSON twin refuses those with 422.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from api.deps import ServicesDep
from api.portal.pages import PAGE_HEADERS, PortalRoute, not_found, render
from api.routes.documents import pdf_response
from api.schemas import error_responses
from negotiation import errors
from negotiation.service_layer import handlers, portal

__all__ = ["api", "pages"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE_SIZE = 20

pages = APIRouter(prefix="/contracts", route_class=PortalRoute, include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["public"])


class PublicContractOut(BaseModel):
    id: int
    title: str
    sector: str
    region_code: str
    term_start: str
    term_end: str
    published_on: str


class PublicContractList(BaseModel):
    items: list[PublicContractOut]
    next_cursor: str | None


# --- JSON ---------------------------------------------------------------------------------------------------------


@api.get("/contracts", responses={200: {"model": PublicContractList}, **error_responses(422)})
def public_contracts(services: ServicesDep, q: str | None = None, limit: int = 50, cursor: str | None = None) -> JSONResponse:
    """The contracts in force, newest publication first; `q` (2–100 characters): a phrase of their public text. No token."""
    return JSONResponse(portal.contracts(services.uow.reading(), q=q, cursor=cursor, limit=limit))


# --- pages --------------------------------------------------------------------------------------------------------


def _case_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= 2**31 - 1:
        raise errors.NotFound(portal.NOT_PUBLISHED)
    return int(raw)


@pages.get("", response_class=HTMLResponse)
def contract_list(request: Request, services: ServicesDep) -> Response:
    """Contracts in force, newest first, or those whose public text holds the phrase `q`."""
    raw = request.query_params.get("q", "").strip()
    cut = len(raw) > portal.MAX_QUERY
    q = raw[: portal.MAX_QUERY]
    cursor = request.query_params.get("cursor") or None
    problem = None
    if q:
        try:
            portal.query_form(q)
        except errors.ValidationFailed as exc:
            problem = exc.violations[0].message
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if problem is None:
        page = portal.contracts(services.uow.reading(), q=q or None, cursor=cursor, limit=PAGE_SIZE)
    return render(
        "contracts.html", q=q, cut=cut, problem=problem, items=page["items"], next_cursor=page["next_cursor"],
        first_page=cursor is None, max_query=portal.MAX_QUERY,
    )  # fmt: skip


@pages.get("/static/portal.css")
def stylesheet() -> Response:
    """The portal's stylesheet (no CDN: served from here)."""
    return FileResponse(
        STATIC_DIR / "portal.css", media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


@pages.get("/{case_id}", response_class=HTMLResponse)
def contract_page(services: ServicesDep, case_id: str) -> Response:
    """One contract in force: its public text, without the names of persons, and a link to its PDF."""
    found = portal.contract(services.uow.reading(), case_id=_case_id(case_id))
    return render("contract.html", contract=found)


@pages.get("/{case_id}/pdf")
def contract_pdf(services: ServicesDep, case_id: str) -> Response:
    """The public contract's PDF as archived at publish, verified against its sha256."""
    number = _case_id(case_id)
    document_id = portal.contract_document(services.uow.reading(), case_id=number)
    try:
        data, sha256 = portal.contract_pdf(services.uow.reading(), document_id=document_id)
    except errors.ArchiveIntegrityError:
        services.uow.run(lambda uow: handlers.record_archive_alert(uow, document_id=document_id))
        raise
    return pdf_response(data, sha256, f"contract-{number}-public.pdf")


@pages.get("/{rest:path}", response_class=HTMLResponse)
def unknown_page(rest: str) -> Response:
    """Any other address under /contracts (the list itself with a trailing slash is sent home)."""
    if rest == "":
        return RedirectResponse("/contracts", status_code=308, headers=PAGE_HEADERS)
    return not_found()
