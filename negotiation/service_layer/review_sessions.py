"""Review-page sessions on the server side: a signed-out session stays refused until its cookie would have expired."""

from __future__ import annotations

from negotiation.errors import Unauthenticated
from negotiation.service_layer.access import Actor
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["end_session", "session_actor"]


def session_actor(uow: UnitOfWork, *, user_id: int, sid: str) -> Actor:
    """The user of a live session; Unauthenticated when the session was signed out or the user is gone."""
    with uow:
        if uow.repo.session_ended(sid):
            raise Unauthenticated("您已退出登录，请重新用个人令牌登录")
        user = uow.repo.user(user_id)
        if user is None or user.id is None:
            raise Unauthenticated("登录状态对应的用户不存在，请重新登录")
        if user.disabled:
            raise Unauthenticated("该用户已被停用，请联系系统管理员")
        return Actor(user_id=user.id, name=user.name, role=user.role, organization_id=user.organization_id)


def end_session(uow: UnitOfWork, *, user_id: int, sid: str, expires_at: int) -> None:
    """Sign a session out for good, not only in this browser."""
    with uow:
        uow.repo.end_session(sid=sid, user_id=user_id, expires_at=expires_at, at=now_iso())
        uow.commit()
