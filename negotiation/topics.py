"""The bargaining topics, defined once: each topic's key, Chinese title, terms model, legal floors and chapter.

`TOPIC_REGISTRY` is the vocabulary of topics. Everything else is derived from it: the `Terms` model and
`TOPIC_TITLES` (negotiation/terms.py), the `topics` of a new case (negotiation/commands.py), the order and titles
of the contract's chapters (the Jinja global ``topic_registry``), the review pages' clause titles and field labels.
Its order is the order of the chapters in the contract. The wording of a chapter is in its template,
``contract_templates/contract/topics/<key>.html``. README.md "Add a topic" says what to write for a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from pydantic.fields import FieldInfo

from negotiation.errors import Violation
from negotiation.formats import Count, Money, Name, Quantity, ShortName
from negotiation.rules import Profile, violation
from negotiation.vocabularies import Words

__all__ = [
    "PAY_CYCLE_DAYS",
    "TOPIC_REGISTRY",
    "FloorContext",
    "Section",
    "Topic",
    "field_titles",
    "field_vocabularies",
    "models_in",
    "term_fields",
    "topic_owning",
]

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


@dataclass(frozen=True)
class FloorContext:
    """What a topic's floors compare the terms with: the jurisdiction profile and the case's region."""

    profile: Profile
    region_code: str


# A topic's floors: (its section, the whole terms, the context) → one violation per term below a floor.
Floors = Callable[[Any, Any, FloorContext], list[Violation]]
# A topic's schema-level check of the whole terms (a validation error, no rule), run when the topic is present.
Check = Callable[[Any], list[Violation]]


class Section(BaseModel):
    """A topic's section of the terms (or a part of one): closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # The fields that say which item this is, for an item of a list (the draft diff matches items by them and a
    # draft holds each at most once: negotiation/item_identity.py); empty: items of its list compare by value.
    identity: ClassVar[tuple[str, ...]] = ()


# --- the sections' models; each field's title is its Chinese label on the review pages ---------------------------


class Supplement(Section):
    identity = ("condition",)

    condition: Annotated[ShortName, Words("conditions")] = Field(title="补贴条件")
    amount_cny: Money = Field(title="补贴")


class PieceRate(Section):
    identity = ("service", "unit")

    service: Annotated[ShortName, Words("services")] = Field(title="服务项目")
    unit: Annotated[ShortName, Words("units")] = Field(title="计件单位")
    rate_cny: Money = Field(title="计件单价")
    supplements: list[Supplement] = Field(default_factory=list, max_length=10, title="补贴")


class OrderAllocation(Section):
    rules_published: StrictBool = Field(title="公开派单规则")
    change_notice_days: Count = Field(title="规则变更提前通知天数")
    refusals_without_penalty_per_day: Count = Field(title="每日可无责拒单次数")


Cycle = Literal["daily", "weekly", "biweekly", "semimonthly", "monthly", "quarterly", "yearly"]
Payer = Literal["platform", "enterprise", "shared", "worker"]


class PayMethod(Section):
    cycle: Annotated[Cycle, Words("cycles")] = Field(title="支付周期")
    pay_day: int = Field(ge=1, le=31, strict=True, title="支付日")
    max_commission_pct: Quantity = Field(title="抽成上限（%）")
    itemised_statement: StrictBool = Field(title="提供报酬明细")


class WorkingHours(Section):
    max_continuous_minutes: int = Field(ge=1, le=1440, strict=True, title="最长连续接单时间（分钟）")
    min_break_minutes: int = Field(ge=0, le=1440, strict=True, title="强制休息时间（分钟）")
    max_daily_hours: int = Field(ge=1, le=24, strict=True, title="每日最长工作时间（小时）")


class RestLeave(Section):
    rest_days_per_month: int = Field(ge=0, le=31, strict=True, title="每月休息日（天）")
    holiday_pay_multiplier: Quantity = Field(title="节假日报酬倍数")


class LabourProtection(Section):
    equipment: list[Name] = Field(default_factory=list, max_length=50, title="劳动防护用品")
    heat_allowance_cny_month: Money = Field(title="高温津贴（每月）")
    safety_training_hours_year: Count = Field(title="每年安全培训（学时）")


class InsuranceWelfare(Section):
    occupational_injury: StrictBool = Field(title="职业伤害保障")
    accident_cover_cny: Money = Field(title="意外伤害保险金额")
    premium_paid_by: Annotated[Payer, Words("payers")] = Field(title="保险费承担方")


class RewardsPenalties(Section):
    max_deduction_cny: Money = Field(title="单次最高扣款")
    appeal_days: Count = Field(title="申诉期限（天）")
    human_review_required: StrictBool = Field(title="处罚须经人工复核")


AdjustmentBasis = Literal["provincial_guideline", "minimum_wage_change", "enterprise_performance"]
WorkerGroup = Literal["all", "employees", "platform_workers", "dispatched"]


class WageStandards(Section):
    monthly_floor_cny: Money = Field(title="行业月最低工资标准")
    applies_to: Annotated[WorkerGroup, Words("worker_groups")] = Field(title="适用人员")
    adjustment_basis: Annotated[AdjustmentBasis, Words("adjustment_bases")] = Field(title="年度工资调整依据")
    review_month: int = Field(ge=1, le=12, strict=True, title="每年工资调整协商月份")
    min_increase_pct: Quantity = Field(title="年度工资最低增幅（%）")


class WomenProtection(Section):
    maternity_leave_days: Count = Field(title="产假（天）")
    nursing_minutes_per_day: Count = Field(title="每日哺乳时间（分钟）")
    no_pay_cut_or_dismissal: StrictBool = Field(title="孕期、产期、哺乳期不降低工资、不解除合同")
    annual_health_check: StrictBool = Field(title="每年女职工健康检查")
    menstrual_protections: list[Name] = Field(default_factory=list, max_length=20, title="经期保护措施")


class SkillsTraining(Section):
    training_hours_year: Count = Field(title="每年职业技能培训（学时）")
    training_paid_by: Annotated[Payer, Words("payers")] = Field(title="培训费用承担方")
    certification_support: StrictBool = Field(title="支持取得职业技能证书")
    training_is_working_time: StrictBool = Field(title="培训时间计入工作时间")


class ContractManagement(Section):
    written_contract_days: Count = Field(title="自用工之日起订立书面劳动合同期限（天）")
    classification_by_facts: StrictBool = Field(title="按实际用工事实确定用工关系类型")
    service_agreement_published: StrictBool = Field(title="公示平台服务协议文本")
    rules_notice_days: Count = Field(title="劳动规则变更提前公示天数")


# --- the floors (R22) of the topics that have one -----------------------------------------------------------------


def _piece_rate_floors(rates: list[PieceRate], terms: Any, ctx: FloorContext) -> list[Violation]:
    wage = ctx.profile.minimum_wage(ctx.region_code)
    units = terms.expected_units_per_hour
    if units is None or wage is None:
        return []
    found: list[Violation] = []
    for i, rate in enumerate(rates):
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
    return found


def _hourly_volume_given(terms: Any) -> list[Violation]:
    if terms.expected_units_per_hour is not None:
        return []
    message = "列明计件单价时须同时给出每小时预计完成单量，用于核对最低工资"
    return [Violation(None, message, None, "terms.expected_units_per_hour")]


def _pay_method_floors(pay: PayMethod, terms: Any, ctx: FloorContext) -> list[Violation]:
    limit = ctx.profile.number("pay_cycle_max_days")
    if PAY_CYCLE_DAYS[pay.cycle] > limit.days:
        return [violation("R22", "劳动报酬至少每月支付一次，支付周期不得长于一个月", "terms.pay_method.cycle", limit.citation)]
    return []


def _rest_leave_floors(rest: RestLeave, terms: Any, ctx: FloorContext) -> list[Violation]:
    found: list[Violation] = []
    days = ctx.profile.number("rest_days_per_month_min")
    if rest.rest_days_per_month < days.days:
        message = f"每月休息日不得少于 {days.value} 天（每周至少休息一日）"
        found.append(violation("R22", message, "terms.rest_leave.rest_days_per_month", days.citation))
    above = ctx.profile.number("holiday_pay_multiplier_above")
    if rest.holiday_pay_multiplier <= Decimal(str(above.value)):
        message = f"法定节假日工作的报酬倍数须高于 {above.value} 倍"
        found.append(violation("R22", message, "terms.rest_leave.holiday_pay_multiplier", above.citation))
    return found


def _wage_standards_floors(wages: WageStandards, terms: Any, ctx: FloorContext) -> list[Violation]:
    wage = ctx.profile.minimum_wage(ctx.region_code)
    if wage is None:
        return []
    ratio = ctx.profile.number("sector_monthly_wage_min_ratio")
    least = wage.monthly_cny * Decimal(str(ratio.value))
    if wages.monthly_floor_cny < least:
        message = (
            f"行业月最低工资标准 ¥{wages.monthly_floor_cny} 低于当地{wage.wage_class}月最低工资标准 ¥{wage.monthly_cny}"
            f"（{wage.source}）"
        )
        return [violation("R22", message, "terms.wage_standards.monthly_floor_cny", ratio.citation)]
    return []


def _women_protection_floors(women: WomenProtection, terms: Any, ctx: FloorContext) -> list[Violation]:
    found: list[Violation] = []
    leave = ctx.profile.number("maternity_leave_days_min")
    if women.maternity_leave_days < leave.days:
        message = f"女职工生育享受的产假不得少于 {leave.value} 天"
        found.append(violation("R22", message, "terms.women_protection.maternity_leave_days", leave.citation))
    nursing = ctx.profile.number("nursing_minutes_per_day_min")
    if women.nursing_minutes_per_day < nursing.days:
        message = f"哺乳期女职工每天的哺乳时间不得少于 {nursing.value} 分钟（1小时）"
        found.append(violation("R22", message, "terms.women_protection.nursing_minutes_per_day", nursing.citation))
    protected = ctx.profile.number("pregnancy_pay_and_job_protected")
    if protected.value and not women.no_pay_cut_or_dismissal:
        message = "不得因女职工怀孕、生育、哺乳降低其工资或者与其解除劳动合同，本条须约定为“是”"
        found.append(violation("R22", message, "terms.women_protection.no_pay_cut_or_dismissal", protected.citation))
    return found


def _contract_management_floors(mgmt: ContractManagement, terms: Any, ctx: FloorContext) -> list[Violation]:
    limit = ctx.profile.number("written_contract_max_days")
    if mgmt.written_contract_days > limit.days:
        message = f"已建立劳动关系的，应当自用工之日起一个月（{limit.value} 日）内订立书面劳动合同"
        return [violation("R22", message, "terms.contract_management.written_contract_days", limit.citation)]
    return []


# --- the registry -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    """One bargaining topic: its key in the terms, its title, the model of its section and what checks it."""

    key: str
    title: str
    model: type[Section]
    _: KW_ONLY
    # The terms fields this topic fills in, with example values: the sample documents show them, and a test renders
    # the chapter template with them.
    example: Mapping[str, Any]
    floors: Floors | None = None
    check: Check | None = None
    # The section is a list of `model` with at most this many items (None: a single `model`).
    max_items: int | None = None
    # Further fields of the terms that belong to this topic, placed right after its section: name → (type, Field).
    extra_fields: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def template(self) -> str:
        """The chapter template, relative to contract_templates/ (an override folder may replace it)."""
        return f"contract/topics/{self.key}.html"


TOPIC_REGISTRY: tuple[Topic, ...] = (
    Topic(
        "piece_rates",
        "行业计件单价",
        PieceRate,
        floors=_piece_rate_floors,
        check=_hourly_volume_given,
        max_items=100,
        extra_fields={"expected_units_per_hour": (Quantity | None, Field(default=None, title="每小时预计单量"))},
        example={
            "piece_rates": [
                {
                    "service": "parcel_delivery",
                    "unit": "parcel",
                    "rate_cny": "1.20",
                    "supplements": [
                        {"condition": "night", "amount_cny": "0.50"},
                        {"condition": "bad_weather", "amount_cny": "0.30"},
                    ],
                },
                {
                    "service": "parcel_pickup",
                    "unit": "parcel",
                    "rate_cny": "1.20",
                    "supplements": [{"condition": "peak", "amount_cny": "0.20"}],
                },
                {
                    "service": "bulky_parcel_delivery",
                    "unit": "parcel",
                    "rate_cny": "3.50",
                    "supplements": [
                        {"condition": "distance", "amount_cny": "1.00"},
                        {"condition": "holiday", "amount_cny": "1.50"},
                    ],
                },
            ],
            "expected_units_per_hour": "18",
        },
    ),
    Topic(
        "order_allocation",
        "订单分配",
        OrderAllocation,
        example={"order_allocation": {"rules_published": True, "change_notice_days": 30, "refusals_without_penalty_per_day": 3}},
    ),
    Topic(
        "pay_method",
        "报酬支付办法",
        PayMethod,
        floors=_pay_method_floors,
        example={"pay_method": {"cycle": "monthly", "pay_day": 10, "max_commission_pct": "15", "itemised_statement": True}},
    ),
    Topic(
        "working_hours",
        "工作时间",
        WorkingHours,
        example={"working_hours": {"max_continuous_minutes": 240, "min_break_minutes": 20, "max_daily_hours": 8}},
    ),
    Topic(
        "rest_leave",
        "休息休假",
        RestLeave,
        floors=_rest_leave_floors,
        example={"rest_leave": {"rest_days_per_month": 4, "holiday_pay_multiplier": "3"}},
    ),
    Topic(
        "labour_protection",
        "劳动保护",
        LabourProtection,
        example={
            "labour_protection": {
                "equipment": ["安全头盔", "雨衣", "手套", "防寒服"],
                "heat_allowance_cny_month": "300",
                "safety_training_hours_year": 8,
            }
        },
    ),
    Topic(
        "insurance_welfare",
        "保险福利",
        InsuranceWelfare,
        example={
            "insurance_welfare": {"occupational_injury": True, "accident_cover_cny": "600000", "premium_paid_by": "platform"}
        },
    ),
    Topic(
        "rewards_penalties",
        "奖惩制度",
        RewardsPenalties,
        example={"rewards_penalties": {"max_deduction_cny": "50", "appeal_days": 7, "human_review_required": True}},
    ),
    Topic(
        "wage_standards",
        "工资标准与调整",
        WageStandards,
        floors=_wage_standards_floors,
        example={
            "wage_standards": {
                "monthly_floor_cny": "3500",
                "applies_to": "all",
                "adjustment_basis": "provincial_guideline",
                "review_month": 3,
                "min_increase_pct": "3",
            }
        },
    ),
    Topic(
        "women_protection",
        "女职工特殊保护",
        WomenProtection,
        floors=_women_protection_floors,
        example={
            "women_protection": {
                "maternity_leave_days": 98,
                "nursing_minutes_per_day": 60,
                "no_pay_cut_or_dismissal": True,
                "annual_health_check": True,
                "menstrual_protections": ["不安排高处、低温、冷水作业"],
            }
        },
    ),
    Topic(
        "skills_training",
        "职业技能培训",
        SkillsTraining,
        example={
            "skills_training": {
                "training_hours_year": 16,
                "training_paid_by": "enterprise",
                "certification_support": True,
                "training_is_working_time": True,
            }
        },
    ),
    Topic(
        "contract_management",
        "劳动合同管理",
        ContractManagement,
        floors=_contract_management_floors,
        example={
            "contract_management": {
                "written_contract_days": 30,
                "classification_by_facts": True,
                "service_agreement_published": True,
                "rules_notice_days": 7,
            }
        },
    ),
)


# --- what the registry's models say about their fields (labels and vocabularies, read by the review pages) --------


def models_in(annotation: Any) -> list[type[Section]]:
    """The section models an annotation names (`PieceRate` in `list[PieceRate] | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return [annotation]
    return [m for arg in get_args(annotation) for m in models_in(arg)]


def term_fields() -> list[tuple[str, FieldInfo]]:
    """Every field of every topic's model (nested models included) and the topics' extra fields, by name."""
    found: list[tuple[str, FieldInfo]] = []
    seen: set[type[Section]] = set()
    todo: list[type[Section]] = [t.model for t in TOPIC_REGISTRY]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.add(model)
        for name, info in model.model_fields.items():
            found.append((name, info))
            todo.extend(models_in(info.annotation))
    for topic in TOPIC_REGISTRY:
        for name, (annotation, info) in topic.extra_fields.items():
            found.append((name, info if isinstance(info, FieldInfo) else FieldInfo.from_annotation(annotation)))
    return found


def field_titles() -> dict[str, str]:
    """Field name → its Chinese title, over all topics (a field name means the same wherever it occurs)."""
    return {name: info.title for name, info in term_fields() if info.title is not None}


def field_vocabularies() -> dict[str, str]:
    """Field name → the vocabulary its values come from (its `Words` marker)."""
    return {name: m.name for name, info in term_fields() for m in info.metadata if isinstance(m, Words)}


def topic_owning(field_name: str) -> str | None:
    """The topic a top-level field of the terms belongs to: its own section or one of its extra fields."""
    for topic in TOPIC_REGISTRY:
        if field_name == topic.key or field_name in topic.extra_fields:
            return topic.key
    return None
