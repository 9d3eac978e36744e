"""The sweeper: time-driven transitions (R6, R15, R18) and overdue flags (R13, R17, R19, R24), once each, catching up
after downtime; the deadline.due_soon reminders (negotiation/service_layer/reminders.py); and, each run, forgetting
what has expired (Idempotency-Key answers after a day, ended review sessions, webhook deliveries done a week ago)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from negotiation.errors import VersionConflict
from negotiation.events import apply_system_event
from negotiation.metrics import DEADLINES_FIRED, count_events
from negotiation.rules import profile_for_region
from negotiation.service_layer.clock import iso_at
from negotiation.service_layer.handlers import record_change
from negotiation.service_layer.holiday_calendar import catch_up_recomputation
from negotiation.service_layer.idempotency import expiry_cutoff
from negotiation.service_layer.reminders import remind_due_soon
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["SYSTEM_ACTOR", "SweepTally", "tick"]

SYSTEM_ACTOR = "system"
DELIVERIES_KEPT_SECONDS = 7 * 24 * 3600  # a webhook delivery delivered or given up is listed for a week


@dataclass
class SweepTally:
    """What one tick did with the cases it found due: swept here, left to another transaction that held the case's
    row (PostgreSQL: another sweeper, which fires what is due, or a request changing the case, after which the
    next tick looks again), or lost to a change committed first (a version conflict: the next tick looks again)."""

    swept: int = 0
    taken_elsewhere: int = 0
    conflicts: int = 0


def tick(
    uow_factory: UnitOfWorkFactory,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
    tally: SweepTally | None = None,
) -> list[dict[str, Any]]:
    """Fire every deadline due before as_of; each case in its own transaction. Running it twice fires nothing new.
    ``progress`` hears (cases swept, cases due) as it goes; ``tally``, if given, counts what became of each case.

    Several sweepers at once (several hosts, each running ``tick``): on PostgreSQL each case is claimed in its own
    transaction with ``SELECT … FOR UPDATE SKIP LOCKED`` on its ``cases`` row (Repository.claim_case), so a sweeper
    skips a case another is sweeping rather than doing the same work and losing the version check at commit; a case
    the other had already committed is read as it now is, with nothing left open. On SQLite the one writer lock,
    held by each case's unit of work from its start, serialises the sweepers the same way."""
    tally = tally if tally is not None else SweepTally()
    catch_up_recomputation(uow_factory, actor=SYSTEM_ACTOR)  # a deadline computed just before a holiday install
    with uow_factory() as uow:
        due_cases = uow.repo.case_ids_with_due_deadlines(as_of)
    fired: list[dict[str, Any]] = []
    for done, case_id in enumerate(due_cases, start=1):
        if progress is not None:
            progress(done, len(due_cases))
        try:
            fired_here = _sweep_case(uow_factory(), case_id, as_of)
        except VersionConflict:
            tally.conflicts += 1
            continue  # a caller changed the case first; the next tick looks again
        if fired_here is None:
            tally.taken_elsewhere += 1
            continue  # another transaction holds the case: another sweeper fires what is due, or the next tick
        tally.swept += 1
        fired += fired_here
        for change in fired_here:  # committed: count them
            count_events([change["event"]])
            DEADLINES_FIRED.labels(rule=change["rule"]).inc()
    remind_due_soon(uow_factory, as_of=as_of)  # deadline.due_soon webhooks, once per deadline
    _prune(uow_factory())
    return fired


def _prune(uow: UnitOfWork) -> None:
    """Forget what has expired: answers kept for Idempotency-Keys (after a day) and signed-out sessions whose cookies
    have expired anyway."""
    with uow:
        uow.repo.forget_idempotency_records(before=expiry_cutoff())
        uow.repo.forget_ended_sessions(expired_before=int(time.time()))
        uow.repo.webhooks.forget_deliveries(before=iso_at(time.time() - DELIVERIES_KEPT_SECONDS))
        uow.commit()


def _sweep_case(uow: UnitOfWork, case_id: int, as_of: date) -> list[dict[str, Any]] | None:
    """The deadlines fired on one case, in one transaction; None when another sweeper holds the case."""
    fired: list[dict[str, Any]] = []
    with uow:
        if not uow.repo.claim_case(case_id):
            return None
        case = uow.repo.case(case_id)
        if case is None:
            return fired
        profile = profile_for_region(case.region_code)
        calendar = stored_calendar(uow)
        # A deadline opened by this sweep (publication after deemed effect) is looked at on the same pass.
        seen: set[int] = set()
        while True:
            due = [d for d in case.deadlines if d.status == "open" and d.due_on < as_of and id(d) not in seen]
            if not due:
                break
            deadline = due[0]
            seen.add(id(deadline))
            from_state = case.state
            event, data = apply_system_event(case, deadline, profile, as_of, calendar)
            record_change(uow, case, SYSTEM_ACTOR, event, data.model_dump(mode="json"), from_state=from_state)
            fired.append({"case_id": case_id, "event": event, "rule": deadline.rule})
        uow.commit()
    return fired
