"""Cases over HTTP: creation, the list with its filters and cursor, one case, and who may see what (404, never 403)."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.integration.support import expect_error, new_flow, nothing_changes

CASE_KEYS = {
    "id", "title", "state", "version", "level", "sector", "region_code", "kind", "topics", "union_org_id",
    "employer_org_id", "bureau_org_id", "covered_enterprise_ids", "representatives", "current_draft_version",
    "deadlines", "allowed_events", "created_at", "updated_at",
}  # fmt: skip


def test_a_new_case_is_in_drafting_at_version_1_with_every_field_of_api_md(world: World) -> None:
    r = world.client.post("/api/v1/cases", json=world.case_body(), headers=world.h("union"))
    assert r.status_code == 201, r.text
    case = r.json()
    assert CASE_KEYS <= set(case)
    assert case["state"] == "drafting" and case["version"] == 1
    assert case["current_draft_version"] is None and case["deadlines"] == []
    assert case["covered_enterprise_ids"] == [world.orgs["ent1"], world.orgs["ent2"]]
    assert case["topics"] == ["piece_rates", "pay_method", "rest_leave"]
    assert case["allowed_events"] == ["propose", "withdraw"]
    assert world.client.get(f"/api/v1/cases/{case['id']}", headers=world.h("union")).json() == case


def test_creating_a_case_is_the_first_link_of_its_audit_chain(world: World) -> None:
    case = new_flow(world).case
    audit = world.client.get(f"/api/v1/cases/{case['id']}/audit", headers=world.h("union")).json()
    assert [(e["seq"], e["event"], e["from_state"], e["to_state"]) for e in audit] == [(1, "create_case", None, "drafting")]
    assert audit[0]["prev_hash"] == "0" * 64


@pytest.mark.parametrize("who", ["employer_body", "ent1", "bureau", "admin"])
def test_only_a_union_negotiator_opens_a_case(world: World, services: Services, who: str) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/cases", json=world.case_body(), headers=world.h(who))
    expect_error(r, 403, "forbidden")


def test_a_union_cannot_open_a_case_in_another_unions_name(world: World, services: Services) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/cases", json=world.case_body(), headers=world.h("other_union"))
    expect_error(r, 403, "forbidden")


@pytest.mark.parametrize(
    ("override", "path"),
    [
        ({"level": "national"}, "level"),
        ({"kind": "pension"}, "kind"),
        ({"topics": ["piece_rates", "holidays"]}, "topics[1]"),
        ({"topics": []}, "topics"),
        ({"region_code": "6101"}, "region_code"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"covered_enterprise_ids": ["1"]}, "covered_enterprise_ids[0]"),
        ({"union_org_id": 0}, "union_org_id"),
    ],
)
def test_a_case_body_that_does_not_fit_the_schema_is_refused_naming_the_field(
    world: World, services: Services, override: dict[str, Any], path: str
) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/cases", json=world.case_body(**override), headers=world.h("union"))
    expect_error(r, 422, "validation_error", paths={path})


@pytest.mark.parametrize(
    ("field", "org"), [("employer_org_id", "union"), ("bureau_org_id", "ent1"), ("covered_enterprise_ids", "bureau")]
)
def test_a_case_naming_an_organisation_of_the_wrong_kind_is_refused(
    world: World, services: Services, field: str, org: str
) -> None:
    value: Any = [world.orgs[org]] if field == "covered_enterprise_ids" else world.orgs[org]
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/cases", json=world.case_body(**{field: value}), headers=world.h("union"))
    expect_error(r, 422, "validation_error", paths={f"{field}[0]" if field == "covered_enterprise_ids" else field})


def test_a_case_in_a_region_no_profile_covers_is_refused_at_creation_r22(world: World, services: Services) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/cases", json=world.case_body(region_code="110100"), headers=world.h("union"))
    expect_error(r, 422, "rule_violation", rules={"R22"}, paths={"region_code"})


def _titles(world: World, who: str, query: str = "") -> list[str]:
    r = world.client.get(f"/api/v1/cases{query}", headers=world.h(who))
    assert r.status_code == 200, r.text
    return [c["title"] for c in r.json()["items"]]


def test_the_case_list_filters_by_state_sector_region_and_title(world: World) -> None:
    new_flow(world, title="西安快递计件单价协商", sector="express_delivery")
    new_flow(world, title="西安外卖骑手工时协商", sector="food_delivery")
    new_flow(world, title="咸阳网约车协商", sector="ride_hailing", region_code="610400")
    proposed = new_flow(world, title="西安货运协商", sector="freight")
    proposed.representatives()
    proposed.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高运价"})
    assert _titles(world, "union") == ["西安快递计件单价协商", "西安外卖骑手工时协商", "咸阳网约车协商", "西安货运协商"]
    assert _titles(world, "union", "?state=proposed") == ["西安货运协商"]
    assert _titles(world, "union", "?sector=food_delivery") == ["西安外卖骑手工时协商"]
    assert _titles(world, "union", "?region_code=610400") == ["咸阳网约车协商"]
    assert _titles(world, "union", "?q=西安") == ["西安快递计件单价协商", "西安外卖骑手工时协商", "西安货运协商"]
    assert _titles(world, "union", "?q=协商&state=drafting&region_code=610100") == [
        "西安快递计件单价协商",
        "西安外卖骑手工时协商",
    ]
    assert _titles(world, "union", "?q=100%") == []
    assert _titles(world, "union", "?state=in_force") == []


def test_the_case_list_pages_with_a_cursor_and_ends_with_a_null_cursor(world: World) -> None:
    ids = [new_flow(world, title=f"第{i}号案件").id for i in range(5)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = world.client.get(f"/api/v1/cases{query}", headers=world.h("union"))
        assert r.status_code == 200
        page = r.json()
        assert set(page) == {"items", "next_cursor"}
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 2
    assert seen == ids and pages == 3
    exact = world.client.get("/api/v1/cases?limit=5", headers=world.h("union")).json()
    assert len(exact["items"]) == 5 and exact["next_cursor"] is None
    default = world.client.get("/api/v1/cases", headers=world.h("union")).json()
    assert [c["id"] for c in default["items"]] == ids and default["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "path"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("limit=-1", "limit"), ("limit=abc", "limit"), ("cursor=999999", "cursor"),
     ("cursor=abc", "cursor"), ("cursor=-5", "cursor"), ("limit=99999999999999999999", "limit")],
)  # fmt: skip
def test_a_limit_outside_1_to_100_or_an_unknown_cursor_is_422(world: World, query: str, path: str) -> None:
    new_flow(world)
    r = world.client.get(f"/api/v1/cases?{query}", headers=world.h("union"))
    expect_error(r, 422, "validation_error", paths={path})


def test_limits_1_and_100_are_accepted(world: World) -> None:
    new_flow(world)
    for limit in (1, 100):
        assert world.client.get(f"/api/v1/cases?limit={limit}", headers=world.h("union")).status_code == 200


def test_the_list_shows_each_caller_only_the_cases_its_organisation_is_party_to(world: World) -> None:
    ours = new_flow(world, title="两家企业的案件")
    other = new_flow(world, title="只覆盖一家企业的案件", covered_enterprise_ids=[world.orgs["ent2"]])
    ids = {"union": {ours.id, other.id}, "employer_body": {ours.id, other.id}, "ent1": {ours.id}, "ent2": {ours.id, other.id},
           "bureau": {ours.id, other.id}, "admin": {ours.id, other.id}, "outsider": set(), "other_union": set(),
           "other_bureau": set()}  # fmt: skip
    for who, expected in ids.items():
        r = world.client.get("/api/v1/cases", headers=world.h(who))
        assert {c["id"] for c in r.json()["items"]} == expected, who


CASE_PATHS = ("", "/drafts", "/drafts/1", "/drafts/1/diff?against=1", "/drafts/1/comments", "/audit", "/meetings", "/documents")


@pytest.mark.parametrize("who", ["outsider", "other_union", "other_bureau"])
def test_a_case_the_caller_is_not_party_to_answers_404_everywhere(world: World, services: Services, who: str) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    flow.draft()
    for path in CASE_PATHS:
        r = world.client.get(f"/api/v1/cases/{flow.id}{path}", headers=world.h(who))
        expect_error(r, 404, "not_found")
    version = flow.refresh()["version"]
    with nothing_changes(services.engine):
        for path, body in (
            ("/events", {"event": "suspend", "expected_version": version, "data": {"reason": "x", "resume_on": "2027-01-01"}}),
            ("/drafts", {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": {}}),
            ("/drafts/1/comments", {"clause": "general", "body": "我们也有意见"}),
            ("/meetings", {"held_on": "2026-11-20", "location": "x", "chair_side": "worker", "recorder": "x"}),
        ):
            expect_error(world.client.post(f"/api/v1/cases/{flow.id}{path}", json=body, headers=world.h(who)), 404, "not_found")
        r = world.client.put(
            f"/api/v1/cases/{flow.id}/representatives",
            json={"expected_version": version, "worker_side": [], "employer_side": []},
            headers=world.h(who),
        )
        expect_error(r, 404, "not_found")


def test_a_hidden_case_and_a_missing_case_answer_the_same(world: World) -> None:
    flow = new_flow(world)
    hidden = world.client.get(f"/api/v1/cases/{flow.id}", headers=world.h("outsider"))
    missing = world.client.get("/api/v1/cases/987654", headers=world.h("outsider"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert hidden.json()["error"]["message"].replace(str(flow.id), "N") == missing.json()["error"]["message"].replace(
        "987654", "N"
    )


@pytest.mark.parametrize("who", ["union", "employer_body", "ent1", "ent2", "bureau", "admin"])
def test_every_party_and_the_admin_see_the_case_and_its_records(world: World, who: str) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    flow.draft()
    for path in CASE_PATHS:
        r = world.client.get(f"/api/v1/cases/{flow.id}{path}", headers=world.h(who))
        assert r.status_code == 200, (path, r.text)


def test_allowed_events_are_computed_for_the_caller(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    allowed = {who: flow.refresh(who)["allowed_events"] for who in ("union", "employer_body", "ent1", "bureau", "admin")}
    assert set(allowed["union"]) == {"suspend", "submit_draft", "withdraw"}
    assert allowed["employer_body"] == ["suspend"]
    assert allowed["ent1"] == [] and allowed["bureau"] == [] and allowed["admin"] == []
