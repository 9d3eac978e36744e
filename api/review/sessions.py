"""Signed session cookies and CSRF tokens for the review pages (itsdangerous, with key rotation); the personal token
is never stored in the cookie, and sign-out is kept server-side (negotiation/service_layer/review_sessions.py)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from negotiation.adapters.key_file import kept_random_key
from negotiation.bootstrap import Services
from negotiation.errors import Forbidden, Unauthenticated

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "Session",
    "check_csrf",
    "check_login_csrf",
    "csrf_token",
    "encode_session",
    "issue_session",
    "login_csrf_token",
    "new_login_nonce",
    "read_session",
]

SESSION_COOKIE = "review_session"
LOGIN_COOKIE = "review_login"
SESSION_SECONDS = 8 * 3600
_secrets: dict[Path, bytes] = {}


class SessionExpired(Unauthenticated):
    default_message = "登录已过期，请重新登录"


class CsrfRefused(Forbidden):
    code = "csrf_refused"
    default_message = "表单校验码无效或已失效：为保护您的账户，本次提交未被处理。请返回页面刷新后重新提交。"


@dataclass(frozen=True)
class Session:
    """A signed-in browser: the user, a random session id (the CSRF tokens hang on it) and its expiry."""

    user_id: int
    sid: str
    expires_at: int


def _current_key(services: Services) -> bytes:
    """The signing key: NEGOTIATION_SESSION_SECRET, else a random key kept beside the archive (shared by workers)."""
    configured = services.settings.session_secret
    if configured:
        return configured.encode("utf-8")
    path = services.settings.archive_dir.resolve().parent / "review-session.key"
    found = _secrets.get(path)
    if found is not None:
        return found
    key = kept_random_key(path, if_damaged="delete it to make a new one (everyone signs in again)").encode("ascii")
    _secrets[path] = key
    return key


def _keys(services: Services) -> list[bytes]:
    """Every key a cookie or form may be signed with, oldest first: itsdangerous signs with the last and accepts all,
    so a key named in NEGOTIATION_SESSION_PREVIOUS_SECRETS keeps today's sessions valid while the new one takes over."""
    return [*(old.encode("utf-8") for old in services.settings.previous_session_secrets), _current_key(services)]


def _serializer(keys: bytes | list[bytes], purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(keys, salt=f"review-{purpose}")


def _signed_value(keys: list[bytes], purpose: str, submitted: str | None, max_age: int | None = None) -> object:
    """What a signed value carries, or None when it is missing, forged, expired, too long or not even ASCII."""
    if not submitted or len(submitted) > 512 or not submitted.isascii():
        return None
    try:
        return _serializer(keys, purpose).loads(submitted, max_age=max_age)
    except BadSignature:  # SignatureExpired included
        return None


def encode_session(keys: bytes | list[bytes], session: Session) -> str:
    """The cookie value of a session, signed and timestamped by itsdangerous with the newest key."""
    return str(_serializer(keys, "session").dumps({"u": session.user_id, "s": session.sid, "e": session.expires_at}))


def issue_session(services: Services, user_id: int) -> tuple[str, Session]:
    """A new session for the user and its cookie value."""
    session = Session(user_id=user_id, sid=secrets.token_urlsafe(18), expires_at=int(time.time()) + SESSION_SECONDS)
    return encode_session(_keys(services), session), session


def read_session(services: Services, cookie: str | None) -> Session:
    """The session a cookie carries; Unauthenticated when missing, forged or expired."""
    if not cookie:
        raise Unauthenticated("您尚未登录，请先用个人令牌登录")
    data = _signed_value(_keys(services), "session", cookie, max_age=SESSION_SECONDS + 60)
    if data is None:
        raise Unauthenticated("登录状态无效（可能来自其他服务器、已过期或已被篡改），请重新登录")
    try:
        if not isinstance(data, dict):
            raise TypeError("not a session")
        session = Session(user_id=int(data["u"]), sid=str(data["s"]), expires_at=int(data["e"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise Unauthenticated("登录状态无效，请重新登录") from exc
    if session.expires_at <= time.time():
        raise SessionExpired()
    return session


def csrf_token(services: Services, session: Session) -> str:
    """The CSRF token every form of this session carries: its session id, signed."""
    return str(_serializer(_keys(services), "csrf").dumps(session.sid))


def check_csrf(services: Services, session: Session, submitted: str | None) -> None:
    """Refuse a form whose CSRF token is missing or not this session's."""
    if _signed_value(_keys(services), "csrf", submitted) != session.sid:
        raise CsrfRefused()


def new_login_nonce() -> str:
    """A random value for the sign-in form's cookie, before there is a session."""
    return secrets.token_urlsafe(18)


def login_csrf_token(services: Services, nonce: str) -> str:
    """The sign-in form's CSRF token, bound to the nonce in its cookie."""
    return str(_serializer(_keys(services), "login").dumps(nonce))


def check_login_csrf(services: Services, nonce: str | None, submitted: str | None) -> None:
    """Refuse a sign-in whose token does not match the nonce cookie set with the form."""
    if not nonce or _signed_value(_keys(services), "login", submitted, max_age=3600) != nonce:
        raise CsrfRefused()
