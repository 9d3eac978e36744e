"""The four optional topics of issue 9: their models refuse bad values, their floors (R22) hold at the legal number
read from the profile and fail one below it, with the rule, the profile's citation and the field's path."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from negotiation.documents.html import render_html
from negotiation.documents.samples import sample_context
from negotiation.errors import Violation
from negotiation.rules import national_profile, profile_for_region
from negotiation.terms import Terms, floor_violations
from negotiation.topics import TOPIC_REGISTRY

NEW = ("wage_standards", "women_protection", "skills_training", "contract_management")
XIAN = "610100"
EXAMPLES: dict[str, dict[str, Any]] = {t.key: dict(t.example[t.key]) for t in TOPIC_REGISTRY if t.key in NEW}


def _violations(key: str, region: str = XIAN, **changes: Any) -> list[Violation]:
    section = {**copy.deepcopy(EXAMPLES[key]), **changes}
    terms = Terms.model_validate({key: section})
    return floor_violations(
        terms, term_start=date(2027, 1, 1), term_end=date(2028, 12, 31), profile=profile_for_region(region),
        region_code=region,
    )  # fmt: skip


def test_the_four_topics_are_in_the_registry_after_the_original_eight() -> None:
    keys = [t.key for t in TOPIC_REGISTRY]
    assert keys[-4:] == list(NEW)
    titles = {t.key: t.title for t in TOPIC_REGISTRY}
    assert [titles[k] for k in NEW] == ["工资标准与调整", "女职工特殊保护", "职业技能培训", "劳动合同管理"]


@pytest.mark.parametrize("key", NEW)
def test_each_example_passes_the_floors(key: str) -> None:
    assert _violations(key) == []


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        ("wage_standards", "review_month", 13),
        ("wage_standards", "review_month", 0),
        ("wage_standards", "applies_to", "everyone"),
        ("wage_standards", "adjustment_basis", "mood"),
        ("wage_standards", "min_increase_pct", "-1"),
        ("women_protection", "maternity_leave_days", -1),
        ("women_protection", "no_pay_cut_or_dismissal", "yes"),
        ("skills_training", "training_paid_by", "nobody"),
        ("skills_training", "training_hours_year", "16"),
        ("contract_management", "written_contract_days", 1.5),
    ],
)
def test_the_models_refuse_values_outside_their_types(key: str, field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        Terms.model_validate({key: {**EXAMPLES[key], field: value}})


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        Terms.model_validate({"skills_training": {**EXAMPLES["skills_training"], "bonus": 1}})


def test_the_legal_numbers_come_from_the_national_profile_with_their_citations() -> None:
    numbers = national_profile().numbers
    assert (numbers["maternity_leave_days_min"].value, numbers["maternity_leave_days_min"].citation) == (
        98, "《女职工劳动保护特别规定》第七条")  # fmt: skip
    assert (numbers["nursing_minutes_per_day_min"].value, numbers["nursing_minutes_per_day_min"].citation) == (
        60, "《女职工劳动保护特别规定》第九条")  # fmt: skip
    assert numbers["pregnancy_pay_and_job_protected"].citation == "《女职工劳动保护特别规定》第五条"
    assert (numbers["written_contract_max_days"].value, numbers["written_contract_max_days"].citation) == (
        30, "《劳动合同法》第十条")  # fmt: skip
    assert numbers["sector_monthly_wage_min_ratio"].citation == "《劳动法》第四十八条；《劳动合同法》第五十五条"
    assert all(numbers[k].rule == "R22" for k in ("maternity_leave_days_min", "written_contract_max_days"))


def _only(found: list[Violation]) -> Violation:
    assert len(found) == 1, found
    assert found[0].rule == "R22"
    return found[0]


# --- wage_standards: the sector monthly floor against the region's monthly minimum wage ---------------------------


@given(st.integers(min_value=-500, max_value=500))
def test_the_monthly_wage_floor_holds_at_the_regions_minimum_and_fails_below(offset: int) -> None:
    wage = profile_for_region(XIAN).minimum_wage(XIAN)
    assert wage is not None and wage.monthly_cny == Decimal("2160")
    amount = wage.monthly_cny + offset
    found = _violations("wage_standards", monthly_floor_cny=str(amount))
    if offset >= 0:
        assert found == []
    else:
        v = _only(found)
        assert v.path == "terms.wage_standards.monthly_floor_cny"
        assert v.citation == "《劳动法》第四十八条；《劳动合同法》第五十五条"
        assert "¥2160" in v.message and "月最低工资标准" in v.message


def test_a_profile_without_minimum_wage_data_has_no_wage_floor_to_check() -> None:
    terms = Terms.model_validate({"wage_standards": {**EXAMPLES["wage_standards"], "monthly_floor_cny": "1"}})
    found = floor_violations(
        terms, term_start=date(2027, 1, 1), term_end=date(2028, 12, 31), profile=national_profile(), region_code="110000"
    )
    assert found == []
    assert _violations("wage_standards", monthly_floor_cny="1") != []


# --- women_protection ---------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=400))
def test_maternity_leave_of_98_days_passes_and_one_day_less_fails(days: int) -> None:
    found = _violations("women_protection", maternity_leave_days=days)
    if days >= 98:
        assert found == []
    else:
        v = _only(found)
        assert v.path == "terms.women_protection.maternity_leave_days"
        assert v.citation == "《女职工劳动保护特别规定》第七条" and "98" in v.message


@given(st.integers(min_value=0, max_value=240))
def test_a_nursing_hour_a_day_passes_and_less_fails(minutes: int) -> None:
    found = _violations("women_protection", nursing_minutes_per_day=minutes)
    if minutes >= 60:
        assert found == []
    else:
        v = _only(found)
        assert v.path == "terms.women_protection.nursing_minutes_per_day"
        assert v.citation == "《女职工劳动保护特别规定》第九条"


def test_pay_cuts_or_dismissal_for_pregnancy_cannot_be_agreed() -> None:
    v = _only(_violations("women_protection", no_pay_cut_or_dismissal=False))
    assert v.path == "terms.women_protection.no_pay_cut_or_dismissal"
    assert v.citation == "《女职工劳动保护特别规定》第五条"


def test_every_women_protection_floor_fails_at_once() -> None:
    found = _violations("women_protection", maternity_leave_days=90, nursing_minutes_per_day=30, no_pay_cut_or_dismissal=False)
    assert [v.path.rsplit(".", 1)[1] for v in found if v.path] == [
        "maternity_leave_days", "nursing_minutes_per_day", "no_pay_cut_or_dismissal"]  # fmt: skip


# --- contract_management ------------------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=400))
def test_a_written_contract_within_a_month_passes_and_later_fails(days: int) -> None:
    found = _violations("contract_management", written_contract_days=days)
    if days <= 30:
        assert found == []
    else:
        v = _only(found)
        assert v.path == "terms.contract_management.written_contract_days"
        assert v.citation == "《劳动合同法》第十条"


def test_skills_training_has_no_legal_floor() -> None:
    assert _violations("skills_training", training_hours_year=0) == []


# --- the chapters in the sample contract ----------------------------------------------------------------------------


def test_the_sample_contract_states_the_new_chapters_clauses_with_their_citations() -> None:
    html = render_html("contract", sample_context("contract", "xian_express"))
    for expected in (
        "<h2>第十章\u3000工资标准与调整</h2>",
        "月劳动报酬不得低于",
        "以本省当年发布的工资指导线为依据",
        "女职工生育享受产假98天",
        "不少于60分钟的哺乳时间",
        "《女职工劳动保护特别规定》第七条",
        "《女职工劳动保护特别规定》第九条",
        "《女职工劳动保护特别规定》第五条",
        "不安排高处、低温、冷水作业",
        "每人每年不少于16学时，费用由用工企业承担，不得从劳动者报酬中扣除；培训时间计入工作时间",
        "自用工之日起30日内与劳动者订立书面劳动合同（《劳动合同法》第十条）",
        "至少提前7日向劳动者公示",
    ):
        assert expected in html, expected
