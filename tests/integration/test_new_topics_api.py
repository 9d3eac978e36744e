"""The optional topics of issue 9 over HTTP: a case takes them, a draft below their floors is a 422 rule_violation
naming R22, the profile's citation and the field, a draft exactly at the floors is accepted."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, new_flow, nothing_changes

NEW_TERMS: dict[str, Any] = {
    "wage_standards": {"monthly_floor_cny": "3500", "applies_to": "all", "adjustment_basis": "provincial_guideline",
                       "review_month": 3, "min_increase_pct": "3"},
    "women_protection": {"maternity_leave_days": 120, "nursing_minutes_per_day": 90, "no_pay_cut_or_dismissal": True,
                         "annual_health_check": True, "menstrual_protections": ["不安排高处、低温、冷水作业"]},
    "skills_training": {"training_hours_year": 16, "training_paid_by": "enterprise", "certification_support": True,
                        "training_is_working_time": True},
    "contract_management": {"written_contract_days": 15, "classification_by_facts": True,
                            "service_agreement_published": True, "rules_notice_days": 7},
}  # fmt: skip
TOPICS = ["piece_rates", "pay_method", "rest_leave", *NEW_TERMS]


def _flow(world: World) -> Flow:
    flow = new_flow(world, topics=TOPICS)
    flow.to_consulting()
    return flow


def _terms(**changes: Any) -> dict[str, Any]:
    t = {**copy.deepcopy(TERMS), **copy.deepcopy(NEW_TERMS)}
    for dotted, value in changes.items():
        section, _, field = dotted.partition("__")
        t[section][field] = value
    return t


def _post(world: World, flow: Flow, t: dict[str, Any]) -> Any:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": t}
    return world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=body, headers=world.h("union"))


def test_a_case_takes_the_new_topics_and_a_draft_with_them_is_accepted(world: World) -> None:
    flow = _flow(world)
    assert flow.refresh()["topics"] == TOPICS
    r = _post(world, flow, _terms())
    assert r.status_code == 201, r.text
    assert r.json()["terms"]["women_protection"]["maternity_leave_days"] == 120
    assert r.json()["terms"]["wage_standards"]["monthly_floor_cny"] == "3500"


def test_a_case_with_a_new_topic_needs_its_section(world: World) -> None:
    flow = _flow(world)
    t = {k: v for k, v in _terms().items() if k != "skills_training"}
    expect_error(_post(world, flow, t), 422, "validation_error", paths={"terms.skills_training"})


@pytest.mark.parametrize(
    ("changes", "path", "citation"),
    [
        ({"wage_standards__monthly_floor_cny": "2159.99"}, "terms.wage_standards.monthly_floor_cny",
         "《劳动法》第四十八条；《劳动合同法》第五十五条"),
        ({"women_protection__maternity_leave_days": 97}, "terms.women_protection.maternity_leave_days",
         "《女职工劳动保护特别规定》第七条"),
        ({"women_protection__nursing_minutes_per_day": 59}, "terms.women_protection.nursing_minutes_per_day",
         "《女职工劳动保护特别规定》第九条"),
        ({"women_protection__no_pay_cut_or_dismissal": False}, "terms.women_protection.no_pay_cut_or_dismissal",
         "《女职工劳动保护特别规定》第五条"),
        ({"contract_management__written_contract_days": 31}, "terms.contract_management.written_contract_days",
         "《劳动合同法》第十条"),
    ],
    ids=["monthly_wage", "maternity_leave", "nursing_time", "pregnancy_protection", "written_contract"],
)  # fmt: skip
def test_a_draft_below_a_new_floor_is_a_rule_violation_with_rule_citation_and_path(
    world: World, services: Services, changes: dict[str, Any], path: str, citation: str
) -> None:
    flow = _flow(world)
    with nothing_changes(services.engine):
        r = _post(world, flow, _terms(**changes))
    violations = expect_error(r, 422, "rule_violation", rules={"R22"}, paths={path})
    assert [(v["path"], v["citation"]) for v in violations] == [(path, citation)]
    assert flow.refresh()["current_draft_version"] is None


def test_a_draft_exactly_at_the_new_floors_is_accepted(world: World) -> None:
    flow = _flow(world)
    t = _terms(
        wage_standards__monthly_floor_cny="2160",
        women_protection__maternity_leave_days=98,
        women_protection__nursing_minutes_per_day=60,
        contract_management__written_contract_days=30,
    )
    r = _post(world, flow, t)
    assert r.status_code == 201, r.text
    assert flow.refresh()["current_draft_version"] == 1


def test_a_case_of_the_original_topics_ignores_the_new_sections_floors_when_absent(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    assert not set(flow.refresh()["topics"]) & set(NEW_TERMS)
    r = _post(world, flow, copy.deepcopy(TERMS))
    assert r.status_code == 201, r.text
    assert not set(NEW_TERMS) & {k for k, v in r.json()["terms"].items() if v is not None}
