"""What each change tells webhook subscribers: the outbox entries staged with it, in its transaction.

Every change of a case passes ``handlers.record_change``, which stages here a ``case.event`` for its audit link
and a ``deadline.opened`` for each deadline the change opened; ``documents.store_all`` stages a
``document.created`` for each document it stores; the sweeper's reminders stage ``deadline.due_soon``. The rows are
written by the repository with the change itself (negotiation/adapters/webhook_store.py), and fanned out to the
subscribers who may see the case by the deliverer (negotiation/service_layer/webhook_delivery.py).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from negotiation.adapters.webhook_store import OutboxEntry
from negotiation.events import EVENT_LABELS
from negotiation.model import AuditEvent, Deadline, Document, NegotiationCase
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import deadline_view, document_view

__all__ = ["stage_change", "stage_document", "stage_due_soon"]


def _deadline(d: Deadline) -> dict[str, Any]:
    return {"id": d.id, **deadline_view(d)}


def _opened(deadline: Deadline) -> dict[str, Any]:
    return {"deadline": _deadline(deadline)}


def stage_change(uow: UnitOfWork, case: NegotiationCase, link: AuditEvent) -> None:
    """The webhook events of one audited change: ``case.event``, and ``deadline.opened`` for each new deadline."""
    assert case.id is not None
    state, version = case.state, case.version  # as this change left the case (a later one in the same work may move it)

    def case_event() -> dict[str, Any]:
        return {
            "event": link.event, "label": EVENT_LABELS.get(link.event, link.event), "seq": link.seq, "actor": link.actor,
            "from_state": link.from_state, "to_state": link.to_state, "hash": link.hash, "state": state, "version": version,
        }  # fmt: skip

    uow.repo.stage_outbox(OutboxEntry("case.event", case.id, link.at, case_event))
    for deadline in case.deadlines:
        if deadline.id is None:  # opened by this change: its id is given when the change is written
            entry = OutboxEntry("deadline.opened", case.id, link.at, functools.partial(_opened, deadline))
            uow.repo.stage_outbox(entry, key=("deadline.opened", id(deadline)))


def stage_document(uow: UnitOfWork, case: NegotiationCase, document: Document, at: str) -> None:
    """The ``document.created`` event of a document stored with a change."""
    assert case.id is not None
    uow.repo.stage_outbox(OutboxEntry("document.created", case.id, at, lambda: {"document": document_view(document)}))


def stage_due_soon(uow: UnitOfWork, deadline: Deadline, *, at: str, remind_on: date, working_days: int) -> None:
    """The ``deadline.due_soon`` reminder of an open deadline."""
    assert deadline.case_id is not None
    data = {"deadline": _deadline(deadline), "remind_on": remind_on.isoformat(), "working_days_before": working_days}
    uow.repo.stage_outbox(OutboxEntry("deadline.due_soon", deadline.case_id, at, lambda: data))
