"""The review pages (/review): sign-in, my cases, a case, a draft with its diff, comments and the approve/send-back forms.

Server-rendered HTML over the same service layer as the API, with the Actor of the signed session, so that a page
shows and allows exactly what the API would. How a page is rendered and how an error becomes a Chinese page is in
api/review/pages.py; the signed-in viewer and the posted form are in api/review/deps.py.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import ServicesDep, actor_for_token, client_address, refuse
from api.review import sessions, views
from api.review.deps import FormDep, ViewerDep, int_field, session_actor, signed_session
from api.review.labels import CLAUSE_TITLES, EVENT_LABELS, STATE_LABELS
from api.review.pages import DraftReplaced, PageConflict, PageError, ReviewRoute, render, see_other
from api.routes import review_forms
from negotiation import errors
from negotiation.bootstrap import Services
from negotiation.service_layer import drafting, handlers, queries, review_sessions
from negotiation.service_layer.access import Actor

__all__ = ["router"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
REVIEW_EVENTS = ("approve_draft", "request_changes")
NOTICES = {
    "signed_in": "登录成功。",
    "commented": "您的意见已发表，并已记入审计日志。",
    "approve_draft": "您已批准本版草案，操作已记入审计日志。",
    "request_changes": "您已将草案退回修改，退回理由已记入审计日志。",
}

router = APIRouter(prefix="/review", route_class=ReviewRoute, include_in_schema=False)
# First: their paths (/cases/new, /cases/{id}/drafts/new) must be matched before /cases/{id} and …/drafts/{version}.
router.include_router(review_forms.router)


# --- sign-in and sign-out --------------------------------------------------------------------------------------


def _login_page(request: Request, services: Services, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    nonce = sessions.new_login_nonce()
    response = render(
        request, "login.html", status_code=status_code, error=error, csrf=sessions.login_csrf_token(services, nonce), user=None
    )
    response.set_cookie(
        sessions.LOGIN_COOKIE, nonce, max_age=3600, path="/review", httponly=True, samesite="strict",
        secure=services.settings.https,
    )  # fmt: skip
    return response


@router.get("", response_class=HTMLResponse)
@router.get("/login", response_class=HTMLResponse)
def sign_in_page(request: Request, services: ServicesDep) -> Response:
    """Sign in with the personal token (every role); a signed-in browser goes on to its cases."""
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if cookie:
        try:
            session_actor(services, sessions.read_session(services, cookie))
            return see_other("/review/cases")
        except errors.Unauthenticated as exc:
            return _login_page(request, services, error=exc.message)
    return _login_page(request, services)


@router.post("/login", response_class=HTMLResponse)
def sign_in(request: Request, services: ServicesDep, form: FormDep) -> Response:
    """Check the token (as the API does), then set the session cookie; the token itself is not kept."""
    sessions.check_login_csrf(services, request.cookies.get(sessions.LOGIN_COOKIE), form.get("csrf"))
    token = form.get("token", "").strip()
    if not token or len(token) > 200:
        return _login_page(request, services, error="请输入您的个人令牌", status_code=401)
    try:
        actor = actor_for_token(services, token)
    except errors.Unauthenticated:
        try:
            refuse(services, client_address(request), failed=True)
        except errors.RateLimited as held:
            page = _login_page(request, services, error=held.message, status_code=held.status)
            page.headers.update(held.headers() or {})
            return page
        except errors.Unauthenticated:
            pass
        return _login_page(request, services, error="令牌无效：请核对后重新输入（令牌区分大小写）", status_code=401)
    value, _ = sessions.issue_session(services, actor.user_id)
    response = see_other("/review/cases")
    response.set_cookie(
        sessions.SESSION_COOKIE, value, max_age=sessions.SESSION_SECONDS, path="/review", httponly=True,
        samesite="strict", secure=services.settings.https,
    )  # fmt: skip
    response.delete_cookie(sessions.LOGIN_COOKIE, path="/review")
    return response


@router.post("/logout", response_class=HTMLResponse)
def sign_out(request: Request, services: ServicesDep, form: FormDep) -> Response:
    """End the session on the server and forget it in this browser: a copied cookie is refused from now on."""
    session = signed_session(request, services)
    sessions.check_csrf(services, session, form.get("csrf"))
    services.uow.run(
        lambda uow: review_sessions.end_session(uow, user_id=session.user_id, sid=session.sid, expires_at=session.expires_at)
    )
    response = see_other("/review")
    response.delete_cookie(sessions.SESSION_COOKIE, path="/review", httponly=True, samesite="strict")
    return response


# --- pages -----------------------------------------------------------------------------------------------------


def _notice(request: Request) -> str | None:
    done = request.query_params.get("done", "")
    if done in NOTICES:
        return NOTICES[done]
    return f"「{EVENT_LABELS[done]}」已完成，已记入审计日志。" if done in EVENT_LABELS else None


@router.get("/cases", response_class=HTMLResponse)
def my_cases(request: Request, services: ServicesDep, viewer: ViewerDep) -> Response:
    """The cases the user's organisation is party to, with state and the next deadline."""
    rows = views.case_rows(services, viewer.actor)
    return render(request, "cases.html", user=viewer, rows=rows, notice=_notice(request))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int) -> Response:
    """A case: state, parties, approvals of the current draft, deadlines, timeline, drafts and documents."""
    page = views.case_page(services, viewer.actor, _checked_id(case_id))
    return render(request, "case.html", user=viewer, notice=_notice(request), problem=None, **page)


@router.get("/cases/{case_id}/drafts/{version}", response_class=HTMLResponse)
def draft_detail(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int, version: int) -> Response:
    """A draft as it will read in the contract, what changed, the comments, and the approve/send-back forms."""
    against_raw = request.query_params.get("against", "")
    against = int(against_raw) if against_raw.isdigit() and len(against_raw) <= 10 else None
    page = views.draft_page(services, viewer.actor, _checked_id(case_id), _checked_id(version), against)
    selected = request.query_params.get("clause", "")
    return render(
        request, "draft.html", user=viewer, notice=_notice(request), selected_clause=selected if selected in CLAUSE_TITLES else "",
        **page,
    )  # fmt: skip


def _checked_id(value: int) -> int:
    if not 1 <= value <= 2**31 - 1:
        raise errors.NotFound("没有这个页面：地址中的编号无效")
    return value


# --- actions (POST, redirect, GET) -----------------------------------------------------------------------------


@router.post("/cases/{case_id}/drafts/{version}/comments", response_class=HTMLResponse)
def comment(request: Request, services: ServicesDep, viewer: ViewerDep, form: FormDep, case_id: int, version: int) -> Response:
    """Comment on a clause of the draft (drafting.add_comment, audited)."""
    back = f"/review/cases/{_checked_id(case_id)}/drafts/{_checked_id(version)}"
    request.state.back = back
    sessions.check_csrf(services, viewer.session, form.get("csrf"))
    body = {"clause": form.get("clause", ""), "body": form.get("body", "")}
    created = services.uow.run(
        lambda uow: drafting.add_comment(uow, actor=viewer.actor, case_id=case_id, version=version, body=body)
    )
    return see_other(f"{back}?done=commented#comment-{created['id']}")


@router.post("/cases/{case_id}/drafts/{version}/events", response_class=HTMLResponse)
def review_event(
    request: Request, services: ServicesDep, viewer: ViewerDep, form: FormDep, case_id: int, version: int
) -> Response:
    """Approve the draft or send it back (handlers.fire_event with the version the page was showing)."""
    back = f"/review/cases/{_checked_id(case_id)}/drafts/{_checked_id(version)}"
    request.state.back = back
    sessions.check_csrf(services, viewer.session, form.get("csrf"))
    event = form.get("event", "")
    if event not in REVIEW_EVENTS:
        raise PageError("审阅页面只能批准草案或退回修改")
    expected = int_field(form, "expected_version", "案件版本号")
    case = queries.case(services.uow.reading(), actor=viewer.actor, case_id=case_id)
    current = case["current_draft_version"]
    if current != version:
        newer = f"第 {current} 版" if current else "新版本"
        request.state.back = f"/review/cases/{case_id}/drafts/{current}" if current else f"/review/cases/{case_id}"
        raise DraftReplaced(
            f"您正在查看的第 {version} 版草案已被{newer}取代，本次「{EVENT_LABELS[event]}」未被处理，案件没有任何更改。请先阅读新版草案。"
        )
    data = {"comment": form.get("reason", "")} if event == "request_changes" else {}
    try:
        body = {"event": event, "expected_version": expected, "data": data}
        services.uow.run(lambda uow: handlers.fire_event(uow, actor=viewer.actor, case_id=case_id, body=body))
    except errors.VersionConflict as exc:
        raise _explain_conflict(services, viewer.actor, case_id, version, event) from exc
    except errors.ValidationFailed as exc:
        if any(v.path == "data.comment" for v in exc.violations):
            raise PageError("退回修改须填写理由：请说明需要修改的条款和原因。草案未被退回。") from exc
        raise
    return see_other(f"/review/cases/{case_id}?done={event}")


def _explain_conflict(services: Services, actor: Actor, case_id: int, version: int, event: str) -> errors.NegotiationError:
    case = queries.case(services.uow.reading(), actor=actor, case_id=case_id)
    what = EVENT_LABELS[event]
    if case["current_draft_version"] != version:
        return DraftReplaced(
            f"您正在查看的第 {version} 版草案已被第 {case['current_draft_version']} 版取代，本次「{what}」未被处理，案件没有任何更改。"
        )
    state = STATE_LABELS.get(case["state"], case["state"])
    return PageConflict(
        f"您打开页面后，案件已有其他更新（当前状态：{state}），本次「{what}」未被处理，案件没有任何更改。请刷新页面，确认最新情况后再操作。"
    )


# --- downloads ------------------------------------------------------------------------------------------------


def _pdf(data: bytes, sha256: str, filename: str) -> Response:
    return Response(
        content=data,
        media_type="application/pdf",
        headers={"ETag": f'"{sha256}"', "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private"},
    )


@router.get("/cases/{case_id}/drafts/{version}/pdf")
def draft_pdf(services: ServicesDep, viewer: ViewerDep, case_id: int, version: int) -> Response:
    """The draft's PDF (marked 草案), the same bytes as the API's, for the signed-in browser."""
    data, sha256 = queries.draft_pdf(services.uow, actor=viewer.actor, case_id=_checked_id(case_id), version=_checked_id(version))
    return _pdf(data, sha256, f"draft-{case_id}-v{version}.pdf")


@router.get("/documents/{document_id}")
def document_content(services: ServicesDep, viewer: ViewerDep, document_id: int) -> Response:
    """A stored document of a visible case, verified against its sha256 (a mismatch is alerted, never served)."""
    try:
        data, sha256, kind = queries.document_content(
            services.uow.reading(), actor=viewer.actor, document_id=_checked_id(document_id)
        )
    except errors.ArchiveIntegrityError:
        services.uow.run(lambda uow: handlers.record_archive_alert(uow, document_id=document_id))
        raise
    return _pdf(data, sha256, f"{kind}-{document_id}.pdf")


# --- static files and unknown addresses -------------------------------------------------------------------------

_STATIC = {"review.css": "text/css; charset=utf-8"}


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' stylesheet (no CDN: everything is served from here)."""
    if name not in _STATIC:
        raise errors.NotFound("没有这个文件")
    return FileResponse(STATIC_DIR / name, media_type=_STATIC[name], headers={"Cache-Control": "public, max-age=3600"})


@router.get("/{rest:path}", response_class=HTMLResponse)
def unknown_page(rest: str) -> Response:
    """Any other address under /review."""
    raise errors.NotFound("没有这个页面")
