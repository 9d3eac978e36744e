"""How a review page answers: its templates and security headers, redirects, and the Chinese error page of an error.

Engine errors, and the page's own (PageError), become pages here, not the API's JSON: ReviewRoute catches them
for every route of the review router.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from api.page_templates import PAGE_POLICY, templates
from api.review import sessions
from negotiation import errors

__all__ = [
    "SECURITY_HEADERS",
    "DraftReplaced",
    "PageConflict",
    "PageError",
    "ReviewRoute",
    "SignedOut",
    "error_page",
    "render",
    "see_other",
]

SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


class PageError(errors.NegotiationError):
    """A problem the page itself finds (a draft replaced while the page was open, a form without its fields)."""

    code = "page_error"
    status = 422


class DraftReplaced(PageError):
    code = "draft_replaced"
    status = 409


class PageConflict(PageError):
    code = "version_conflict"
    status = 409


class SignedOut(errors.Unauthenticated):
    """No session on a page that needs one: the browser is sent to sign in."""


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


def see_other(url: str) -> RedirectResponse:
    """The 303 redirect after a form (or to the page a browser should be on), with the security headers."""
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def error_page(request: Request, exc: errors.NegotiationError, *, back: str | None = None) -> Response:
    """The Chinese page of an engine or page error; nothing was changed."""
    if isinstance(exc, SignedOut) and request.method == "GET":
        return RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    status = exc.status  # the one error table: the same status as the API's for the same error
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
