"""Deadlines: calendar days from the day after the trigger, rolled past rest days and holidays (民法典 arts. 201–204)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.calendar import due_date, is_rest_day
from negotiation.model import NegotiationCase
from negotiation.procedure import open_deadline
from negotiation.rules import RULES, profile_for_region

SHAANXI = profile_for_region("610100")


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_a_period_starts_the_day_after_its_trigger_so_due_is_trigger_plus_n_days() -> None:
    # 2026-06-01 (Monday) + 10 days = 2026-06-11, a Thursday and a working day.
    assert due_date(date(2026, 6, 1), 10, roll_forward=True).due_on == date(2026, 6, 11)
    assert due_date(date(2026, 6, 1), 0, roll_forward=True).due_on == date(2026, 6, 1)


def test_a_due_date_on_a_sunday_moves_to_monday() -> None:
    due = due_date(date(2026, 11, 2), 20, roll_forward=True)  # 2026-11-22 is a Sunday
    assert (due.due_on, due.calendar) == (date(2026, 11, 23), "statutory")


def test_a_due_date_on_national_day_2026_moves_past_the_whole_golden_week() -> None:
    assert chinese_calendar.is_holiday(date(2026, 10, 1))
    due = due_date(date(2026, 9, 11), 20, roll_forward=True)  # 2026-10-01
    assert (due.due_on, due.calendar) == (date(2026, 10, 8), "statutory")


def test_a_due_date_in_the_2026_spring_festival_moves_to_the_first_working_day_after_it() -> None:
    due = due_date(date(2026, 2, 1), 15, roll_forward=True)  # 2026-02-16, 除夕前一日 within the holiday
    assert (due.due_on, due.calendar) == (date(2026, 2, 24), "statutory")


@pytest.mark.parametrize("makeup", [date(2026, 10, 10), date(2026, 9, 20), date(2026, 2, 14), date(2026, 2, 28)])
def test_a_makeup_working_day_on_a_weekend_counts_as_a_working_day(makeup: date) -> None:
    assert makeup.weekday() >= 5 and chinese_calendar.is_workday(makeup)
    assert is_rest_day(makeup) == (False, "statutory")
    due = due_date(makeup - days(15), 15, roll_forward=True)
    assert (due.due_on, due.calendar) == (makeup, "statutory")


def test_a_weekday_statutory_holiday_is_a_rest_day() -> None:
    assert date(2026, 10, 6).weekday() < 5
    assert is_rest_day(date(2026, 10, 6)) == (True, "statutory")


def test_without_roll_forward_a_due_date_on_a_holiday_stays_put() -> None:
    due = due_date(date(2026, 9, 11), 20, roll_forward=False)
    assert (due.due_on, due.calendar) == (date(2026, 10, 1), "statutory")


def test_a_year_without_published_holiday_data_falls_back_to_weekends_only_and_says_so() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))  # chinese-calendar 1.11 has no 2027 data
    due = due_date(date(2026, 12, 20), 20, roll_forward=True)  # 2027-01-09, a Saturday
    assert (due.due_on, due.calendar) == (date(2027, 1, 11), "weekends_only")
    assert is_rest_day(date(2027, 1, 9)) == (True, "weekends_only")
    assert is_rest_day(date(2027, 1, 8)) == (False, "weekends_only")


def test_in_a_year_without_data_a_weekday_is_a_working_day_even_on_new_year() -> None:
    due = due_date(date(2026, 12, 2), 30, roll_forward=True)  # 2027-01-01, a Friday
    assert (due.due_on, due.calendar) == (date(2027, 1, 1), "weekends_only")


def test_without_roll_forward_a_year_without_data_is_still_labelled_weekends_only() -> None:
    assert due_date(date(2027, 3, 1), 15, roll_forward=False).calendar == "weekends_only"


@given(
    trigger=st.dates(min_value=date(2004, 1, 1), max_value=date(2045, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_the_due_date_is_the_first_working_day_on_or_after_trigger_plus_n_and_never_raises(trigger: date, n: int) -> None:
    due = due_date(trigger, n, roll_forward=True)
    assert due.due_on >= trigger + days(n)
    assert is_rest_day(due.due_on)[0] is False
    day = trigger + days(n)
    while day < due.due_on:
        assert is_rest_day(day)[0] is True
        day += days(1)
    assert (due.due_on - (trigger + days(n))).days <= 10  # the longest run of rest days (Spring Festival + weekend)
    has_data = due.due_on.year <= 2026 and (trigger + days(n)).year <= 2026
    assert due.calendar == ("statutory" if has_data else "weekends_only")


def test_the_reply_deadline_is_stored_with_its_rule_citation_trigger_and_calendar() -> None:
    case = NegotiationCase(
        title="t", level="sector", sector="express_delivery", region_code="610100", kind="comprehensive",
        topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3, covered_enterprise_ids=[],
        created_at="", updated_at="", deadlines=[],
    )  # fmt: skip
    deadline = open_deadline(case, "reply", date(2026, 9, 11), SHAANXI)
    assert case.deadlines == [deadline]
    assert (deadline.kind, deadline.rule, deadline.status) == ("reply", "R6", "open")
    assert deadline.citation == SHAANXI.number("reply_days").citation
    assert RULES["R6"].citation in deadline.citation
    assert (deadline.trigger_on, deadline.due_on, deadline.calendar) == (date(2026, 9, 11), date(2026, 10, 8), "statutory")
    late = open_deadline(case, "review", date(2026, 12, 31), SHAANXI)
    assert (late.rule, late.due_on, late.calendar) == ("R15", date(2027, 1, 15), "weekends_only")


def _case(kind: str) -> NegotiationCase:
    return NegotiationCase(
        title="t", level="sector", sector="express_delivery", region_code="610100", kind=kind,
        topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3, covered_enterprise_ids=[],
        created_at="", updated_at="", deadlines=[],
    )  # fmt: skip


def test_wage_contracts_are_filed_within_seven_days_others_within_ten() -> None:
    wage = open_deadline(_case("wage"), "filing", date(2026, 6, 1), SHAANXI)
    other = open_deadline(_case("comprehensive"), "filing", date(2026, 6, 1), SHAANXI)
    assert (wage.rule, wage.due_on, wage.citation) == ("R13", date(2026, 6, 8), SHAANXI.number("filing_days_wage").citation)
    assert (other.rule, other.due_on) == ("R13", date(2026, 6, 11))
