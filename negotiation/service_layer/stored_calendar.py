"""The holiday calendar a command computes deadlines with: the library's years and those loaded into the database."""

from __future__ import annotations

from datetime import date
from typing import Any

from negotiation.calendar import HolidayCalendar
from negotiation.holiday_schedules import YearSchedule
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["stored_calendar"]


def _schedule(row: dict[str, Any]) -> YearSchedule:
    return YearSchedule(
        year=row["year"], holidays=frozenset(map(date.fromisoformat, row["holidays"])),
        workdays=frozenset(map(date.fromisoformat, row["workdays"])), source="loaded", notice=row["notice"],
        loaded_at=row["loaded_at"],
    )  # fmt: skip


def stored_calendar(uow: UnitOfWork) -> HolidayCalendar:
    """The calendar with the years loaded into the database, read in this unit of work when a deadline first needs
    one (most commands compute no deadline and read nothing)."""
    return HolidayCalendar(lambda: {row["year"]: _schedule(row) for row in uow.repo.calendar_years()})
