"""R1–R4: who may sit at the table, every breach reported at once with its rule, citation and path."""

from __future__ import annotations

import dataclasses
import unicodedata

from negotiation.errors import Violation
from negotiation.model import Representative
from negotiation.rules import RULES, Profile, ProfileNumber, profile_for_region
from negotiation.states.guards import representative_violations

XIAN = profile_for_region("610100")


def rep(
    name: str, title: str = "代表", *, chief: bool = False, external: bool = False, delegated: bool = False
) -> Representative:
    return Representative(name=name, title=title, is_chief=chief, is_external=external, delegated_in_writing=delegated)


def workers(n: int = 3) -> list[Representative]:
    return [rep("李建国", "工会主席", chief=True)] + [rep(f"快递员{i}", "快递员代表") for i in range(1, n)]


def employers(n: int = 3) -> list[Representative]:
    return [rep("张伟", "法定代表人", chief=True)] + [rep(f"经理{i}", "人力资源经理") for i in range(1, n)]


def rules_of(found: list[Violation]) -> list[str | None]:
    return [v.rule for v in found]


def capped_profile(cap: int) -> Profile:
    numbers = dict(XIAN.numbers)
    numbers["reps_max_per_side"] = ProfileNumber(cap, "R1", "某省集体合同条例（每方不超过十人）")
    return dataclasses.replace(XIAN, numbers=numbers)


# R1 ------------------------------------------------------------------------------------------------


def test_three_representatives_per_side_with_valid_chiefs_pass_every_rule() -> None:
    assert representative_violations(workers(), employers(), XIAN) == []


def test_r1_each_side_needs_at_least_three_representatives() -> None:
    found = representative_violations(workers(2), employers(2), XIAN)
    r1 = [v for v in found if v.rule == "R1"]
    assert {v.path for v in r1} == {"worker_side", "employer_side"}
    assert all(v.citation == RULES["R1"].citation for v in r1)
    assert all("不得少于 3 人" in v.message for v in r1)


def test_r1_both_sides_must_have_equal_numbers() -> None:
    found = representative_violations(workers(4), employers(3), XIAN)
    assert rules_of(found) == ["R1"]
    assert "职工方 4 人，企业方 3 人" in found[0].message
    assert found[0].citation == RULES["R1"].citation


def test_r1_a_profile_may_cap_the_representatives_per_side() -> None:
    profile = capped_profile(10)
    assert representative_violations(workers(10), employers(10), profile) == []
    found = representative_violations(workers(11), employers(11), profile)
    assert rules_of(found) == ["R1", "R1"]
    assert {v.path for v in found} == {"worker_side", "employer_side"}
    assert all(v.citation == "某省集体合同条例（每方不超过十人）" for v in found)


def test_r1_the_national_default_has_no_cap_on_representatives() -> None:
    assert XIAN.number("reps_max_per_side").value is None
    assert representative_violations(workers(175), employers(175), XIAN) == []


def test_r1_the_same_person_listed_twice_on_one_side_is_refused_with_the_second_entry_as_path() -> None:
    side = [*workers(3), rep(" 快递员1 ")]
    found = representative_violations(side, employers(4), XIAN)
    assert rules_of(found) == ["R1"]
    assert found[0].path == "worker_side[3].name"


# R2 ------------------------------------------------------------------------------------------------


def test_r2_each_side_needs_exactly_one_chief_not_zero() -> None:
    side = [rep("甲"), rep("乙"), rep("丙")]
    found = representative_violations(side, employers(), XIAN)
    assert rules_of(found) == ["R2"]
    assert found[0].path == "worker_side"
    assert "现有 0 名" in found[0].message


def test_r2_each_side_needs_exactly_one_chief_not_two() -> None:
    side = [rep("张伟", "法定代表人", chief=True), rep("刘洋", "法定代表人", chief=True), rep("孙丽")]
    found = representative_violations(workers(), side, XIAN)
    assert rules_of(found) == ["R2"]
    assert found[0].path == "employer_side"
    assert "现有 2 名" in found[0].message


def test_r2_worker_chief_is_the_union_chair_or_holds_a_written_delegation() -> None:
    not_chair = [rep("李建国", "工会副主席", chief=True), *workers()[1:]]
    found = representative_violations(not_chair, employers(), XIAN)
    assert rules_of(found) == ["R2"]
    assert found[0].path == "worker_side[0].delegated_in_writing"
    assert "工会主席" in found[0].message
    assert found[0].citation == RULES["R2"].citation
    delegated = [rep("李建国", "工会副主席", chief=True, delegated=True), *workers()[1:]]
    assert representative_violations(delegated, employers(), XIAN) == []


def test_r2_employer_chief_is_the_legal_representative_or_holds_a_written_delegation() -> None:
    not_legal_rep = [rep("张伟", "协会会长", chief=True), *employers()[1:]]
    found = representative_violations(workers(), not_legal_rep, XIAN)
    assert rules_of(found) == ["R2"]
    assert found[0].path == "employer_side[0].delegated_in_writing"
    assert "法定代表人" in found[0].message
    delegated = [rep("张伟", "协会会长", chief=True, delegated=True), *employers()[1:]]
    assert representative_violations(workers(), delegated, XIAN) == []


def test_r2_the_office_of_one_side_does_not_qualify_a_chief_of_the_other() -> None:
    swapped = [rep("张伟", "工会主席", chief=True), *employers()[1:]]
    found = representative_violations(workers(), swapped, XIAN)
    assert rules_of(found) == ["R2"]


# R3 ------------------------------------------------------------------------------------------------


def test_r3_outside_experts_may_be_one_third_of_a_side() -> None:
    side = [*workers(2), rep("王律师", "律师", external=True)]
    assert representative_violations(side, employers(), XIAN) == []


def test_r3_outside_experts_above_one_third_of_a_side_are_refused() -> None:
    side = [*workers(2), rep("王律师", "律师", external=True), rep("赵教授", "劳动法学者", external=True)]
    found = representative_violations(side, employers(4), XIAN)
    assert rules_of(found) == ["R3"]
    assert found[0].path == "worker_side"
    assert found[0].citation == RULES["R3"].citation
    assert "外聘代表 2 人" in found[0].message


def test_r3_an_outside_expert_is_never_the_chief_even_with_a_written_delegation() -> None:
    side = [rep("王律师", "律师", chief=True, external=True, delegated=True), rep("刘洋"), rep("孙丽"), rep("周强")]
    found = representative_violations(workers(4), side, XIAN)
    assert rules_of(found) == ["R3"]
    assert found[0].path == "employer_side[0].is_external"


# R4 ------------------------------------------------------------------------------------------------


def test_r4_no_person_sits_on_both_sides() -> None:
    found = representative_violations(workers(), [*employers(2), rep("快递员1")], XIAN)
    assert rules_of(found) == ["R4"]
    assert found[0].path == "employer_side[2].name"
    assert found[0].citation == RULES["R4"].citation
    assert "快递员1" in found[0].message


def test_r4_compares_the_nfc_normalised_trimmed_name() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoë Li")
    assert decomposed != "Zoë Li"
    side_w = [*workers(2), rep("Zoë Li")]
    side_e = [*employers(2), rep(f"  {decomposed}\t")]
    found = representative_violations(side_w, side_e, XIAN)
    assert rules_of(found) == ["R4"]
    assert found[0].path == "employer_side[2].name"


def test_r4_a_cjk_compatibility_ideograph_is_the_same_person_as_its_unified_form() -> None:
    # U+F9B5 (例, compatibility) normalises to U+4F8B (例) under NFC.
    assert unicodedata.normalize("NFC", "\uf9b5") == "\u4f8b"
    found = representative_violations([*workers(2), rep("王\u4f8b")], [*employers(2), rep("王\uf9b5")], XIAN)
    assert rules_of(found) == ["R4"]


# all at once ---------------------------------------------------------------------------------------


def test_every_breach_of_r1_to_r4_is_reported_at_once_each_with_rule_citation_and_path() -> None:
    worker_side = [rep("李建国", "副主席", chief=True), rep("王律师", "律师", external=True)]
    employer_side = [
        rep("张伟", "法定代表人", chief=True),
        rep("张伟", "法定代表人", chief=True),
        rep("王律师", "律师"),
    ]
    found = representative_violations(worker_side, employer_side, XIAN)
    by_rule = {rule: [v for v in found if v.rule == rule] for rule in ("R1", "R2", "R3", "R4")}
    assert all(by_rule.values()), found
    assert {v.path for v in by_rule["R1"]} >= {"worker_side", "employer_side[1].name", None}
    assert {v.path for v in by_rule["R2"]} == {"worker_side[0].delegated_in_writing", "employer_side"}
    assert [v.path for v in by_rule["R3"]] == ["worker_side"]
    assert [v.path for v in by_rule["R4"]] == ["employer_side[2].name"]
    for v in found:
        assert v.rule is not None
        assert v.citation, v
        assert v.message
