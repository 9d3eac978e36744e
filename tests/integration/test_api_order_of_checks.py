"""api.md's order of checks (401 → 404 → 422 envelope → 403 → 409 version → 409 transition → 422 data → 422 rule),
and the representatives endpoint with R1–R4."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import EMPLOYERS, TERMS, WORKERS, Flow
from tests.integration.support import expect_error, new_flow, nothing_changes


def _event(world: World, flow: Flow, who: str | None, body: Any) -> Any:
    headers = world.h(who) if who else {}
    if isinstance(body, (bytes, str)):
        return world.client.post(
            f"/api/v1/cases/{flow.id}/events", content=body, headers={**headers, "Content-Type": "application/json"}
        )
    return world.client.post(f"/api/v1/cases/{flow.id}/events", json=body, headers=headers)


def test_no_token_and_malformed_json_is_401(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        expect_error(_event(world, flow, None, b"{not json"), 401, "unauthenticated")
        r = world.client.post("/api/v1/cases/999999/events", content=b"{", headers={"Authorization": "Bearer wrong"})
        expect_error(r, 401, "unauthenticated")
        r = world.client.post("/api/v1/cases", content=b"x" * (1024 * 1024 + 10))
        expect_error(r, 401, "unauthenticated")


def test_an_invisible_case_with_a_bad_envelope_is_404(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        expect_error(_event(world, flow, "outsider", {"event": 5, "expected_version": "x"}), 404, "not_found")
        expect_error(_event(world, flow, "other_union", b"{broken"), 404, "not_found")
        r = world.client.put(f"/api/v1/cases/{flow.id}/representatives", content=b"[", headers=world.h("other_bureau"))
        expect_error(r, 404, "not_found")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"event": "propose", "expected_version": "1", "data": {}}, "expected_version"),
        ({"event": "explode", "expected_version": 1, "data": {}}, "event"),
        ({"event": "propose", "data": {}}, "expected_version"),
        ({"event": "propose", "expected_version": 1, "data": {}, "extra": 1}, "extra"),
    ],
    ids=["version_as_string", "unknown_event", "version_missing", "unknown_field"],
)
def test_a_bad_envelope_from_the_wrong_side_is_a_validation_error_not_403(
    world: World, services: Services, body: dict[str, Any], path: str
) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        expect_error(_event(world, flow, "employer_body", body), 422, "validation_error", paths={path})


def test_the_wrong_side_with_a_stale_version_is_403(world: World, services: Services) -> None:
    flow = new_flow(world)
    flow.representatives()
    with nothing_changes(services.engine):
        r = _event(world, flow, "employer_body", {"event": "propose", "expected_version": 1, "data": {}})
    expect_error(r, 403, "forbidden")


def test_a_stale_version_in_the_wrong_state_is_a_version_conflict(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        r = _event(world, flow, "union", {"event": "open_talks", "expected_version": 7, "data": {}})
    expect_error(r, 409, "version_conflict")


def test_the_wrong_state_with_bad_data_is_an_invalid_transition(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        r = _event(world, flow, "union", {"event": "submit_draft", "expected_version": 1, "data": {"draft_version": "x", "y": 1}})
    expect_error(r, 409, "invalid_transition", message_has="drafting")


def test_bad_data_that_would_also_break_a_rule_is_a_validation_error(world: World, services: Services) -> None:
    flow = new_flow(world)  # no representatives: propose would break R1 and R2
    with nothing_changes(services.engine):
        r = _event(world, flow, "union", {"event": "propose", "expected_version": 1, "data": {"demands": "提高单价"}})
    expect_error(r, 422, "validation_error", paths={"data.served_on"})


def test_propose_without_valid_representatives_is_a_rule_violation(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        r = _event(world, flow, "union", {"event": "propose", "expected_version": 1,
                                          "data": {"served_on": "2026-11-02", "demands": "提高单价"}})  # fmt: skip
    violations = expect_error(r, 422, "rule_violation")
    assert {"R1", "R2"} <= {v["rule"] for v in violations}


def test_a_version_conflict_names_both_versions(world: World) -> None:
    flow = new_flow(world)
    r = _event(world, flow, "union", {"event": "withdraw", "expected_version": 3, "data": {"reason": "x"}})
    expect_error(r, 409, "version_conflict")
    message = r.json()["error"]["message"]
    assert "3" in message and "1" in message


def _draft(world: World, flow: Flow, who: str, **fields: Any) -> Any:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": TERMS, **fields}
    return world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=body, headers=world.h(who))


def test_drafts_follow_the_same_order_of_checks(world: World, services: Services) -> None:
    flow = new_flow(world)  # drafting: drafts are not allowed
    low = copy.deepcopy(TERMS)
    low["piece_rates"][0]["rate_cny"] = "0.10"
    with nothing_changes(services.engine):
        expect_error(_draft(world, flow, "outsider", terms="x"), 404, "not_found")
        expect_error(_draft(world, flow, "employer_body", expected_version=9), 403, "forbidden")
        expect_error(_draft(world, flow, "union", expected_version=9), 409, "version_conflict")
        expect_error(_draft(world, flow, "union", terms=low), 409, "invalid_transition")
    flow.to_consulting()
    with nothing_changes(services.engine):
        expect_error(_draft(world, flow, "union", terms=low, term_start="soon"), 422, "validation_error", paths={"term_start"})
        expect_error(_draft(world, flow, "union", terms=low), 422, "rule_violation", rules={"R22"})


def _reps(
    world: World, flow: Flow, who: str, version: int | None = None, workers: Any = WORKERS, employers: Any = EMPLOYERS
) -> Any:
    body: dict[str, Any] = {"worker_side": workers, "employer_side": employers}
    if version is not None:
        body["expected_version"] = version
    return world.client.put(f"/api/v1/cases/{flow.id}/representatives", json=body, headers=world.h(who))


def test_representatives_are_set_by_the_union_and_bump_the_version(world: World) -> None:
    flow = new_flow(world)
    r = _reps(world, flow, "union", 1)
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["version"] == 2
    assert [p["name"] for p in case["representatives"]["worker_side"]] == ["李建国", "王堃", "陈晓燕"]
    assert case["representatives"]["employer_side"][0] == {
        "name": "张伟", "title": "协会会长", "is_chief": True, "is_external": False, "delegated_in_writing": True,
    }  # fmt: skip


def test_representatives_follow_the_order_of_checks(world: World, services: Services) -> None:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})  # proposed: not editable
    version = flow.refresh()["version"]
    bad = WORKERS[:2]
    with nothing_changes(services.engine):
        expect_error(_reps(world, flow, "outsider", None, "x"), 404, "not_found")
        expect_error(_reps(world, flow, "employer_body", None), 422, "validation_error", paths={"expected_version"})
        expect_error(_reps(world, flow, "employer_body", version - 1, bad), 403, "forbidden")
        expect_error(_reps(world, flow, "union", version - 1, bad), 409, "version_conflict")
        expect_error(_reps(world, flow, "union", version, bad), 409, "invalid_transition", message_has="proposed")
    flow.event("employer_body", "accept", {"received_on": "2026-11-05", "reply": "同意"})  # preparing: editable again
    version = flow.refresh()["version"]
    with nothing_changes(services.engine):
        expect_error(_reps(world, flow, "union", version, [{"name": ""}]), 422, "validation_error")
        expect_error(_reps(world, flow, "union", version, bad), 422, "rule_violation")
    assert _reps(world, flow, "union", version).status_code == 200


def _rep(name: str, title: str = "快递员代表", **flags: bool) -> dict[str, Any]:
    return {"name": name, "title": title, "is_chief": False, "is_external": False, "delegated_in_writing": False, **flags}


CHAIR = _rep("李建国", "工会主席", is_chief=True)
LEGAL = _rep("张伟", "法定代表人", is_chief=True)


@pytest.mark.parametrize(
    ("workers", "employers", "rules", "paths"),
    [
        ([CHAIR, _rep("王堃")], [LEGAL, _rep("刘洋")], {"R1"}, {"worker_side", "employer_side"}),
        ([CHAIR, _rep("王堃"), _rep("陈晓燕")], [LEGAL, _rep("刘洋"), _rep("孙丽"), _rep("赵敏")], {"R1"}, {None}),
        ([_rep("李建国", "工会主席"), _rep("王堃"), _rep("陈晓燕")], [LEGAL, _rep("刘洋"), _rep("孙丽")], {"R2"}, {"worker_side"}),
        ([CHAIR, _rep("王堃", is_chief=True, delegated_in_writing=True), _rep("陈晓燕")], [LEGAL, _rep("刘洋"), _rep("孙丽")],
         {"R2"}, {"worker_side"}),
        ([CHAIR, _rep("王堃"), _rep("陈晓燕")], [_rep("张伟", "协会会长", is_chief=True), _rep("刘洋"), _rep("孙丽")], {"R2"},
         {"employer_side[0].delegated_in_writing"}),
        ([CHAIR, _rep("王堃", is_external=True), _rep("陈晓燕", is_external=True)], [LEGAL, _rep("刘洋"), _rep("孙丽")], {"R3"},
         {"worker_side"}),
        ([CHAIR, _rep("王堃"), _rep("陈晓燕")], [_rep("张伟", "律师", is_chief=True, is_external=True, delegated_in_writing=True),
         _rep("刘洋"), _rep("孙丽")], {"R3"}, {"employer_side[0].is_external"}),
        ([CHAIR, _rep("王堃"), _rep("陈晓燕")], [LEGAL, _rep(" 王堃 "), _rep("孙丽")], {"R4"}, {"employer_side[1].name"}),
        ([CHAIR, _rep("王堃")], [LEGAL, _rep("王堃"), _rep("孙丽", is_external=True), _rep("赵敏", is_external=True)],
         {"R1", "R3", "R4"}, {"employer_side[1].name"}),
    ],
    ids=["R1_too_few", "R1_unequal", "R2_no_chief", "R2_two_chiefs", "R2_chief_without_delegation", "R3_too_many_external",
         "R3_external_chief", "R4_same_person_after_trimming", "several_rules_at_once"],
)  # fmt: skip
def test_representatives_breaking_r1_to_r4_are_refused_naming_every_rule(
    world: World, services: Services, workers: list[Any], employers: list[Any], rules: set[str], paths: set[str | None]
) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        r = _reps(world, flow, "union", 1, workers, employers)
    expect_error(r, 422, "rule_violation", rules=rules, paths=paths)


def test_r4_compares_nfc_normalised_names(world: World, services: Services) -> None:
    flow = new_flow(world)
    composed, decomposed = "Zoë Li", "Zoe\u0308 Li"
    with nothing_changes(services.engine):
        r = _reps(world, flow, "union", 1, [CHAIR, _rep(composed), _rep("陈晓燕")], [LEGAL, _rep(decomposed), _rep("孙丽")])
    expect_error(r, 422, "rule_violation", rules={"R4"})


def test_a_chief_holding_the_office_needs_no_written_delegation(world: World) -> None:
    flow = new_flow(world)
    r = _reps(world, flow, "union", 1, [CHAIR, _rep("王堃"), _rep("陈晓燕")], [LEGAL, _rep("刘洋"), _rep("孙丽")])
    assert r.status_code == 200, r.text
