"""A year's holiday schedule as the State Council publishes it: the days off, the make-up working days, and its checks.

A schedule comes from the `chinese-calendar` library for the years it knows, or is loaded from the notice
(`PUT /api/v1/admin/calendar/{year}`, `negotiation calendar load FILE`) and stored in the database; a loaded year
takes the place of the library's. `schedule_violations` says what a notice cannot hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from negotiation.errors import Violation

__all__ = [
    "FIXED_DATE_HOLIDAYS",
    "LOADABLE_YEARS",
    "ScheduleSource",
    "YearSchedule",
    "library_schedule",
    "schedule_violations",
]

ScheduleSource = Literal["chinese-calendar", "loaded"]

# The holidays whose date is fixed in the solar calendar, which every year's notice therefore gives as days off:
# 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October (《全国年节及纪念日放假办法》第二条, as revised in 2024, in force
# from 2025). The lunar holidays (春节, 端午, 中秋) move; 清明 is the day of the solar term.
FIXED_DATE_HOLIDAYS: tuple[tuple[int, int], ...] = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))
FIXED_DATE_HOLIDAYS_CITATION = "《全国年节及纪念日放假办法》第二条"
# A schedule can be loaded for the years the 2024 revision governs; earlier years are the library's.
LOADABLE_YEARS = range(2025, 2101)


@dataclass(frozen=True)
class YearSchedule:
    """One year's days off (`holidays`, weekend days within a holiday included) and make-up working days (`workdays`)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: ScheduleSource
    notice: str | None = None  # the notice a loaded schedule was taken from
    loaded_at: str | None = None

    def rest_day(self, day: date) -> bool:
        """Whether a day of this year is a day off: a holiday, or a weekend day that is not a make-up working day."""
        if day in self.holidays:
            return True
        if day in self.workdays:
            return False
        return day.weekday() >= 5


@cache
def library_schedule(year: int) -> YearSchedule | None:
    """The year as the `chinese-calendar` library has it, or None when the library has no data for it."""
    import chinese_calendar

    holidays = frozenset(d for d in chinese_calendar.holidays if d.year == year)
    workdays = frozenset(d for d in chinese_calendar.workdays if d.year == year)
    if not holidays:
        return None
    return YearSchedule(year=year, holidays=holidays, workdays=workdays, source="chinese-calendar")


def _qingming(year: int) -> date | None:
    """The day of the 清明 solar term, from the library's solar-term table (None if it cannot say)."""
    import chinese_calendar

    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
    except (KeyError, ValueError, IndexError, NotImplementedError):
        return None
    return next((day for day, name in terms if name == "清明"), None)


def _violation(message: str, path: str) -> Violation:
    return Violation(None, message, None, path)


def _list_violations(year: int, days: Sequence[date], name: str) -> Iterable[Violation]:
    seen: set[date] = set()
    for i, day in enumerate(days):
        if day.year != year:
            yield _violation(f"{day.isoformat()} 不在 {year} 年内：一份放假安排只能列出本年度的日期", f"{name}[{i}]")
        if day in seen:
            yield _violation(f"{day.isoformat()} 重复列出", f"{name}[{i}]")
        seen.add(day)


def schedule_violations(year: int, holidays: Sequence[date], workdays: Sequence[date]) -> list[Violation]:
    """What a year's notice cannot hold: a date outside the year, a date twice, a day both off and worked, a make-up
    working day that is not a Saturday or Sunday (a weekday is a working day already), a missing fixed-date holiday."""
    found: list[Violation] = []
    if year not in LOADABLE_YEARS:
        found.append(
            _violation(
                f"只能载入 {LOADABLE_YEARS.start}—{LOADABLE_YEARS.stop - 1} 年的放假安排（适用 2024 年修订的"
                f"{FIXED_DATE_HOLIDAYS_CITATION}），{year} 年不在其内",
                "year",
            )
        )
        return found
    found += _list_violations(year, holidays, "holidays")
    found += _list_violations(year, workdays, "workdays")
    off = set(holidays)
    for i, day in enumerate(workdays):
        if day in off:
            found.append(_violation(f"{day.isoformat()} 同时列为放假日和调休上班日", f"workdays[{i}]"))
        elif day.weekday() < 5:
            found.append(
                _violation(
                    f"{day.isoformat()} 是星期{'一二三四五'[day.weekday()]}，本就是工作日：调休上班日只能是星期六或星期日",
                    f"workdays[{i}]",
                )
            )
    wanted = [date(year, month, day) for month, day in FIXED_DATE_HOLIDAYS]
    qingming = _qingming(year)
    if qingming is not None:
        wanted.append(qingming)
    missing = [d for d in sorted(wanted) if d not in off]
    if missing:
        days = "、".join(d.isoformat() for d in missing)
        found.append(
            _violation(
                f"放假日缺少法定节日 {days}：元旦、清明、劳动节、国庆节的法定假日每年都放假（{FIXED_DATE_HOLIDAYS_CITATION}）",
                "holidays",
            )
        )
    return found
