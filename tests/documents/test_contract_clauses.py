"""The contract's general clauses and three topic chapters say what the articles they cite say.

Reads the text of the rendered contract (HTML stripped of markup, and the PDF for the sample) the way a
bureau reviewer reads it: which article at signing, who files, how many copies, when it takes effect, how it is
published, on what grounds it may be varied, and the rest, deduction and insurance wording.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from negotiation.documents import document_kind
from negotiation.documents.html import render_html
from negotiation.documents.samples import sample_facts
from negotiation.rules import document_facts, document_rules, national_profile, profile_for_region
from tests.documents.conftest import cached_sample


def _context(sector: str, region_code: str = "610100") -> Any:
    facts = sample_facts("xian_express")
    case = {**facts["case"], "sector": sector, "region_code": region_code}
    profile = profile_for_region(region_code) if region_code.startswith("61") else national_profile()
    case["rules"] = document_rules(case["kind"], profile, region_code)
    registered = document_kind("contract")
    return registered.context.model_validate({"case": case, **{name: facts[name] for name in registered.facts}})


def _text(sector: str, region_code: str = "610100") -> str:
    return re.sub(r"<[^>]+>", "", render_html("contract", _context(sector, region_code)))


def _article(text: str, needle: str) -> str:
    """The article (第…条 … up to the next 第…条　) that contains needle."""
    parts = re.split(r"(?=第[一二三四五六七八九十百]+条　)", text)
    found = [p for p in parts if needle in p]
    assert found, f"no article says {needle!r}"
    return found[0]


@pytest.fixture(scope="module")
def express() -> str:
    return _text("express_delivery")


@pytest.fixture(scope="module")
def food() -> str:
    return _text("food_delivery")


def test_signing_cites_article_37_and_the_vote_article_36(express: str) -> None:
    clause = _article(express, "首席代表签字（《集体合同规定》第三十七条）")
    assert "半数以上同意后通过（《集体合同规定》第三十六条）" in clause


def test_filing_in_shaanxi_by_the_employer_side_in_three_copies_within_ten_days(express: str) -> None:
    # No Shaanxi rule letting the sector union file could be confirmed (negotiation/citations.py): art. 42 applies.
    clause = _article(express, "报送函")
    assert "签字之日起10日内" in clause
    assert "由乙方（企业方）" in clause and "一式三份" in clause and "行业工会" not in clause
    assert "报送函由甲乙双方首席代表共同签字" in clause
    assert "（《集体合同规定》第四十二条）" in clause


def test_filing_by_the_sector_union_where_the_profile_cites_a_rule_for_it() -> None:
    rule = {"value": "sector_union", "citation": "《某省集体合同审查办法》第六条", "text": ""}
    context = _context("express_delivery")
    facts = dict(document_facts(replace(profile_for_region("610100"), facts={
        **profile_for_region("610100").facts, "filing_party": rule})))  # fmt: skip
    case = context.case.model_copy(update={"rules": {**context.case.rules, "filing_party": facts["filing_party"]}})
    text = re.sub(r"<[^>]+>", "", render_html("contract", context.model_copy(update={"case": case})))
    clause = _article(text, "报送函")
    assert "由甲方（行业工会）" in clause and "一式三份" in clause and "签字之日起10日内" in clause
    assert "报送函由甲乙双方首席代表共同签字" in clause
    assert "《集体合同规定》第四十二条；《某省集体合同审查办法》第六条" in clause


def test_filing_outside_shaanxi_by_the_employer_side() -> None:
    text = _text("express_delivery", "320500")
    clause = _article(text, "日内，由乙方（企业方）")
    assert "一式三份" in clause and "（《集体合同规定》第四十二条）" in clause
    assert "行业工会" not in clause


def test_copies_add_up(express: str) -> None:
    clause = _article(express, "甲乙双方各执一份")
    assert "本合同一式五份" in clause and "三份" in clause


def test_effect_per_article_47(express: str) -> None:
    clause = _article(express, "即行生效")
    assert "自收到本合同文本之日起15日内未提出异议" in clause
    assert "《集体合同规定》第四十七条" in clause


def test_publication_promptly_per_article_48_and_ten_days_per_the_guide(express: str) -> None:
    clause = _article(express, "向全体适用企业的从业人员公布")
    assert "及时以适当形式向全体适用企业的从业人员公布（《集体合同规定》第四十八条）" in clause
    assert "10日内完成公布（《新就业形态劳动者权益协商指引》）" in clause
    assert not re.search(r"10日[^（]*（《集体合同规定》第四十八条", clause)


def test_variation_grounds_are_article_40s(express: str) -> None:
    clause = _article(express, "可以变更或者解除本合同")
    for ground in ("兼并、解散、破产", "不可抗力", "约定的变更或者解除条件出现", "法律、法规、规章规定的其他情形"):
        assert ground in clause
    assert "客观情况发生重大变化" not in clause  # 劳动合同法 art. 40's wording, not the collective-contract rule's
    assert "第四十条" in clause


@pytest.mark.parametrize("title", ["期限", "变更和解除", "履约监督", "违约责任", "争议处理", "附则"])
def test_general_chapters_present(express: str, title: str) -> None:
    assert re.search(rf"第[一二三四五六七八九十]+章　{title}", express)


def test_supervision_and_breach(express: str) -> None:
    supervision = _article(express, "履约监督检查小组")
    assert "每年至少开展一次" in supervision and "书面检查报告" in supervision
    assert "向甲方或者企业工会反映" in express
    breach = _article(express, "依法承担相应责任")
    assert "拒不纠正" in breach and "《中华人民共和国劳动合同法》第五十六条" in breach


def test_rest_weekly_for_employees_and_monthly_for_platform_workers(express: str) -> None:
    clause = _article(express, "每周至少休息")
    assert "每周至少休息一日（《中华人民共和国劳动法》第三十八条）" in clause
    assert "每月至少休息4日" in clause


def test_deductions_capped_per_wage_payment_rules(express: str) -> None:
    clause = _article(express, "当月报酬的20%")
    assert "不得低于当地月最低工资标准（《工资支付暂行规定》第十六条）" in clause
    assert "人工复核" in express and "申诉" in express


def test_express_employees_get_work_injury_insurance_not_the_platform_scheme(express: str) -> None:
    clause = _article(express, "工伤保险费")
    assert "《工伤保险条例》第二条" in clause
    assert "职业伤害保障" not in clause


def test_food_delivery_in_shaanxi_names_the_occupational_injury_scheme(food: str) -> None:
    clause = _article(food, "工伤保险费")
    assert "新就业形态就业人员职业伤害保障（《关于扩大新就业形态人员职业伤害保障试点的通知》）" in clause
    assert "外卖配送行业" in food


def test_ride_hailing_in_shaanxi_names_the_scheme_outside_shaanxi_not() -> None:
    assert "职业伤害保障（" in _text("ride_hailing")
    assert "职业伤害保障（" not in _text("ride_hailing", "320500")


def test_the_signed_pdf_says_it_too() -> None:
    text = cached_sample("contract").text
    for statement in ("《集体合同规定》第三十七条", "一式三份", "《集体合同规定》第四十七条", "《工伤保险条例》第二条"):
        assert statement in text
