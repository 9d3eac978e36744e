"""Deadline arithmetic: calendar days from the day after the trigger, rolled past rest days (民法典 art. 203)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

__all__ = ["DueDate", "due_date", "is_rest_day"]

CalendarKind = Literal["statutory", "weekends_only"]


@dataclass(frozen=True)
class DueDate:
    """A computed due date and which calendar decided it."""

    due_on: date
    calendar: CalendarKind


def _statutory_rest_day(day: date) -> bool | None:
    """True/False from the published holiday data, None when the year has none."""
    import chinese_calendar

    try:
        return not chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def is_rest_day(day: date) -> tuple[bool, CalendarKind]:
    """Whether the day is a rest day or statutory holiday (调休 working days count as working days)."""
    statutory = _statutory_rest_day(day)
    if statutory is None:
        return day.weekday() >= 5, "weekends_only"
    return statutory, "statutory"


def due_date(trigger_on: date, days: int, *, roll_forward: bool) -> DueDate:
    """trigger_on + days; with roll_forward, a due date on a rest day moves to the next working day."""
    due = trigger_on + timedelta(days=days)
    kind: CalendarKind = "statutory"
    if _statutory_rest_day(due) is None:
        kind = "weekends_only"
    if not roll_forward:
        return DueDate(due, kind)
    while True:
        rest, used = is_rest_day(due)
        if used == "weekends_only":
            kind = "weekends_only"
        if not rest:
            return DueDate(due, kind)
        due += timedelta(days=1)
