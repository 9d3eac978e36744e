"""Drafts, their floors and diff, comments, meetings, documents and the audit chain over HTTP."""

from __future__ import annotations

import copy
import itertools
from typing import Any

import pytest

from negotiation.bootstrap import Services
from negotiation.commands import MEETINGS_TEXT_LIMIT, MINUTES_TEXT_LIMIT
from tests.conftest import World
from tests.flows import TERMS, Flow, terms
from tests.integration.support import expect_error, new_flow, nothing_changes, post_event


def _consulting(world: World) -> Flow:
    flow = new_flow(world)
    flow.to_consulting()
    return flow


def _post_draft(world: World, flow: Flow, t: dict[str, Any] | None = None, who: str = "union", **fields: Any) -> Any:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": TERMS if t is None else t, **fields}
    return world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=body, headers=world.h(who))


def test_a_draft_becomes_current_and_bumps_the_case_version(world: World) -> None:
    flow = _consulting(world)
    version = flow.refresh()["version"]
    r = _post_draft(world, flow)
    assert r.status_code == 201, r.text
    draft = r.json()
    assert set(draft) == {"version", "sha256", "term_start", "term_end", "terms", "created_at"}
    assert draft["version"] == 1 and len(draft["sha256"]) == 64
    assert draft["terms"]["piece_rates"][0]["rate_cny"] == "1.50"
    case = flow.refresh()
    assert case["current_draft_version"] == 1 and case["version"] == version + 1
    second = _post_draft(world, flow, terms(rate="1.60")).json()
    assert second["version"] == 2 and second["sha256"] != draft["sha256"]
    assert flow.refresh()["current_draft_version"] == 2
    listed = world.client.get(f"/api/v1/cases/{flow.id}/drafts", headers=world.h("ent1")).json()
    assert [d["version"] for d in listed] == [1, 2]
    one = world.client.get(f"/api/v1/cases/{flow.id}/drafts/1", headers=world.h("bureau")).json()
    assert one == draft
    expect_error(world.client.get(f"/api/v1/cases/{flow.id}/drafts/3", headers=world.h("union")), 404, "not_found")


def _with(**changes: Any) -> dict[str, Any]:
    t = copy.deepcopy(TERMS)
    for dotted, value in changes.items():
        section, _, field = dotted.partition("__")
        if section == "piece_rates":
            t["piece_rates"][0][field] = value
        elif field:
            t[section][field] = value
        else:
            t[section] = value
    return t


@pytest.mark.parametrize(
    ("t", "fields", "rules", "paths"),
    [
        (_with(piece_rates__rate_cny="1.20"), {}, {"R22"}, {"terms.piece_rates[0].rate_cny"}),
        (_with(piece_rates__rate_cny="1.39"), {}, {"R22"}, {"terms.piece_rates[0].rate_cny"}),
        (_with(piece_rates__rate_cny="1.20", piece_rates__supplements=[{"condition": "night", "amount_cny": "5.00"}]), {},
         {"R22"}, {"terms.piece_rates[0].rate_cny"}),
        (TERMS, {"term_end": "2027-12-30"}, {"R18"}, {"term_end"}),
        (TERMS, {"term_end": "2030-01-01"}, {"R18"}, {"term_end"}),
        (_with(piece_rates__rate_cny="1.00"), {"term_end": "2031-12-31"}, {"R18", "R22"}, {"term_end", "terms.piece_rates[0].rate_cny"}),
        (_with(rest_leave__rest_days_per_month=3), {}, {"R22"}, {"terms.rest_leave.rest_days_per_month"}),
        (_with(rest_leave__holiday_pay_multiplier="1"), {}, {"R22"}, {"terms.rest_leave.holiday_pay_multiplier"}),
        (_with(pay_method__cycle="quarterly"), {}, {"R22"}, {"terms.pay_method.cycle"}),
    ],
    ids=["rate_1.20", "rate_1.39", "supplements_do_not_count", "term_too_short", "term_too_long", "both", "rest_days",
         "holiday_pay", "pay_cycle"],
)  # fmt: skip
def test_a_draft_below_a_legal_floor_is_a_rule_violation_with_its_path(
    world: World, services: Services, t: dict[str, Any], fields: dict[str, str], rules: set[str], paths: set[str]
) -> None:
    flow = _consulting(world)
    with nothing_changes(services.engine):
        r = _post_draft(world, flow, t, **fields)
    violations = expect_error(r, 422, "rule_violation", rules=rules, paths=paths)
    assert len(violations) == len(paths)
    assert flow.refresh()["current_draft_version"] is None


@pytest.mark.parametrize(
    ("t", "fields"),
    [(_with(piece_rates__rate_cny="1.40"), {"term_end": "2027-12-31"}), (TERMS, {"term_end": "2029-12-31"})],
    ids=["exactly_the_hourly_minimum_and_one_year", "exactly_three_years"],
)
def test_a_draft_exactly_at_the_floors_is_accepted(world: World, t: dict[str, Any], fields: dict[str, str]) -> None:
    flow = _consulting(world)
    r = _post_draft(world, flow, t, **fields)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("t", "path"),
    [
        ({k: v for k, v in TERMS.items() if k != "rest_leave"}, "terms.rest_leave"),
        (
            {**TERMS, "working_hours": {"max_continuous_minutes": 240, "min_break_minutes": 20, "max_daily_hours": 8}},
            "terms.working_hours",
        ),
        ({k: v for k, v in TERMS.items() if k != "expected_units_per_hour"}, "terms.expected_units_per_hour"),
    ],
    ids=["topic_missing", "topic_not_of_the_case", "units_missing"],
)
def test_terms_must_cover_exactly_the_cases_topics(world: World, services: Services, t: dict[str, Any], path: str) -> None:
    flow = _consulting(world)
    with nothing_changes(services.engine):
        r = _post_draft(world, flow, t)
    expect_error(r, 422, "validation_error", paths={path})


def test_term_end_before_term_start_is_a_validation_error(world: World, services: Services) -> None:
    flow = _consulting(world)
    with nothing_changes(services.engine):
        r = _post_draft(world, flow, term_start="2027-01-01", term_end="2026-12-31")
    expect_error(r, 422, "validation_error", paths={"term_end"})


@pytest.mark.parametrize("state", ["drafting", "under_review"])
def test_drafts_are_only_accepted_in_consulting(world: World, services: Services, state: str) -> None:
    flow = new_flow(world)
    if state == "under_review":
        flow.to_consulting()
        flow.draft()
        flow.event("union", "submit_draft", {"draft_version": 1})
    with nothing_changes(services.engine):
        r = _post_draft(world, flow)
    expect_error(r, 409, "invalid_transition", message_has=state)


@pytest.mark.parametrize("who", ["employer_body", "ent1", "bureau", "admin"])
def test_only_the_union_writes_drafts(world: World, services: Services, who: str) -> None:
    flow = _consulting(world)
    with nothing_changes(services.engine):
        expect_error(_post_draft(world, flow, who=who), 403, "forbidden")


def test_expected_version_on_a_draft_is_checked_when_present(world: World, services: Services) -> None:
    flow = _consulting(world)
    version = flow.refresh()["version"]
    with nothing_changes(services.engine):
        expect_error(_post_draft(world, flow, expected_version=version - 1), 409, "version_conflict")
    assert _post_draft(world, flow, expected_version=version).status_code == 201


def test_a_new_draft_clears_the_approvals_of_the_previous_one(world: World) -> None:
    flow = _consulting(world)
    flow.draft()
    flow.event("union", "submit_draft", {"draft_version": 1})
    flow.event("ent1", "approve_draft")
    flow.event("employer_body", "approve_draft")
    assert sorted(flow.refresh()["approvals"]) == sorted([world.orgs["ent1"], world.orgs["employer_body"]])
    flow.event("ent2", "request_changes", {"comment": "单价再议"})
    flow.draft(terms(rate="1.60"))
    case = flow.event("union", "submit_draft", {"draft_version": 2})
    assert case["approvals"] == [] and "approve_draft" in flow.refresh("ent1")["allowed_events"]
    assert flow.event("ent2", "approve_draft")["state"] == "under_review"  # draft 1's approvals do not count
    flow.event("ent1", "approve_draft")
    assert flow.event("employer_body", "approve_draft")["state"] == "agreed"


def test_the_diff_of_a_piece_rate_change_shows_its_path_before_and_after(world: World) -> None:
    flow = _consulting(world)
    flow.draft()
    flow.draft(terms(rate="1.60"))
    r = world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=1", headers=world.h("ent1"))
    assert r.status_code == 200
    assert r.json() == {"changes": [{"path": "terms.piece_rates[0].rate_cny", "before": "1.50", "after": "1.60"}]}
    same = world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=2", headers=world.h("union"))
    assert same.json() == {"changes": []}
    expect_error(world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=9", headers=world.h("union")), 404, "not_found")
    expect_error(world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff", headers=world.h("union")), 422, "validation_error",
                 paths={"against"})  # fmt: skip
    expect_error(world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=x", headers=world.h("union")), 422,
                 "validation_error", paths={"against"})  # fmt: skip


def test_the_diff_shows_a_changed_term_end(world: World) -> None:
    flow = _consulting(world)
    flow.draft()
    r = _post_draft(world, flow, term_end="2029-12-31")
    assert r.status_code == 201
    changes = world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=1", headers=world.h("union")).json()["changes"]
    assert changes == [{"path": "term_end", "before": "2028-12-31", "after": "2029-12-31"}]


def _comment(
    world: World, flow: Flow, who: str, clause: str = "piece_rates", body: str = "单价应与里程挂钩", version: int = 1
) -> Any:
    return world.client.post(
        f"/api/v1/cases/{flow.id}/drafts/{version}/comments", json={"clause": clause, "body": body}, headers=world.h(who)
    )


def test_comments_are_listed_with_author_and_organisation_audited_and_leave_the_version(world: World) -> None:
    flow = _consulting(world)
    flow.draft()
    case = flow.refresh()
    audit_before = len(world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json())
    for who, clause in (("union", "piece_rates"), ("employer_body", "term"), ("ent1", "general"), ("ent2", "rest_leave")):
        r = _comment(world, flow, who, clause)
        assert r.status_code == 201, r.text
    listed = world.client.get(f"/api/v1/cases/{flow.id}/drafts/1/comments", headers=world.h("bureau")).json()
    assert [(c["clause"], c["organization"]["id"], c["author"]["name"]) for c in listed] == [
        ("piece_rates", world.orgs["union"], "union用户"),
        ("term", world.orgs["employer_body"], "employer_body用户"),
        ("general", world.orgs["ent1"], "ent1用户"),
        ("rest_leave", world.orgs["ent2"], "ent2用户"),
    ]
    assert listed[0]["organization"]["name"] == "西安市快递行业工会联合会"
    assert set(listed[0]) == {"id", "draft_version", "clause", "body", "author", "organization", "created_at"}
    after = flow.refresh()
    assert after["version"] == case["version"] and after["updated_at"] == case["updated_at"]
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert len(audit) == audit_before + 4 and audit[-1]["event"] == "comment"
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


@pytest.mark.parametrize(("clause", "body"), [("working_hours", "x"), ("第三条", "x"), ("general", ""), ("general", "\x00")])
def test_a_comment_on_a_clause_that_is_not_a_topic_term_or_general_or_without_text_is_refused(
    world: World, services: Services, clause: str, body: str
) -> None:
    flow = _consulting(world)
    flow.draft()
    with nothing_changes(services.engine):
        r = _comment(world, flow, "ent1", clause, body)
    expect_error(r, 422, "validation_error", paths={"clause" if body == "x" else "body"})


def test_the_bureau_may_not_comment_and_a_missing_draft_is_not_found(world: World, services: Services) -> None:
    flow = _consulting(world)
    flow.draft()
    with nothing_changes(services.engine):
        expect_error(_comment(world, flow, "bureau"), 403, "forbidden")
        expect_error(_comment(world, flow, "outsider"), 404, "not_found")
        expect_error(_comment(world, flow, "union", version=7), 404, "not_found")
    expect_error(world.client.get(f"/api/v1/cases/{flow.id}/drafts/7/comments", headers=world.h("union")), 404, "not_found")


MEETING = {"held_on": "2026-11-20", "location": "西安市总工会三楼会议室", "chair_side": "worker", "recorder": "周敏",
           "summary": "双方就计件单价交换意见", "positions": [{"topic": "piece_rates", "worker_position": "1.60元",
                                                      "employer_position": "1.45元", "agreed": False}]}  # fmt: skip


def _meeting(world: World, flow: Flow, who: str = "union", **changes: Any) -> Any:
    body = {**MEETING, **changes}
    return world.client.post(f"/api/v1/cases/{flow.id}/meetings", json=body, headers=world.h(who))


def test_meetings_are_recorded_listed_and_their_chairs_alternate_r9(world: World, services: Services) -> None:
    flow = _consulting(world)
    version = flow.refresh()["version"]
    r = _meeting(world, flow)
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["chair_side"] == "worker" and meeting["recorder"] == "周敏" and isinstance(meeting["id"], int)
    assert flow.refresh()["version"] == version + 1
    with nothing_changes(services.engine):
        r = _meeting(world, flow, held_on="2026-11-27")
    expect_error(r, 422, "rule_violation", rules={"R9"}, paths={"chair_side"})
    assert _meeting(world, flow, held_on="2026-11-27", chair_side="employer").status_code == 201
    listed = world.client.get(f"/api/v1/cases/{flow.id}/meetings", headers=world.h("ent1")).json()
    assert [(m["held_on"], m["chair_side"]) for m in listed] == [("2026-11-20", "worker"), ("2026-11-27", "employer")]


@pytest.mark.parametrize(
    ("changes", "path"),
    [({"recorder": ""}, "recorder"), ({"recorder": None}, "recorder"), ({"chair_side": "bureau"}, "chair_side"),
     ({"positions": [{"topic": "working_hours"}]}, "positions[0].topic"), ({"held_on": "2026-02-30"}, "held_on")],
)  # fmt: skip
def test_a_meeting_needs_a_recorder_a_chair_side_and_the_cases_topics(
    world: World, services: Services, changes: dict[str, Any], path: str
) -> None:
    flow = _consulting(world)
    body = {k: v for k, v in {**MEETING, **changes}.items() if v is not None}
    with nothing_changes(services.engine):
        r = world.client.post(f"/api/v1/cases/{flow.id}/meetings", json=body, headers=world.h("union"))
    expect_error(r, 422, "validation_error", paths={path})


def test_meetings_are_for_the_union_in_consulting_with_a_current_expected_version(world: World, services: Services) -> None:
    flow = new_flow(world)
    with nothing_changes(services.engine):
        expect_error(_meeting(world, flow), 409, "invalid_transition", message_has="drafting")
    flow.to_consulting()
    version = flow.refresh()["version"]
    with nothing_changes(services.engine):
        expect_error(_meeting(world, flow, who="employer_body"), 403, "forbidden")
        expect_error(_meeting(world, flow, expected_version=version + 5), 409, "version_conflict")
    assert _meeting(world, flow, expected_version=version).status_code == 201


def test_a_new_case_has_no_documents_and_a_proposal_makes_one(world: World) -> None:
    flow = new_flow(world)
    assert world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json() == []
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    docs = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("employer_body")).json()
    assert [d["kind"] for d in docs] == ["proposal"]
    assert set(docs[0]) == {"id", "kind", "draft_version", "sha256", "size", "created_at", "superseded_by"}


def test_the_audit_chain_links_every_change_and_verifies(world: World, services: Services) -> None:
    flow = _consulting(world)
    flow.draft()
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("ent1")).json()
    assert [e["event"] for e in audit] == ["create_case", "set_representatives", "propose", "accept", "open_talks", "add_draft"]
    assert [e["seq"] for e in audit] == list(range(1, 7))
    assert audit[0]["prev_hash"] == "0" * 64
    for earlier, later in itertools.pairwise(audit):
        assert later["prev_hash"] == earlier["hash"]
    assert set(audit[0]) == {"seq", "at", "actor", "event", "from_state", "to_state", "data_sha256", "prev_hash", "hash"}
    verify = world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()
    assert verify == {"ok": True, "events_checked": 6, "first_bad_seq": None}
    for who in ("union", "employer_body", "bureau"):
        expect_error(world.client.get("/api/v1/audit/verify", headers=world.h(who)), 403, "forbidden")


def test_a_rejected_event_is_not_audited(world: World) -> None:
    flow = _consulting(world)
    before = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    post_event(world, flow, "union", "submit_draft", {"draft_version": 1})  # no draft yet: 422
    post_event(world, flow, "employer_body", "submit_draft", {"draft_version": 1})  # wrong side: 403
    assert world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json() == before


def test_the_user_text_of_minutes_is_capped_per_meeting_and_per_case(world: World, services: Services) -> None:
    flow = _consulting(world)
    position = {"topic": "piece_rates", "worker_position": "甲" * 3_000, "employer_position": "乙" * 2_000}
    with nothing_changes(services.engine):  # 16,000 + 5,000 > 20,000: refused, naming the field
        r = _meeting(world, flow, summary="议" * 16_000, positions=[position])
    expect_error(r, 422, "validation_error", paths={"summary"}, message_has="20000")
    sides = itertools.cycle(["worker", "employer"])
    left, day = MEETINGS_TEXT_LIMIT, 10
    while left:  # meetings of at most 20,000 characters each fill the case's 50,000
        size = min(left, MINUTES_TEXT_LIMIT)
        r = _meeting(world, flow, held_on=f"2026-11-{day}", chair_side=next(sides), summary="议" * size, positions=[])
        assert r.status_code == 201, r.text
        left, day = left - size, day + 1
    with nothing_changes(services.engine):
        r = _meeting(world, flow, held_on="2026-11-20", chair_side=next(sides), summary="再议", positions=[])
    expect_error(r, 422, "validation_error", paths={"summary"}, message_has=str(MEETINGS_TEXT_LIMIT))
