"""Deadline arithmetic: calendar days or months from the day after the trigger, rolled past rest days (民法典 arts. 201–203).

Which days are rest days is a `HolidayCalendar`'s answer: a year's schedule loaded from the State Council's notice
(stored in the database, given by the service layer), else the `chinese-calendar` library's, else weekends only —
and a deadline says which (`calendar`: `statutory` or `weekends_only`).
"""

from __future__ import annotations

import calendar as gregorian
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from negotiation.holiday_schedules import YearSchedule, library_schedule

__all__ = ["LIBRARY", "DueDate", "HolidayCalendar", "add_months", "due_date", "is_rest_day", "settle"]

CalendarKind = Literal["statutory", "weekends_only"]
CalendarSource = Literal["chinese-calendar", "loaded", "weekends_only"]


@dataclass(frozen=True)
class DueDate:
    """A computed due date and which calendar decided it."""

    due_on: date
    calendar: CalendarKind


class HolidayCalendar:
    """Rest days and statutory holidays: a loaded year first, then the library's years, then weekends only.

    `loaded` is called once, when a year is first asked about, and gives every loaded year's schedule.
    """

    def __init__(self, loaded: Callable[[], Mapping[int, YearSchedule]] | None = None) -> None:
        self._load = loaded
        self._loaded: Mapping[int, YearSchedule] | None = None if loaded is not None else {}
        self._years: dict[int, YearSchedule | None] = {}

    def with_year(self, schedule: YearSchedule) -> HolidayCalendar:
        """This calendar with one more loaded year (or a year replaced)."""
        return HolidayCalendar(lambda: {**self._all_loaded(), schedule.year: schedule})

    def _all_loaded(self) -> Mapping[int, YearSchedule]:
        if self._loaded is None:
            assert self._load is not None
            self._loaded = self._load()
        return self._loaded

    def schedule(self, year: int) -> YearSchedule | None:
        """The year's schedule, loaded or the library's; None when there is none (weekends only)."""
        if year not in self._years:
            self._years[year] = self._all_loaded().get(year) or library_schedule(year)
        return self._years[year]

    def source(self, year: int) -> CalendarSource:
        """Where the year's rest days come from."""
        found = self.schedule(year)
        return "weekends_only" if found is None else found.source

    def kind(self, year: int) -> CalendarKind:
        """What a deadline due in that year says of its calendar."""
        return "weekends_only" if self.schedule(year) is None else "statutory"

    def is_rest_day(self, day: date) -> tuple[bool, CalendarKind]:
        """Whether the day is a rest day or statutory holiday (调休 working days count as working days)."""
        found = self.schedule(day.year)
        if found is None:
            return day.weekday() >= 5, "weekends_only"
        return found.rest_day(day), "statutory"


LIBRARY = HolidayCalendar()
"""The library's years only: what a caller without the database's loaded years sees (tests, samples)."""


def is_rest_day(day: date) -> tuple[bool, CalendarKind]:
    """Whether the day is a rest day by the library's data (weekends only for a year it does not know)."""
    return LIBRARY.is_rest_day(day)


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` later (earlier when negative); the month's last day when it has none (民法典 art. 202)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, gregorian.monthrange(year, month + 1)[1]))


def settle(due: date, *, roll_forward: bool, calendar: HolidayCalendar = LIBRARY) -> DueDate:
    """A period's last day; with roll_forward, a last day on a rest day moves to the next working day (民法典 art. 203)."""
    kind = calendar.kind(due.year)
    if not roll_forward:
        return DueDate(due, kind)
    while True:
        rest, used = calendar.is_rest_day(due)
        if used == "weekends_only":
            kind = "weekends_only"
        if not rest:
            return DueDate(due, kind)
        due += timedelta(days=1)


def due_date(trigger_on: date, days: int, *, roll_forward: bool, calendar: HolidayCalendar = LIBRARY) -> DueDate:
    """trigger_on + days; with roll_forward, a due date on a rest day moves to the next working day."""
    return settle(trigger_on + timedelta(days=days), roll_forward=roll_forward, calendar=calendar)
