"""Holiday schedules as data: what a State Council notice may hold, a loaded year in the calendar, and the date
arithmetic of the contract's life (民法典 arts. 201–203; R18, R19, R24)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.calendar import LIBRARY, HolidayCalendar, add_months, due_date
from negotiation.deadlines import open_deadline, open_term_deadlines, recompute
from negotiation.holiday_schedules import YearSchedule, library_schedule, schedule_violations
from negotiation.model import NegotiationCase
from negotiation.rules import profile_for_region

SHAANXI = profile_for_region("610100")

# An illustrative 2027 schedule for tests only: the State Council has not published 2027's notice, and none ships.
HOLIDAYS_2027 = [
    date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3),
    *(date(2027, 2, 5) + timedelta(days=i) for i in range(8)),
    date(2027, 4, 3), date(2027, 4, 4), date(2027, 4, 5),
    *(date(2027, 5, 1) + timedelta(days=i) for i in range(5)),
    *(date(2027, 10, 1) + timedelta(days=i) for i in range(7)),
]  # fmt: skip
WORKDAYS_2027 = [date(2027, 2, 20), date(2027, 10, 9)]
SCHEDULE_2027 = YearSchedule(2027, frozenset(HOLIDAYS_2027), frozenset(WORKDAYS_2027), "loaded", "测试用放假安排")


def with_2027() -> HolidayCalendar:
    return HolidayCalendar(lambda: {2027: SCHEDULE_2027})


def case(kind: str = "comprehensive", **facts: object) -> NegotiationCase:
    return NegotiationCase(
        title="t", level="sector", sector="express_delivery", region_code="610100", kind=kind,
        topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3, covered_enterprise_ids=[],
        created_at="", updated_at="", deadlines=[], facts=dict(facts),
    )  # fmt: skip


def paths(found: list[object]) -> list[str | None]:
    return [getattr(v, "path", None) for v in found]


# --- what a notice may hold -----------------------------------------------------------------------------------


def test_the_illustrative_2027_schedule_is_a_valid_notice() -> None:
    assert schedule_violations(2027, HOLIDAYS_2027, WORKDAYS_2027) == []


def test_a_date_outside_the_year_is_refused_at_its_index() -> None:
    found = schedule_violations(2027, [*HOLIDAYS_2027, date(2026, 12, 31)], WORKDAYS_2027)
    assert paths(found) == [f"holidays[{len(HOLIDAYS_2027)}]"]
    assert "不在 2027 年内" in found[0].message


def test_a_day_both_off_and_worked_is_refused() -> None:
    found = schedule_violations(2027, HOLIDAYS_2027, [*WORKDAYS_2027, date(2027, 10, 2)])
    assert paths(found) == ["workdays[2]"] and "同时列为放假日和调休上班日" in found[0].message


def test_a_makeup_working_day_must_be_a_saturday_or_sunday() -> None:
    found = schedule_violations(2027, HOLIDAYS_2027, [date(2027, 2, 17)])  # a Wednesday
    assert paths(found) == ["workdays[0]"] and "星期三" in found[0].message


def test_a_date_listed_twice_is_refused() -> None:
    found = schedule_violations(2027, [*HOLIDAYS_2027, date(2027, 1, 1)], WORKDAYS_2027)
    assert paths(found) == [f"holidays[{len(HOLIDAYS_2027)}]"] and "重复" in found[0].message


@pytest.mark.parametrize("left_out", [date(2027, 1, 1), date(2027, 5, 2), date(2027, 10, 3), date(2027, 4, 5)])
def test_a_notice_without_a_fixed_date_holiday_or_qingming_is_refused_citing_the_holidays_measures(left_out: date) -> None:
    found = schedule_violations(2027, [d for d in HOLIDAYS_2027 if d != left_out], WORKDAYS_2027)
    assert paths(found) == ["holidays"]
    assert left_out.isoformat() in found[0].message and "《全国年节及纪念日放假办法》第二条" in found[0].message


def test_only_years_under_the_2024_revision_of_the_holidays_measures_can_be_loaded() -> None:
    found = schedule_violations(2024, [date(2024, 1, 1)], [])
    assert paths(found) == ["year"]


@given(
    year=st.integers(min_value=2025, max_value=2100),
    extra=st.lists(st.integers(min_value=0, max_value=364), max_size=20),
    weekends=st.lists(st.integers(min_value=0, max_value=364), max_size=8),
)
def test_any_notice_holding_the_statutory_days_and_weekend_makeup_days_is_accepted(
    year: int, extra: list[int], weekends: list[int]
) -> None:
    start = date(year, 1, 1)
    qingming = next(d for d, name in chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10)) if name == "清明")
    fixed = {date(year, m, d) for m, d in ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))} | {qingming}
    holidays = sorted(fixed | {start + timedelta(days=n) for n in extra if (start + timedelta(days=n)).year == year})
    workdays = sorted(
        {d for n in weekends if (d := start + timedelta(days=n)).year == year and d.weekday() >= 5 and d not in holidays}
    )
    assert schedule_violations(year, holidays, workdays) == []


# --- a loaded year in the calendar ----------------------------------------------------------------------------


def test_the_library_knows_2026_and_not_2027() -> None:
    assert LIBRARY.source(2026) == "chinese-calendar" and LIBRARY.source(2027) == "weekends_only"
    schedule = library_schedule(2026)
    assert schedule is not None and date(2026, 10, 1) in schedule.holidays and date(2026, 10, 10) in schedule.workdays


def test_a_loaded_year_decides_rest_days_and_makeup_days() -> None:
    calendar = with_2027()
    assert calendar.source(2027) == "loaded" and calendar.source(2026) == "chinese-calendar"
    assert calendar.is_rest_day(date(2027, 1, 1)) == (True, "statutory")  # a Friday, New Year
    assert calendar.is_rest_day(date(2027, 2, 20)) == (False, "statutory")  # a Saturday made a working day
    assert calendar.is_rest_day(date(2027, 3, 6)) == (True, "statutory")  # an ordinary Saturday
    assert LIBRARY.is_rest_day(date(2027, 1, 1)) == (False, "weekends_only")


def test_the_loader_is_asked_once_and_only_when_a_year_is_needed() -> None:
    calls: list[int] = []

    def loader() -> dict[int, YearSchedule]:
        calls.append(1)
        return {2027: SCHEDULE_2027}

    calendar = HolidayCalendar(loader)
    assert calls == []
    calendar.is_rest_day(date(2027, 1, 1))
    calendar.is_rest_day(date(2026, 1, 1))
    calendar.source(2028)
    assert calls == [1]


def test_a_loaded_year_takes_the_place_of_the_librarys() -> None:
    changed = YearSchedule(2026, frozenset({date(2026, 6, 1)}), frozenset(), "loaded", "更正通知")
    calendar = HolidayCalendar(lambda: {2026: changed})
    assert calendar.is_rest_day(date(2026, 6, 1)) == (True, "statutory")
    assert calendar.is_rest_day(date(2026, 10, 1)) == (False, "statutory")


@given(
    trigger=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_loading_the_librarys_own_year_changes_no_due_date(trigger: date, n: int) -> None:
    schedule = library_schedule(2026)
    assert schedule is not None
    as_loaded = HolidayCalendar(lambda: {2026: YearSchedule(2026, schedule.holidays, schedule.workdays, "loaded")})
    assert due_date(trigger, n, roll_forward=True, calendar=as_loaded) == due_date(trigger, n, roll_forward=True)


@given(trigger=st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 12, 31)), n=st.integers(min_value=0, max_value=60))
def test_with_2027_loaded_a_due_date_is_the_first_working_day_of_the_notice_on_or_after_trigger_plus_n(
    trigger: date, n: int
) -> None:
    calendar = with_2027()
    due = due_date(trigger, n, roll_forward=True, calendar=calendar)
    raw = trigger + timedelta(days=n)
    assert due.due_on >= raw and calendar.is_rest_day(due.due_on)[0] is False
    assert all(calendar.is_rest_day(raw + timedelta(days=i))[0] for i in range((due.due_on - raw).days))
    assert due.due_on not in SCHEDULE_2027.holidays
    assert due.calendar == ("statutory" if due.due_on.year <= 2027 else "weekends_only")


# --- months and years (民法典 art. 202), the renewal window, the expiry and the yearly algorithm talks --------------


def test_a_month_without_the_corresponding_day_ends_on_its_last_day() -> None:
    assert add_months(date(2028, 5, 31), -3) == date(2028, 2, 29)
    assert add_months(date(2027, 5, 31), -3) == date(2027, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2026, 12, 15), 12) == date(2027, 12, 15)


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), months=st.integers(min_value=-36, max_value=36))
def test_adding_months_lands_in_the_right_month_on_the_corresponding_day_or_the_months_last(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == day.day or (moved.day < day.day and (moved + timedelta(days=1)).day == 1)


@given(term_end=st.dates(min_value=date(2027, 1, 1), max_value=date(2040, 12, 31)))
def test_the_renewal_window_opens_three_calendar_months_before_term_end_and_closes_on_it(term_end: date) -> None:
    c = case()
    renewal, expiry = open_term_deadlines(c, term_end, SHAANXI)
    months = SHAANXI.number("renewal_window_months").days
    assert (renewal.kind, renewal.rule, expiry.kind, expiry.rule) == ("renewal", "R19", "expiry", "R18")
    assert renewal.due_on == expiry.due_on == expiry.trigger_on == term_end  # the term's last day: never moved
    assert renewal.trigger_on == add_months(term_end, -months)
    assert 89 <= (term_end - renewal.trigger_on).days <= 92
    assert renewal.citation == SHAANXI.number("renewal_window_months").citation


@given(effective=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)))
def test_algorithm_talks_fall_due_a_year_after_the_effective_date_rolled_to_a_working_day(effective: date) -> None:
    calendar = with_2027()
    talks = open_deadline(case(), "algorithm_talks", effective, SHAANXI, calendar=calendar)
    year_later = add_months(effective, 12)
    assert (talks.kind, talks.rule, talks.trigger_on) == ("algorithm_talks", "R24", effective)
    assert talks.due_on >= year_later and (talks.due_on - year_later).days <= 10
    assert calendar.is_rest_day(talks.due_on)[0] is False
    assert talks.calendar == calendar.kind(talks.due_on.year)


def test_installing_a_year_recomputes_only_the_deadlines_it_decides_and_a_second_time_nothing() -> None:
    c = case()
    review = open_deadline(c, "review", date(2026, 12, 17), SHAANXI)  # 15 days: 2027-01-01, a Friday
    reply = open_deadline(c, "reply", date(2026, 6, 1), SHAANXI)  # 2026-06-22: 2026's own data
    renewal, _expiry = open_term_deadlines(c, date(2028, 12, 31), SHAANXI)
    talks = open_deadline(c, "algorithm_talks", date(2026, 12, 15), SHAANXI)  # 2027-12-15, a Wednesday
    assert (review.due_on, review.calendar) == (date(2027, 1, 1), "weekends_only")
    changes = recompute(c, SHAANXI, with_2027(), 2027)
    assert [(x.kind, x.due_on_before, x.due_on, x.calendar) for x in changes] == [
        ("review", date(2027, 1, 1), date(2027, 1, 4), "statutory"),
        ("algorithm_talks", date(2027, 12, 15), date(2027, 12, 15), "statutory"),
    ]
    assert (review.due_on, review.calendar, talks.calendar) == (date(2027, 1, 4), "statutory", "statutory")
    assert (reply.due_on, renewal.calendar) == (date(2026, 6, 22), "weekends_only")  # 2028 is not decided by 2027
    assert recompute(c, SHAANXI, with_2027(), 2027) == []


def test_a_deadline_rolled_from_december_into_the_new_year_is_decided_by_the_new_years_schedule() -> None:
    c = case()
    reply = open_deadline(c, "reply", date(2026, 12, 12), SHAANXI)  # 20 days: 2027-01-01
    assert (reply.due_on, reply.calendar) == (date(2027, 1, 1), "weekends_only")
    assert [x.due_on for x in recompute(c, SHAANXI, with_2027(), 2027)] == [date(2027, 1, 4)]


def test_a_closed_deadline_is_never_recomputed() -> None:
    c = case()
    review = open_deadline(c, "review", date(2026, 12, 17), SHAANXI)
    review.status = "met"
    assert recompute(c, SHAANXI, with_2027(), 2027) == [] and review.due_on == date(2027, 1, 1)
