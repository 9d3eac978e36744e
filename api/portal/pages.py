"""How a portal page answers: its templates and headers, and the Chinese page of an error (never the API's JSON).

The portal is public: no cookie, no form that changes anything, no script. Its pages may be cached for a minute.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute

from api.page_templates import PAGE_POLICY, templates
from negotiation import errors
from negotiation.service_layer.portal import NOT_PUBLISHED

__all__ = ["PAGE_HEADERS", "PortalRoute", "error_page", "not_found", "render"]

PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "public, max-age=60",
}

_TITLES = {"not_found": "未找到合同", "validation_error": "请求参数有误"}


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A portal page with the headers every portal page carries; an error page is not kept by caches (the contract
    may be published a moment later)."""
    html = templates.get_template(f"portal/{name}").render(**context)
    headers = PAGE_HEADERS if status_code < 400 else {**PAGE_HEADERS, "Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(exc: errors.NegotiationError) -> Response:
    """The Chinese page of an error; a missing, unpublished or unknown contract all get the same one."""
    if isinstance(exc, errors.NotFound):
        return not_found()
    message = exc.violations[0].message if exc.violations else exc.message
    return render("error.html", status_code=exc.status, title=_TITLES.get(exc.code, "无法显示页面"), message=message)


def not_found() -> Response:
    """The one 404 page of the portal: the same body whether the contract is unknown, not in force or malformed."""
    return render("error.html", status_code=404, title=_TITLES["not_found"], message=NOT_PUBLISHED)


class PortalRoute(APIRoute):
    """Engine errors and malformed addresses become the portal's Chinese pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except errors.NegotiationError as exc:
                return error_page(exc)
            except RequestValidationError:
                return not_found()

        return page_handler
