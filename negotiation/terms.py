"""The eight topic sections of a contract's terms as pydantic models, and their legal floors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from negotiation.errors import Violation
from negotiation.formats import Count, Money, Name, Quantity
from negotiation.rules import Profile, violation

__all__ = ["PAY_CYCLE_DAYS", "TOPICS", "TOPIC_TITLES", "Terms", "floor_violations", "term_bounds", "topic_violations"]

TOPIC_TITLES: dict[str, str] = {
    "piece_rates": "行业计件单价",
    "order_allocation": "订单分配",
    "pay_method": "报酬支付办法",
    "working_hours": "工作时间",
    "rest_leave": "休息休假",
    "labour_protection": "劳动保护",
    "insurance_welfare": "保险福利",
    "rewards_penalties": "奖惩制度",
}
TOPICS: tuple[str, ...] = tuple(TOPIC_TITLES)

# The length of each pay cycle in days, to compare with the legal maximum of the profile.
PAY_CYCLE_DAYS: dict[str, int] = {
    "daily": 1,
    "weekly": 7,
    "biweekly": 14,
    "semimonthly": 16,
    "monthly": 31,
    "quarterly": 92,
    "yearly": 366,
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Supplement(_Section):
    condition: Name
    amount_cny: Money


class PieceRate(_Section):
    service: Name
    unit: Name
    rate_cny: Money
    supplements: list[Supplement] = Field(default_factory=list, max_length=50)


class OrderAllocation(_Section):
    rules_published: StrictBool
    change_notice_days: Count
    refusals_without_penalty_per_day: Count


class PayMethod(_Section):
    cycle: Literal["daily", "weekly", "biweekly", "semimonthly", "monthly", "quarterly", "yearly"]
    pay_day: int = Field(ge=1, le=31, strict=True)
    max_commission_pct: Quantity
    itemised_statement: StrictBool


class WorkingHours(_Section):
    max_continuous_minutes: int = Field(ge=1, le=1440, strict=True)
    min_break_minutes: int = Field(ge=0, le=1440, strict=True)
    max_daily_hours: int = Field(ge=1, le=24, strict=True)


class RestLeave(_Section):
    rest_days_per_month: int = Field(ge=0, le=31, strict=True)
    holiday_pay_multiplier: Quantity


class LabourProtection(_Section):
    equipment: list[Name] = Field(default_factory=list, max_length=50)
    heat_allowance_cny_month: Money
    safety_training_hours_year: Count


class InsuranceWelfare(_Section):
    occupational_injury: StrictBool
    accident_cover_cny: Money
    premium_paid_by: Literal["platform", "enterprise", "shared", "worker"]


class RewardsPenalties(_Section):
    max_deduction_cny: Money
    appeal_days: Count
    human_review_required: StrictBool


class Terms(_Section):
    """A draft's terms: every section optional here; the case's topics decide which must be present."""

    piece_rates: list[PieceRate] | None = Field(default=None, max_length=100)
    expected_units_per_hour: Quantity | None = None
    order_allocation: OrderAllocation | None = None
    pay_method: PayMethod | None = None
    working_hours: WorkingHours | None = None
    rest_leave: RestLeave | None = None
    labour_protection: LabourProtection | None = None
    insurance_welfare: InsuranceWelfare | None = None
    rewards_penalties: RewardsPenalties | None = None

    def present_topics(self) -> set[str]:
        """The topic keys whose section is filled in."""
        return {t for t in TOPICS if getattr(self, t) is not None}


def topic_violations(terms: Terms, topics: list[str]) -> list[Violation]:
    """Schema-level mismatches between the terms and the case's topics (validation errors, no rule)."""
    found: list[Violation] = []
    present = terms.present_topics()
    for topic in topics:
        if topic not in present:
            found.append(Violation(None, f"本案协商议题「{TOPIC_TITLES[topic]}」须在条款中列明", None, f"terms.{topic}"))
    for topic in sorted(present - set(topics), key=TOPICS.index):
        found.append(Violation(None, f"「{TOPIC_TITLES[topic]}」不是本案的协商议题", None, f"terms.{topic}"))
    if terms.piece_rates is not None and terms.expected_units_per_hour is None:
        found.append(
            Violation(None, "列明计件单价时须同时给出每小时预计完成单量，用于核对最低工资", None, "terms.expected_units_per_hour")
        )
    return found


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year: the anniversary is 1 March, so the term ends on 28 February
        return date(day.year + years, 3, 1)


def term_bounds(term_start: date, profile: Profile) -> tuple[date, date]:
    """The earliest and latest allowed term_end (R18, counted inclusively)."""
    low = profile.number("term_min_years").days
    high = profile.number("term_max_years").days
    one_day = timedelta(days=1)
    return _add_years(term_start, low) - one_day, _add_years(term_start, high) - one_day


def floor_violations(terms: Terms, *, term_start: date, term_end: date, profile: Profile, region_code: str) -> list[Violation]:
    """Every term below a legal floor of the profile, one violation each with its path (R18, R22)."""
    found: list[Violation] = []
    earliest, latest = term_bounds(term_start, profile)
    if not earliest <= term_end <= latest:
        number = profile.number("term_max_years")
        found.append(
            violation(
                "R18",
                f"合同期限须为 {profile.number('term_min_years').value} 至 {number.value} 年："
                f"自 {term_start} 起，终止日应在 {earliest} 至 {latest} 之间",
                path="term_end",
                citation=number.citation,
            )
        )
    wage = profile.minimum_wage(region_code)
    if terms.piece_rates is not None and terms.expected_units_per_hour is not None and wage is not None:
        units = terms.expected_units_per_hour
        for i, rate in enumerate(terms.piece_rates):
            hourly = rate.rate_cny * units
            if hourly < wage.hourly_cny:
                found.append(
                    violation(
                        "R22",
                        f"计件单价 ¥{rate.rate_cny} × 每小时 {units} 单 = ¥{hourly.quantize(Decimal('0.01'))}/小时，"
                        f"低于当地{wage.wage_class}小时最低工资 ¥{wage.hourly_cny}（{wage.source}）",
                        path=f"terms.piece_rates[{i}].rate_cny",
                    )
                )
    if terms.pay_method is not None:
        limit = profile.number("pay_cycle_max_days")
        if PAY_CYCLE_DAYS[terms.pay_method.cycle] > limit.days:
            found.append(
                violation("R22", "劳动报酬至少每月支付一次，支付周期不得长于一个月", "terms.pay_method.cycle", limit.citation)
            )
    if terms.rest_leave is not None:
        rest = profile.number("rest_days_per_month_min")
        if terms.rest_leave.rest_days_per_month < rest.days:
            found.append(
                violation(
                    "R22",
                    f"每月休息日不得少于 {rest.value} 天（每周至少休息一日）",
                    "terms.rest_leave.rest_days_per_month",
                    rest.citation,
                )
            )
        above = profile.number("holiday_pay_multiplier_above")
        if terms.rest_leave.holiday_pay_multiplier <= Decimal(str(above.value)):
            found.append(
                violation(
                    "R22",
                    f"法定节假日工作的报酬倍数须高于 {above.value} 倍",
                    "terms.rest_leave.holiday_pay_multiplier",
                    above.citation,
                )
            )
    return found
