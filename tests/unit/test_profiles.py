"""Jurisdiction profiles as data: the Shaanxi minimum wage, regions no profile covers, and a citation for every number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from negotiation.errors import RuleViolation
from negotiation.rules import RULES, Profile, national_profile, profile_for_region

SHAANXI = profile_for_region("610100")


@pytest.mark.parametrize(
    ("region", "wage_class", "monthly", "hourly"),
    [("610100", "一类", "2160", "21"), ("610112", "一类", "2160", "21")],
)
def test_shaanxi_minimum_wage_class_one_for_xian_districts(region: str, wage_class: str, monthly: str, hourly: str) -> None:
    wage = SHAANXI.minimum_wage(region)
    assert wage is not None
    assert (wage.wage_class, wage.monthly_cny, wage.hourly_cny) == (wage_class, Decimal(monthly), Decimal(hourly))
    assert wage.verified is True and wage.note is None


def test_shaanxi_minimum_wage_has_the_three_classes_as_published_from_2023_05_01() -> None:
    table = SHAANXI.minimum_wage_table
    assert table is not None
    assert table["classes"] == {
        "一类": {"monthly_cny": "2160", "hourly_cny": "21"},
        "二类": {"monthly_cny": "2050", "hourly_cny": "20"},
        "三类": {"monthly_cny": "1950", "hourly_cny": "19"},
    }
    assert table["effective_from"] == "2023-05-01"
    assert "陕西省人民政府" in table["source"] and "2023年5月1日" in table["source"]


def test_shaanxi_minimum_wage_carries_its_source_and_effective_date() -> None:
    wage = SHAANXI.minimum_wage("610100")
    assert wage is not None
    assert wage.effective_from == "2023-05-01"
    assert wage.source.startswith("陕西省人民政府")


def test_a_shaanxi_region_whose_class_is_not_entered_falls_back_to_class_three_unverified() -> None:
    wage = SHAANXI.minimum_wage("610800")  # 榆林市
    assert wage is not None
    assert (wage.wage_class, wage.monthly_cny, wage.hourly_cny, wage.verified) == ("三类", 1950, 19, False)
    assert wage.note is not None and "三类" in wage.note


@pytest.mark.parametrize("region", ["110100", "310000", "440300", "620100"])
def test_a_region_outside_every_profile_is_a_rule_violation_never_a_skipped_check(region: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        profile_for_region(region)
    [found] = caught.value.violations
    assert (found.rule, found.path) == ("R22", "region_code")
    assert found.citation == RULES["R22"].citation
    assert region in found.message


def test_shaanxi_inherits_every_national_number() -> None:
    assert set(national_profile().numbers) <= set(SHAANXI.numbers)
    assert SHAANXI.number("reply_days").days == 20
    assert SHAANXI.number("review_days").days == 15
    assert SHAANXI.number("filing_days").days == 10
    assert SHAANXI.number("filing_days_wage").days == 7


@pytest.mark.parametrize("profile", [national_profile(), SHAANXI], ids=["national", "shaanxi"])
def test_every_profile_number_has_a_citation_and_a_known_rule(profile: Profile) -> None:
    numbers = profile.numbers
    assert numbers
    for key, number in numbers.items():
        assert number.citation.strip(), key
        assert number.rule is None or number.rule in RULES, key


def test_the_legal_fractions_are_exact() -> None:
    from fractions import Fraction

    assert SHAANXI.number("quorum_fraction").fraction == Fraction(2, 3)
    assert SHAANXI.number("threshold_fraction").fraction == Fraction(1, 2)
    assert SHAANXI.number("external_max_fraction").fraction == Fraction(1, 3)


def test_every_rule_r1_to_r24_exists_with_a_title_and_a_citation() -> None:
    for n in range(1, 25):
        rule = RULES[f"R{n}"]
        assert rule.id == f"R{n}"
        assert rule.title.strip() and rule.citation.strip()
    assert RULES["legibility"].citation


@pytest.mark.parametrize(
    ("rule", "article"),
    [("R1", "第十九条"), ("R6", "第三十二条"), ("R10", "第三十六条"), ("R11", "第三十六条"), ("R13", "第四十二条"),
     ("R15", "第四十七条"), ("R18", "第三十八条"), ("R22", "《劳动合同法》第五十五条")],
)  # fmt: skip
def test_rule_citations_name_the_article_of_docs_domain(rule: str, article: str) -> None:
    assert article in RULES[rule].citation
