"""The caller's open legal deadlines across the cases it may see: overdue first, then by due date, and those due within
3 working days — the days and the lead of the deadline.due_soon reminder (negotiation/service_layer/reminders.py):
rest days, statutory holidays and 调休 working days of the calendar the deadlines use (the years loaded into the
database included)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from api.review.labels import DEADLINE_KINDS, DEADLINE_STATUS, STATE_LABELS
from api.review.views import case_rows
from negotiation.bootstrap import Services
from negotiation.calendar import LIBRARY, HolidayCalendar
from negotiation.service_layer.access import Actor
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.webhook_events import DUE_SOON_WORKING_DAYS  # the lead of the deadline.due_soon reminder too

__all__ = ["DUE_SOON_WORKING_DAYS", "deadlines_page", "nth_working_day_after", "working_days_between"]

RUNNING = ("open", "overdue")


def nth_working_day_after(day: date, n: int, calendar: HolidayCalendar = LIBRARY) -> date:
    """The n-th working day after `day` (调休 make-up days count as working days)."""
    found = 0
    while found < n:
        day += timedelta(days=1)
        if not calendar.is_rest_day(day)[0]:
            found += 1
    return day


def working_days_between(start: date, end: date, calendar: HolidayCalendar = LIBRARY) -> int:
    """The working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if not calendar.is_rest_day(day)[0]:
            count += 1
    return count


def deadlines_page(services: Services, actor: Actor, today: date) -> dict[str, Any]:
    """Every running deadline of the caller's cases, overdue first then by due date, and those due soon."""
    with services.uow.reading() as uow:  # the loaded holiday years, read once for the page
        calendar = stored_calendar(uow)
        calendar.is_rest_day(today)
    horizon = nth_working_day_after(today, DUE_SOON_WORKING_DAYS, calendar)
    rows: list[dict[str, Any]] = []
    for row in case_rows(services, actor):
        case = row["case"]
        for d in case["deadlines"]:
            if d["status"] not in RUNNING:
                continue
            due = date.fromisoformat(d["due_on"])
            overdue = d["status"] == "overdue" or due < today
            soon = not overdue and due <= horizon
            rows.append(
                {
                    **d,
                    "case": case,
                    "state_label": STATE_LABELS.get(case["state"], case["state"]),
                    "kind_label": DEADLINE_KINDS.get(d["kind"], d["kind"]),
                    "status_label": DEADLINE_STATUS["overdue"] if overdue else DEADLINE_STATUS.get(d["status"], d["status"]),
                    "overdue": overdue,
                    "due_soon": soon,
                    "working_days_left": working_days_between(today, due, calendar) if soon else None,
                }
            )
    rows.sort(key=lambda r: (not r["overdue"], r["due_on"], r["case"]["id"]))
    return {
        "today": today.isoformat(),
        "horizon": horizon.isoformat(),
        "rows": rows,
        "due_soon": [r for r in rows if r["due_soon"]],
        "working_days": DUE_SOON_WORKING_DAYS,
    }
