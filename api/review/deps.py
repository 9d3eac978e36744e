"""What a review page is given: the signed-in Viewer (session cookie → Actor, CSRF token, names) and the posted form."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import Depends, Request

from api.deps import ServicesDep
from api.review import sessions, views
from api.review.pages import PageError, SignedOut
from negotiation.bootstrap import Services
from negotiation.service_layer import review_sessions
from negotiation.service_layer.access import Actor

__all__ = [
    "MAX_FORM_BYTES",
    "FieldsDep",
    "FormDep",
    "Viewer",
    "ViewerDep",
    "current_viewer",
    "int_field",
    "read_fields",
    "read_form",
    "session_actor",
    "signed_session",
]

MAX_FORM_BYTES = 256 * 1024
# A draft with every topic and many piece rates is a few hundred fields; the cap keeps the parse cheap.
MAX_FORM_FIELDS = 5000


def signed_session(request: Request, services: Services) -> sessions.Session:
    """The session of the request's cookie; without a cookie the browser is signed out."""
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    if not cookie:
        raise SignedOut("您尚未登录，或登录已失效，请先用个人令牌登录")
    return sessions.read_session(services, cookie)


def session_actor(services: Services, session: sessions.Session) -> Actor:
    """The user of a session not signed out on the server; Unauthenticated when it was, or the user is gone."""
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
    """The Viewer of the request, also kept on request.state for the error page's header."""
    session = signed_session(request, services)
    viewer = Viewer(services, session, session_actor(services, session))
    request.state.actor = viewer
    request.state.user_id = viewer.actor.user_id  # for the request's log line
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def _parsed(request: Request, max_fields: int) -> dict[str, list[str]]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            raise PageError("提交的内容过长（上限 256 KiB），未做任何更改")
        chunks.append(chunk)
    try:
        return parse_qs(b"".join(chunks).decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PageError("提交的表单无法解析，未做任何更改") from exc


async def read_form(request: Request) -> dict[str, str]:
    """The url-encoded form, first value of each field; an oversized form is refused."""
    return {k: v[0] for k, v in (await _parsed(request, 50)).items()}


async def read_fields(request: Request) -> dict[str, list[str]]:
    """The url-encoded form of a page's form (api/review/forms.py), every value of each field, in order."""
    return await _parsed(request, MAX_FORM_FIELDS)


FormDep = Annotated[dict[str, str], Depends(read_form)]
FieldsDep = Annotated[dict[str, list[str]], Depends(read_fields)]


def int_field(form: dict[str, str], name: str, label: str) -> int:
    """A whole-number field of the form (at most ten digits); a missing or malformed one is a PageError."""
    value = form.get(name, "").strip()
    if not value.isdigit() or len(value) > 10:
        raise PageError(f"表单缺少有效的{label}，未做任何更改；请返回页面刷新后重试")
    return int(value)
