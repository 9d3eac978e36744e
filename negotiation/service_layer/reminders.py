"""Reminders: a ``deadline.due_soon`` webhook event once per open deadline, 3 working days before it falls due.

Run by each tick (negotiation/service_layer/sweeper.py) as of its date. Working days are counted back from the due
date with the rest days of the calendar the deadlines use (the library's years and those loaded into the database:
weekends, statutory holidays, 调休 working days).
A deadline that opens fewer than 3 working days before its due date is reminded at the first tick after it opens.
Each reminder is recorded in ``deadline_reminders`` (one row per deadline) in the transaction that writes its
outbox row, so it goes out exactly once, however many sweepers run.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from negotiation.calendar import LIBRARY, HolidayCalendar
from negotiation.service_layer import outbox
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWorkFactory
from negotiation.webhook_events import DUE_SOON_WORKING_DAYS

__all__ = ["remind_due_soon", "remind_on"]

# Three working days never span more than this many calendar days (the longest holiday with its weekends is 9 days).
HORIZON_DAYS = 31


def remind_on(due_on: date, working_days: int = DUE_SOON_WORKING_DAYS, calendar: HolidayCalendar = LIBRARY) -> date:
    """The day `working_days` working days before `due_on`, by that calendar."""
    day, counted = due_on, 0
    while counted < working_days:
        day -= timedelta(days=1)
        if not calendar.is_rest_day(day)[0]:
            counted += 1
    return day


def remind_due_soon(factory: UnitOfWorkFactory, *, as_of: date) -> list[dict[str, Any]]:
    """Send the reminders due as of a date (each once); what was reminded: case, deadline, rule, due date."""
    last = as_of + timedelta(days=HORIZON_DAYS)
    with factory.reading() as uow:  # most ticks remind nothing: no write lock taken for that
        calendar = stored_calendar(uow)
        found = uow.repo.webhooks.unreminded_deadlines(as_of, last)
        waiting = [d for d in found if remind_on(d.due_on, calendar=calendar) <= as_of]
    if not waiting:
        return []
    reminded: list[dict[str, Any]] = []
    with factory() as uow:
        at = now_iso()
        calendar = stored_calendar(uow)
        for deadline in uow.repo.webhooks.unreminded_deadlines(as_of, last, lock=True):
            day = remind_on(deadline.due_on, calendar=calendar)
            if day > as_of or deadline.id is None or deadline.case_id is None:
                continue
            if uow.repo.webhooks.add_reminder(deadline_id=deadline.id, case_id=deadline.case_id, remind_on=day, at=at):
                outbox.stage_due_soon(uow, deadline, at=at, remind_on=day, working_days=DUE_SOON_WORKING_DAYS)
                reminded.append(
                    {
                        "case_id": deadline.case_id,
                        "deadline_id": deadline.id,
                        "rule": deadline.rule,
                        "due_on": deadline.due_on.isoformat(),
                    }
                )
        uow.commit()
    return reminded
