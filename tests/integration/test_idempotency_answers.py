"""Which answers an Idempotency-Key keeps: the request's own errors (4xx) are replayed, a server's failure (5xx) is not."""

from __future__ import annotations

from typing import Any

from negotiation.bootstrap import Services
from negotiation.errors import DocumentError, StorageUnavailable, ValidationFailed
from negotiation.service_layer.idempotency import KeyedRequest, answer
from negotiation.service_layer.unit_of_work import UnitOfWork

ADMIN_ID = 1


def _succeeds(uow: UnitOfWork) -> dict[str, Any]:
    result = {"done": True}
    with uow:
        uow.commit(result)
    return result


def _fails(error: Exception) -> Any:
    def work(uow: UnitOfWork) -> dict[str, Any]:
        raise error

    return work


def test_a_server_failure_is_not_kept_and_the_same_request_runs_again(services: Services) -> None:
    for error in (DocumentError(), StorageUnavailable()):
        keyed = KeyedRequest(ADMIN_ID, f"retry-{error.code}", "hash-1")
        failed = answer(services.uow, _fails(error), keyed=keyed)
        assert (failed.status, failed.replayed) == (error.status, False)
        assert failed.body["error"]["code"] == error.code

        retried = answer(services.uow, _succeeds, keyed=keyed)  # sent again: runs, and now succeeds
        assert (retried.status, retried.body, retried.replayed) == (200, {"done": True}, False)
        replayed = answer(services.uow, _fails(error), keyed=keyed)  # the success is what the key keeps
        assert (replayed.status, replayed.body, replayed.replayed) == (200, {"done": True}, True)


def test_the_requests_own_error_is_kept_and_replayed(services: Services) -> None:
    keyed = KeyedRequest(ADMIN_ID, "bad-input", "hash-2")
    refused = answer(services.uow, _fails(ValidationFailed("格式不正确")), keyed=keyed)
    assert refused.status == 422 and not refused.replayed

    again = answer(services.uow, _succeeds, keyed=keyed)  # the key keeps the first answer: nothing runs
    assert (again.status, again.body, again.replayed) == (422, refused.body, True)


def _age_records(services: Services, hours: int) -> None:
    from datetime import datetime, timedelta

    from sqlalchemy import text

    from negotiation.service_layer.clock import SHANGHAI

    old = (datetime.now(SHANGHAI) - timedelta(hours=hours)).isoformat(timespec="milliseconds")
    with services.engine.begin() as connection:
        connection.execute(text("UPDATE idempotency_keys SET created_at = :old"), {"old": old})


def test_a_kept_answer_expires_after_a_day_and_the_same_key_is_a_new_request(services: Services) -> None:
    keyed = KeyedRequest(ADMIN_ID, "a-day-old", "hash-3")
    first = answer(services.uow, _succeeds, keyed=keyed)
    assert not first.replayed
    _age_records(services, 23)  # within the day: still the kept answer
    assert answer(services.uow, _fails(ValidationFailed("格式不正确")), keyed=keyed).replayed
    _age_records(services, 25)  # over a day: the key is free again, and the request runs
    again = answer(services.uow, _fails(ValidationFailed("格式不正确")), keyed=keyed)
    assert (again.status, again.replayed) == (422, False)


def test_tick_forgets_expired_answers_and_ended_sessions(services: Services) -> None:
    import time
    from datetime import date

    from sqlalchemy import text

    from negotiation.service_layer.sweeper import tick

    answer(services.uow, _succeeds, keyed=KeyedRequest(ADMIN_ID, "old-1", "h"))
    _age_records(services, 25)
    answer(services.uow, _succeeds, keyed=KeyedRequest(ADMIN_ID, "fresh-1", "h"))
    now = int(time.time())
    with services.engine.begin() as connection:
        for sid, expires in (("gone", now - 60), ("alive", now + 3600)):
            connection.execute(
                text("INSERT INTO ended_sessions (sid, user_id, expires_at, ended_at) VALUES (:s, 1, :e, 'x')"),
                {"s": sid, "e": expires},
            )
    tick(services.uow, as_of=date(2026, 12, 1))
    with services.engine.connect() as connection:
        keys = connection.execute(text("SELECT key FROM idempotency_keys")).scalars().all()
        sids = connection.execute(text("SELECT sid FROM ended_sessions")).scalars().all()
    assert (keys, sids) == (["fresh-1"], ["alive"])
