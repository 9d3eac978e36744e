"""The review pages (/review): sign-in, my cases, a case, a draft with its diff, comments and the approve/send-back forms.

Server-rendered HTML over the same service layer as the API, with the Actor of the signed session, so that a page
shows and allows exactly what the API would. Engine errors become Chinese pages here, not JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from api.deps import ServicesDep, actor_for_token
from api.review import sessions, views
from api.review.labels import CLAUSE_TITLES, DOCUMENT_KINDS, EVENT_LABELS, STATE_LABELS
from negotiation import errors
from negotiation.bootstrap import Services
from negotiation.service_layer import drafting, handlers, queries, review_sessions
from negotiation.service_layer.access import Actor

__all__ = ["router"]

log = logging.getLogger("negotiation.review")
API_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = API_DIR / "static"
MAX_FORM_BYTES = 256 * 1024
REVIEW_EVENTS = ("approve_draft", "request_changes")
NOTICES = {
    "signed_in": "登录成功。",
    "commented": "您的意见已发表，并已记入审计日志。",
    "approve_draft": "您已批准本版草案，操作已记入审计日志。",
    "request_changes": "您已将草案退回修改，退回理由已记入审计日志。",
}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}

templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(API_DIR / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.globals.update(
    STATE_LABELS=STATE_LABELS, EVENT_LABELS=EVENT_LABELS, CLAUSE_TITLES=CLAUSE_TITLES, DOCUMENT_KINDS=DOCUMENT_KINDS
)


class PageError(errors.NegotiationError):
    """A problem the page itself finds (a draft replaced while the page was open, a form without its fields)."""

    code = "page_error"


class DraftReplaced(PageError):
    code = "draft_replaced"


class PageConflict(PageError):
    code = "version_conflict"


class SignedOut(errors.Unauthenticated):
    """No session on a page that needs one: the browser is sent to sign in."""


_STATUS: dict[type[errors.NegotiationError], int] = {
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    DraftReplaced: 409,
    PageConflict: 409,
    errors.VersionConflict: 409,
    errors.InvalidTransition: 409,
    PageError: 422,
    errors.ValidationFailed: 422,
    errors.RuleViolation: 422,
    errors.IdempotencyKeyReused: 422,
    errors.ArchiveIntegrityError: 500,
}
_TITLES: dict[str, str] = {
    "unauthenticated": "需要登录",
    "forbidden": "无权进行此操作",
    "csrf_refused": "表单校验未通过",
    "not_found": "未找到页面",
    "version_conflict": "案件已被他人更新",
    "draft_replaced": "草案已被新版本取代",
    "invalid_transition": "当前不能进行此操作",
    "validation_error": "提交的内容不符合要求",
    "rule_violation": "不符合法定规则",
    "page_error": "提交的内容不符合要求",
    "archive_integrity_error": "文件校验失败",
}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page with the security headers every review page carries."""
    context = {"notice": None, "user": None, **context}
    html = templates.get_template(f"review/{name}").render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def error_page(request: Request, exc: errors.NegotiationError, *, back: str | None = None) -> Response:
    """The Chinese page of an engine or page error; nothing was changed."""
    if isinstance(exc, SignedOut) and request.method == "GET":
        return RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 500)
    signed_in = getattr(request.state, "actor", None)
    response = render(
        request,
        "error.html",
        status_code=status,
        title=_TITLES.get(exc.code, "无法完成操作"),
        message=exc.message,
        violations=exc.violations,
        code=exc.code,
        back=back or getattr(request.state, "back", None),
        user=signed_in,
        changed_nothing=request.method == "POST",
    )
    if isinstance(exc, errors.Unauthenticated):
        response.delete_cookie(sessions.SESSION_COOKIE, path="/review", httponly=True, samesite="strict")
    return response


class ReviewRoute(APIRoute):
    """Turns engine errors and malformed addresses into Chinese pages instead of the API's JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except errors.NegotiationError as exc:
                return error_page(request, exc)
            except RequestValidationError:
                return error_page(request, errors.NotFound("没有这个页面：地址中的编号无效"))

        return page_handler


router = APIRouter(prefix="/review", route_class=ReviewRoute, include_in_schema=False)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _session(request: Request, services: Services) -> sessions.Session:
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if not cookie:
        raise SignedOut("您尚未登录，或登录已失效，请先用个人令牌登录")
    return sessions.read_session(services, cookie)


def _actor(services: Services, session: sessions.Session) -> Actor:
    return review_sessions.session_actor(services.uow.reading(), user_id=session.user_id, sid=session.sid)


class Viewer:
    """The signed-in user of a page: the Actor for the service layer, the session for CSRF, names for the header."""

    def __init__(self, services: Services, session: sessions.Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self.csrf = sessions.csrf_token(services, session)
        self.name = actor.name
        self.organization = ""
        if actor.organization_id is not None:
            self.organization = views.organization_names(services, [actor.organization_id]).get(actor.organization_id, "")


def current_viewer(request: Request, services: ServicesDep) -> Viewer:
    session = _session(request, services)
    viewer = Viewer(services, session, _actor(services, session))
    request.state.actor = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def read_form(request: Request) -> dict[str, str]:
    """The url-encoded form, first value of each field; an oversized form is refused."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise PageError("提交的内容过长（上限 256 KiB），未做任何更改")
        chunks.append(chunk)
    try:
        parsed = parse_qs(b"".join(chunks).decode("utf-8"), keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError("提交的表单无法解析，未做任何更改") from exc
    return {k: v[0] for k, v in parsed.items()}


FormDep = Annotated[dict[str, str], Depends(read_form)]


def _int_field(form: dict[str, str], name: str, label: str) -> int:
    value = form.get(name, "").strip()
    if not value.isdigit() or len(value) > 10:
        raise PageError(f"表单缺少有效的{label}，未做任何更改；请返回页面刷新后重试")
    return int(value)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


# --- sign-in and sign-out --------------------------------------------------------------------------------------


def _login_page(request: Request, services: Services, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    nonce = sessions.new_login_nonce()
    response = render(
        request, "login.html", status_code=status_code, error=error, csrf=sessions.login_csrf_token(services, nonce), user=None
    )
    response.set_cookie(
        sessions.LOGIN_COOKIE, nonce, max_age=3600, path="/review", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


@router.get("", response_class=HTMLResponse)
def sign_in_page(request: Request, services: ServicesDep) -> Response:
    """Sign in with the personal token; a signed-in browser goes on to its cases."""
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if cookie:
        try:
            _actor(services, sessions.read_session(services, cookie))
            return _see_other("/review/cases")
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
        return _login_page(request, services, error="令牌无效：请核对后重新输入（令牌区分大小写）", status_code=401)
    value, _ = sessions.issue_session(services, actor.user_id)
    response = _see_other("/review/cases")
    response.set_cookie(
        sessions.SESSION_COOKIE, value, max_age=sessions.SESSION_SECONDS, path="/review", httponly=True,
        samesite="strict", secure=request.url.scheme == "https",
    )  # fmt: skip
    response.delete_cookie(sessions.LOGIN_COOKIE, path="/review")
    return response


@router.post("/logout", response_class=HTMLResponse)
def sign_out(request: Request, services: ServicesDep, form: FormDep) -> Response:
    """End the session on the server and forget it in this browser: a copied cookie is refused from now on."""
    session = _session(request, services)
    sessions.check_csrf(services, session, form.get("csrf"))
    review_sessions.end_session(services.uow(), user_id=session.user_id, sid=session.sid, expires_at=session.expires_at)
    response = _see_other("/review")
    response.delete_cookie(sessions.SESSION_COOKIE, path="/review", httponly=True, samesite="strict")
    return response


# --- pages -----------------------------------------------------------------------------------------------------


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


@router.get("/cases", response_class=HTMLResponse)
def my_cases(request: Request, services: ServicesDep, viewer: ViewerDep) -> Response:
    """The cases the user's organisation is party to, with state and the next deadline."""
    rows = views.case_rows(services, viewer.actor)
    return render(request, "cases.html", user=viewer, rows=rows, notice=_notice(request))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, services: ServicesDep, viewer: ViewerDep, case_id: int) -> Response:
    """A case: state, parties, approvals of the current draft, deadlines, timeline, drafts and documents."""
    page = views.case_page(services, viewer.actor, _checked_id(case_id))
    return render(request, "case.html", user=viewer, notice=_notice(request), **page)


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
    created = drafting.add_comment(services.uow(), actor=viewer.actor, case_id=case_id, version=version, body=body)
    return _see_other(f"{back}?done=commented#comment-{created['id']}")


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
    expected = _int_field(form, "expected_version", "案件版本号")
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
        handlers.fire_event(
            services.uow(), actor=viewer.actor, case_id=case_id, body={"event": event, "expected_version": expected, "data": data}
        )
    except errors.VersionConflict as exc:
        raise _explain_conflict(services, viewer.actor, case_id, version, event) from exc
    except errors.ValidationFailed as exc:
        if any(v.path == "data.comment" for v in exc.violations):
            raise PageError("退回修改须填写理由：请说明需要修改的条款和原因。草案未被退回。") from exc
        raise
    return _see_other(f"/review/cases/{case_id}?done={event}")


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
    data, sha256 = queries.draft_pdf(
        services.uow.reading(), actor=viewer.actor, case_id=_checked_id(case_id), version=_checked_id(version)
    )
    return _pdf(data, sha256, f"draft-{case_id}-v{version}.pdf")


@router.get("/documents/{document_id}")
def document_content(services: ServicesDep, viewer: ViewerDep, document_id: int) -> Response:
    """A stored document of a visible case, verified against its sha256 (a mismatch is alerted, never served)."""
    try:
        data, sha256, kind = queries.document_content(
            services.uow.reading(), actor=viewer.actor, document_id=_checked_id(document_id)
        )
    except errors.ArchiveIntegrityError:
        handlers.record_archive_alert(services.uow(), document_id=document_id)
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
