"""Holiday schedules: a year as a caller sees it, and installing a year's State Council notice — with the open
deadlines it decides recomputed, each change audited on its case, in the same transaction as the install."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from negotiation.calendar import HolidayCalendar
from negotiation.commands import CalendarYearPut
from negotiation.deadlines import recompute
from negotiation.errors import Forbidden, ValidationFailed, VersionConflict, Violation
from negotiation.holiday_schedules import YearSchedule, schedule_violations
from negotiation.rules import profile_for_region
from negotiation.service_layer.access import Actor
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.handlers import record_change
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.validation import parse

__all__ = ["OPERATOR", "calendar_year", "catch_up_recomputation", "install_calendar_year", "load_calendar_file"]

# How far past its year a deadline decided by that year's schedule can fall due: a period ending on 31 December
# rolled past the next New Year's holiday and weekend (a few days), with room to spare.
_ROLL_INTO_NEXT_YEAR = (1, 31)


def _year_in_range(year: int) -> None:
    if not 1 <= year <= 9999:
        message = f"年份须在 1—9999 之间，{year} 不是"
        raise ValidationFailed(message, [Violation(None, message, None, "year")])


def _view(year: int, calendar: HolidayCalendar) -> dict[str, Any]:
    schedule = calendar.schedule(year)
    if schedule is None:
        return {"year": year, "holidays": [], "workdays": [], "source": "weekends_only", "notice": None, "loaded_at": None}
    return {
        "year": year,
        "holidays": [d.isoformat() for d in sorted(schedule.holidays)],
        "workdays": [d.isoformat() for d in sorted(schedule.workdays)],
        "source": schedule.source,
        "notice": schedule.notice,
        "loaded_at": schedule.loaded_at,
    }


def calendar_year(uow: UnitOfWork, *, actor: Actor, year: int) -> dict[str, Any]:
    """A year's rest days as deadlines use them, and where they come from (any user)."""
    _year_in_range(year)
    with uow:
        return _view(year, stored_calendar(uow))


def _checked(year: int, body: Any) -> CalendarYearPut:
    cmd = parse(CalendarYearPut, body)
    if cmd.year is not None and cmd.year != year:
        message = f"请求内容中的年份 {cmd.year} 与地址中的年份 {year} 不一致"
        raise ValidationFailed(message, [Violation(None, message, None, "year")])
    found = schedule_violations(year, cmd.holidays, cmd.workdays)
    if cmd.source in ("chinese-calendar", "loaded", "weekends_only"):
        found.append(Violation(None, "source 须写明放假安排所依据的国务院办公厅通知（名称和文号）", None, "source"))
    if found:
        raise ValidationFailed(f"放假安排有误：{found[0].message}", found)
    return cmd


def _decided_by(year: int) -> tuple[date, date]:
    """The due dates a year's schedule can decide: its own days, and the first weeks of the next year."""
    return date(year, 1, 1), date(year + 1, *_ROLL_INTO_NEXT_YEAR) if year < 9999 else date(9999, 12, 31)


def _recompute_case(
    uow: UnitOfWork, case_id: int, calendar: HolidayCalendar, year: int, actor: str, notice: str | None, at: str
) -> list[dict[str, Any]]:
    """Recompute one case's open deadlines decided by the year; audit the change on the case. What changed."""
    case = uow.repo.case(case_id)
    if case is None:
        return []
    changes = recompute(case, profile_for_region(case.region_code), calendar, year)
    if not changes:
        return []
    data = {"year": year, "notice": notice, "deadlines": [c.as_dict() for c in changes]}
    record_change(uow, case, actor, "recompute_deadlines", data, from_state=case.state, at=at)
    return [{"case_id": case_id, **c.as_dict()} for c in changes]


def catch_up_recomputation(uow_factory: Callable[[], UnitOfWork], *, actor: str) -> list[dict[str, Any]]:
    """Recompute the open deadlines still computed without a year that has since been loaded: one opened by a
    command that read the calendar just before the install committed (run by each tick, before any deadline fires;
    each case in its own transaction, audited like the install)."""
    with uow_factory() as uow:
        rows = uow.repo.calendar_years()
        stale = {
            row["year"]: uow.repo.case_ids_with_open_deadlines_due_between(*_decided_by(row["year"]), calendar="weekends_only")
            for row in rows
        }
    notices = {row["year"]: row["notice"] for row in rows}
    recomputed: list[dict[str, Any]] = []
    for year, case_ids in stale.items():
        for case_id in case_ids:
            try:
                with uow_factory() as uow:
                    found = _recompute_case(uow, case_id, stored_calendar(uow), year, actor, notices[year], now_iso())
                    if found:
                        uow.commit()
            except VersionConflict:
                continue  # the case moved meanwhile; the next tick looks again
            recomputed += found
    return recomputed


def install_calendar_year(uow: UnitOfWork, *, actor: Actor, year: int, body: Any) -> dict[str, Any]:
    """Install a year's schedule (admin); every open deadline it decides is computed again, each change audited on
    its case, all in one transaction with the install. Bad input changes nothing."""
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以载入节假日安排")
    _year_in_range(year)
    cmd = _checked(year, body)
    at = now_iso()
    schedule = YearSchedule(
        year=year, holidays=frozenset(cmd.holidays), workdays=frozenset(cmd.workdays), source="loaded",
        notice=cmd.source, loaded_at=at,
    )  # fmt: skip
    with uow:
        calendar = stored_calendar(uow).with_year(schedule)
        recomputed: list[dict[str, Any]] = []
        for case_id in uow.repo.case_ids_with_open_deadlines_due_between(*_decided_by(year)):
            recomputed += _recompute_case(uow, case_id, calendar, year, actor.label, cmd.source, at)
        uow.repo.put_calendar_year(
            year=year, holidays=[d.isoformat() for d in sorted(schedule.holidays)],
            workdays=[d.isoformat() for d in sorted(schedule.workdays)], notice=cmd.source, loaded_at=at,
            loaded_by=actor.label,
        )  # fmt: skip
        result = {**_view(year, calendar), "recomputed": recomputed}
        uow.commit(result)
    return result


# Who installs a schedule from the command line: the operator of the server, audited as such.
OPERATOR = Actor(user_id=0, name="命令行 negotiation calendar load", role="admin", organization_id=None)


def _year_of_file(body: Any) -> int:
    """The year a file is for: its `year`, else the year of its first holiday."""
    if isinstance(body, dict):
        if isinstance(body.get("year"), int) and not isinstance(body["year"], bool):
            return int(body["year"])
        holidays = body.get("holidays")
        if isinstance(holidays, list) and holidays and isinstance(holidays[0], str):
            try:
                return date.fromisoformat(holidays[0]).year
            except ValueError:
                pass
    message = '文件须为 JSON 对象 {"year": 年份, "holidays": [日期…], "workdays": [日期…], "source": "通知名称和文号"}'
    raise ValidationFailed(message, [Violation(None, message, None, "year")])


def load_calendar_file(uow: UnitOfWork, *, text: str) -> dict[str, Any]:
    """Install the schedule a file holds (the JSON of PUT /api/v1/admin/calendar/{year}, with its `year`)."""
    try:
        body = json.loads(text)
    except ValueError as exc:
        message = f"文件不是有效的 JSON：{exc}"
        raise ValidationFailed(message, [Violation(None, message, None, None)]) from exc
    return install_calendar_year(uow, actor=OPERATOR, year=_year_of_file(body), body=body)
