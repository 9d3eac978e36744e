"""The deadlines a case carries: how each kind's due date is computed from its trigger, and recomputed when a
year's holiday schedule is installed.

A period (`PERIODS`) runs from the day after its trigger for a number of days or months of the profile, its last
day rolled past rest days when the profile says so (民法典 arts. 201–203). The contract's own dates are not periods:
the renewal window (R19) opens `renewal_window_months` calendar months before `term_end` and closes on it, and the
contract expires after `term_end` (R18); neither moves for a holiday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from negotiation.calendar import LIBRARY, DueDate, HolidayCalendar, add_months, settle
from negotiation.model import Deadline, NegotiationCase
from negotiation.rules import Profile

__all__ = [
    "PERIODS",
    "Period",
    "Recomputed",
    "open_deadline",
    "open_term_deadlines",
    "recompute",
]


@dataclass(frozen=True)
class Period:
    """A deadline kind counted from its trigger: the profile number that sets its length, in days or months."""

    number: str
    unit: Literal["days", "months"] = "days"

    def number_key(self, case: NegotiationCase) -> str:
        # R13: a wage agreement is filed within its own, shorter period.
        return f"{self.number}_wage" if self.number == "filing_days" and case.kind == "wage" else self.number


PERIODS: dict[str, Period] = {
    "reply": Period("reply_days"),
    "filing": Period("filing_days"),
    "review": Period("review_days"),
    "publication": Period("publication_days"),
    "algorithm_talks": Period("algorithm_talks_interval_months", "months"),
}
# The kinds whose due date is the contract's term_end itself.
TERM_KINDS = ("renewal", "expiry")


def _rolls(profile: Profile) -> bool:
    return bool(profile.number("roll_forward_over_rest_days").value)


def _last_day(period: Period, length: int, trigger_on: date) -> date:
    """The period's last day before any roll past rest days (民法典 arts. 201, 202)."""
    if period.unit == "months":
        return add_months(trigger_on, length)
    return trigger_on + timedelta(days=length)


def _period_due(period: Period, length: int, trigger_on: date, profile: Profile, calendar: HolidayCalendar) -> DueDate:
    return settle(_last_day(period, length, trigger_on), roll_forward=_rolls(profile), calendar=calendar)


def open_deadline(
    case: NegotiationCase,
    kind: str,
    trigger_on: date,
    profile: Profile,
    number_key: str | None = None,
    *,
    calendar: HolidayCalendar = LIBRARY,
) -> Deadline:
    """Open a deadline of a kind of PERIODS, counted from the day after trigger_on, rolled forward as the profile says."""
    period = PERIODS[kind]
    number = profile.number(number_key or period.number_key(case))
    due = _period_due(period, number.days, trigger_on, profile, calendar)
    assert number.rule is not None
    deadline = Deadline(
        kind=kind, rule=number.rule, citation=number.citation, trigger_on=trigger_on,
        due_on=due.due_on, status="open", calendar=due.calendar,
    )  # fmt: skip
    case.deadlines.append(deadline)
    return deadline


def open_term_deadlines(
    case: NegotiationCase, term_end: date, profile: Profile, *, calendar: HolidayCalendar = LIBRARY
) -> tuple[Deadline, Deadline]:
    """The renewal window (R19: from `renewal_window_months` before term_end to term_end) and the expiry (R18: the
    contract ends after term_end), opened when the contract comes into force."""
    window = profile.number("renewal_window_months")
    term = profile.number("term_max_years")
    label = calendar.kind(term_end.year)
    renewal = Deadline(
        kind="renewal", rule="R19", citation=window.citation, trigger_on=add_months(term_end, -window.days),
        due_on=term_end, status="open", calendar=label,
    )  # fmt: skip
    expiry = Deadline(
        kind="expiry", rule="R18", citation=term.citation, trigger_on=term_end, due_on=term_end, status="open", calendar=label
    )
    case.deadlines += [renewal, expiry]
    return renewal, expiry


@dataclass(frozen=True)
class Recomputed:
    """A deadline whose due date or calendar changed with the holiday data: what it was and what it is."""

    kind: str
    rule: str
    due_on_before: date
    calendar_before: str
    due_on: date
    calendar: str

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind, "rule": self.rule, "due_on_before": self.due_on_before.isoformat(),
            "calendar_before": self.calendar_before, "due_on": self.due_on.isoformat(), "calendar": self.calendar,
        }  # fmt: skip


def recompute(case: NegotiationCase, profile: Profile, calendar: HolidayCalendar, year: int) -> list[Recomputed]:
    """Compute again, with this calendar, the case's open deadlines that a schedule of `year` decides (their period
    ends in that year, or their due date lies in it); change and return those that moved or changed calendar."""
    changed: list[Recomputed] = []
    for deadline in case.deadlines:
        if deadline.status != "open":
            continue
        period = PERIODS.get(deadline.kind)
        if period is not None:
            length = profile.number(period.number_key(case)).days
            last = _last_day(period, length, deadline.trigger_on)
            if year not in (last.year, deadline.due_on.year):
                continue
            due = _period_due(period, length, deadline.trigger_on, profile, calendar)
        elif deadline.kind in TERM_KINDS and deadline.due_on.year == year:
            due = settle(deadline.due_on, roll_forward=False, calendar=calendar)
        else:
            continue
        if (due.due_on, due.calendar) == (deadline.due_on, deadline.calendar):
            continue
        changed.append(Recomputed(deadline.kind, deadline.rule, deadline.due_on, deadline.calendar, due.due_on, due.calendar))
        deadline.due_on, deadline.calendar = due.due_on, due.calendar
    return changed
