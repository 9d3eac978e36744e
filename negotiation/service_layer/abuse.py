"""Failed authentications, counted per client address in the database (so every worker and host counts the same):
after FAILURES_ALLOWED within WINDOW_SECONDS, a request from that address without valid credentials answers
429 rate_limited with Retry-After until the earliest of those failures has left the window (api.md "Secrets, tokens
and abuse"). A request with a valid token never reaches this module: nothing holds it back and it costs nothing.
"""

from __future__ import annotations

import math
import time

from negotiation.errors import RateLimited
from negotiation.service_layer.unit_of_work import UnitOfWorkFactory

__all__ = ["FAILURES_ALLOWED", "WINDOW_SECONDS", "refuse_when_held_back", "remember_failure"]

FAILURES_ALLOWED = 20
WINDOW_SECONDS = 60


def refuse_when_held_back(factory: UnitOfWorkFactory, address: str) -> None:
    """RateLimited when the address has failed FAILURES_ALLOWED times within the window."""
    now = time.time()
    with factory.reading() as uow:
        count, earliest = uow.repo.auth_failures_since(address, now - WINDOW_SECONDS)
    if count >= FAILURES_ALLOWED and earliest is not None:
        raise RateLimited(max(1, math.ceil(earliest + WINDOW_SECONDS - now)))


def remember_failure(factory: UnitOfWorkFactory, address: str) -> None:
    """Record one failed authentication from the address (and forget its failures older than the window)."""
    now = time.time()
    with factory() as uow:
        uow.repo.add_auth_failure(address[:64], now, forget_before=now - WINDOW_SECONDS)
        uow.commit()
