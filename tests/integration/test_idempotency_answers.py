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
