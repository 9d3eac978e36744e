"""Every event of api.md's table over HTTP: its data, who fires it, the wrong side (403) and the wrong state (409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import Flow
from tests.integration.support import expect_error, new_flow, nothing_changes, post_event

VOTE = {"members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, "held_on": "2026-12-01"}
EVERYONE = ("union", "employer_body", "ent1", "bureau", "admin", "outsider")
APPROVERS = ("employer_body", "ent1", "ent2")


def _consulting_with_draft(f: Flow) -> None:
    f.to_consulting()
    f.draft()


def _under_review(f: Flow) -> None:
    _consulting_with_draft(f)
    f.event("union", "submit_draft", {"draft_version": 1})


def _ratifying(f: Flow) -> None:
    f.to_agreed(APPROVERS)
    f.event("union", "open_vote")


def _ratified(f: Flow) -> None:
    _ratifying(f)
    f.event("union", "record_vote", {"draft_version": 1, **VOTE})


def _filed(f: Flow) -> None:
    f.to_signed(APPROVERS)
    f.event("union", "file", {"filed_on": "2026-12-05"})


def _in_review(f: Flow) -> None:
    _filed(f)
    f.event("bureau", "record_receipt", {"received_on": "2026-12-07", "receipt_no": "西人社集备〔2026〕1号"})


def _effective(f: Flow) -> None:
    _in_review(f)
    f.event("bureau", "approve")


def _proposed(f: Flow) -> None:
    f.representatives()
    f.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})


def _in_dispute(f: Flow) -> None:
    _proposed(f)
    f.event("employer_body", "decline", {"received_on": "2026-11-04", "reason": "行业经营困难"})


def _suspended(f: Flow) -> None:
    f.to_consulting()
    f.event("union", "suspend", {"reason": "等待行业数据", "resume_on": "2026-12-01"})


REACH: dict[str, Callable[[Flow], None]] = {
    "drafting": lambda f: f.representatives(),
    "proposed": _proposed,
    "preparing": lambda f: (_proposed(f), f.event("employer_body", "accept", {"received_on": "2026-11-05", "reply": "同意"}))[0],
    "consulting": _consulting_with_draft,
    "suspended": _suspended,
    "in_dispute": _in_dispute,
    "under_review": _under_review,
    "agreed": lambda f: f.to_agreed(APPROVERS),
    "ratifying": _ratifying,
    "ratified": _ratified,
    "signed": lambda f: f.to_signed(APPROVERS),
    "filed": _filed,
    "in_review": _in_review,
    "effective": _effective,
}

# event, source state, data, the parties that may fire it, the state after one of them fired it
TABLE: list[tuple[str, str, dict[str, Any], tuple[str, ...], str]] = [
    ("propose", "drafting", {"served_on": "2026-11-02", "demands": "提高计件单价"}, ("union",), "proposed"),
    ("accept", "proposed", {"received_on": "2026-11-05", "reply": "同意协商"}, ("employer_body",), "preparing"),
    ("decline", "proposed", {"received_on": "2026-11-05", "reason": "行业经营困难"}, ("employer_body",), "in_dispute"),
    ("open_talks", "preparing", {}, ("union",), "consulting"),
    ("suspend", "consulting", {"reason": "等待数据", "resume_on": "2026-12-01"}, ("union", "employer_body"), "suspended"),
    ("resume", "suspended", {}, ("union", "employer_body"), "consulting"),
    ("submit_draft", "consulting", {"draft_version": 1}, ("union",), "under_review"),
    ("request_changes", "under_review", {"comment": "夜间补贴偏低"}, ("employer_body", "ent1"), "consulting"),
    ("approve_draft", "under_review", {}, ("employer_body", "ent1"), "under_review"),
    ("open_vote", "agreed", {}, ("union",), "ratifying"),
    ("record_vote", "ratifying", {"draft_version": 1, **VOTE}, ("union",), "ratified"),
    ("sign", "ratified", {"signed_on": "2026-12-02", "signatory": "李建国"}, ("union", "employer_body"), "ratified"),
    ("file", "signed", {"filed_on": "2026-12-05"}, ("union", "employer_body"), "filed"),
    ("record_receipt", "filed", {"received_on": "2026-12-07", "receipt_no": "西人社集备〔2026〕1号"}, ("bureau",), "in_review"),
    ("object", "in_review", {"opinion": "第三条不符合最低工资规定"}, ("bureau",), "consulting"),
    ("approve", "in_review", {}, ("bureau",), "effective"),
    ("publish", "effective", {"published_on": "2027-01-05", "channels": ["平台App公告"]}, ("union",), "in_force"),
    ("settle", "in_dispute", {"agreement": "双方同意恢复协商"}, ("bureau",), "consulting"),
    ("withdraw", "consulting", {"reason": "行业格局变化"}, ("union",), "withdrawn"),
]
IDS = [row[0] for row in TABLE]


def _flow_at(world: World, state: str) -> Flow:
    flow = new_flow(world)
    REACH[state](flow)
    assert flow.refresh()["state"] == state
    return flow


def _fire_and_check(world: World, flow: Flow, who: str, event: str, data: dict[str, Any], source: str, dest: str) -> None:
    before = flow.refresh(who)
    assert event in before["allowed_events"], (who, before["allowed_events"])
    r = post_event(world, flow, who, event, data)
    assert r.status_code == 200, (who, r.text)
    after = r.json()
    assert after["state"] == dest and after["version"] == before["version"] + 1
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h(who)).json()
    assert (audit[-1]["event"], audit[-1]["from_state"], audit[-1]["to_state"]) == (event, source, dest)
    assert audit[-1]["actor"].startswith("user:") and len(audit) == after["version"]  # create_case is version 1


@pytest.mark.parametrize(("event", "source", "data", "parties", "dest"), TABLE, ids=IDS)
def test_each_event_is_fired_only_by_its_parties_with_its_data(
    world: World, services: Services, event: str, source: str, data: dict[str, Any], parties: tuple[str, ...], dest: str
) -> None:
    flow = _flow_at(world, source)
    version = flow.case["version"]
    for who in EVERYONE:
        if who in parties:
            continue
        with nothing_changes(services.engine):
            r = post_event(world, flow, who, event, data, version=version)
        if who == "outsider":
            expect_error(r, 404, "not_found")
        else:
            expect_error(r, 403, "forbidden")
            assert event not in flow.refresh(who)["allowed_events"]
    _fire_and_check(world, flow, parties[0], event, data, source, dest)


EITHER = [row for row in TABLE if len(row[3]) > 1]


@pytest.mark.parametrize(("event", "source", "data", "parties", "dest"), EITHER, ids=[row[0] for row in EITHER])
def test_events_of_either_side_are_fired_by_the_second_party_too(
    world: World, event: str, source: str, data: dict[str, Any], parties: tuple[str, ...], dest: str
) -> None:
    flow = _flow_at(world, source)
    _fire_and_check(world, flow, parties[1], event, data, source, dest)


WRONG_STATE = {event: "drafting" for event in IDS} | {"propose": "proposed", "withdraw": "withdrawn"}


@pytest.mark.parametrize(("event", "source", "data", "parties", "dest"), TABLE, ids=IDS)
def test_each_event_in_a_state_it_does_not_leave_is_an_invalid_transition_naming_state_and_allowed_events(
    world: World, services: Services, event: str, source: str, data: dict[str, Any], parties: tuple[str, ...], dest: str
) -> None:
    flow = new_flow(world)
    if WRONG_STATE[event] == "proposed":
        _proposed(flow)
    if WRONG_STATE[event] == "withdrawn":
        flow.event("union", "withdraw", {"reason": "撤回"})
    who = parties[0]
    case = flow.refresh(who)
    with nothing_changes(services.engine):
        r = post_event(world, flow, who, event, data)
    expect_error(r, 409, "invalid_transition", message_has=case["state"])
    message = r.json()["error"]["message"]
    for allowed in case["allowed_events"]:
        assert allowed in message
    if not case["allowed_events"]:
        assert "无" in message


def test_system_events_cannot_be_fired_by_anyone(world: World, services: Services) -> None:
    flow = new_flow(world)
    _proposed(flow)
    with nothing_changes(services.engine):
        for who in ("union", "employer_body", "bureau", "admin"):
            expect_error(post_event(world, flow, who, "reply_overdue"), 403, "forbidden")


def test_a_second_approve_draft_by_the_same_organisation_is_an_invalid_transition(world: World, services: Services) -> None:
    flow = _flow_at(world, "under_review")
    flow.event("ent1", "approve_draft")
    assert "approve_draft" not in flow.refresh("ent1")["allowed_events"]
    assert "approve_draft" in flow.refresh("ent2")["allowed_events"]
    with nothing_changes(services.engine):
        r = post_event(world, flow, "ent1", "approve_draft")
    expect_error(r, 409, "invalid_transition", message_has="under_review")
    assert flow.refresh()["approvals"] == [world.orgs["ent1"]]


def test_sector_approval_needs_the_employer_body_and_every_covered_enterprise(world: World) -> None:
    flow = _flow_at(world, "under_review")
    for who in ("ent2", "employer_body"):
        assert flow.event(who, "approve_draft")["state"] == "under_review"
    assert flow.event("ent1", "approve_draft")["state"] == "agreed"
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert [e["event"] for e in audit[-3:]] == ["approve_draft"] * 3


def test_a_second_sign_by_the_same_side_is_an_invalid_transition_and_both_sides_make_it_signed(
    world: World, services: Services
) -> None:
    flow = _flow_at(world, "ratified")
    assert flow.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})["state"] == "ratified"
    assert "sign" not in flow.refresh("union")["allowed_events"]
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "sign", {"signed_on": "2026-12-03", "signatory": "李建国"})
    expect_error(r, 409, "invalid_transition", message_has="ratified")
    signed = flow.event("employer_body", "sign", {"signed_on": "2026-12-04", "signatory": "张伟"})
    assert signed["state"] == "signed"
    filing = next(d for d in signed["deadlines"] if d["kind"] == "filing")
    assert filing["trigger_on"] == "2026-12-04"


def test_a_failed_vote_returns_the_case_to_consulting(world: World) -> None:
    flow = _flow_at(world, "ratifying")
    case = flow.event(
        "union", "record_vote", {"draft_version": 1, "members": 30, "present": 25, "yes": 15, "no": 8, "abstain": 2}
    )
    assert case["state"] == "consulting"  # 15 of 30 is not more than half of all members (R11)


def test_a_vote_without_quorum_fails_even_if_all_present_vote_yes(world: World) -> None:
    flow = _flow_at(world, "ratifying")
    case = flow.event(
        "union", "record_vote", {"draft_version": 1, "members": 30, "present": 19, "yes": 19, "no": 0, "abstain": 0}
    )
    assert case["state"] == "consulting"  # 19 of 30 present is below 2/3 (R10)


def test_a_per_enterprise_vote_binds_only_the_enterprises_whose_own_tally_passes(world: World) -> None:
    flow = _flow_at(world, "ratifying")
    per = [
        {"enterprise_id": world.orgs["ent1"], "members": 10, "present": 9, "yes": 8, "no": 1, "abstain": 0},
        {"enterprise_id": world.orgs["ent2"], "members": 10, "present": 5, "yes": 5, "no": 0, "abstain": 0},
    ]
    case = flow.event("union", "record_vote", {"draft_version": 1, **VOTE, "per_enterprise": per})
    assert case["state"] == "ratified"


@pytest.mark.parametrize(
    ("tally", "path"),
    [
        ({"members": 30, "present": 25, "yes": 20, "no": 4, "abstain": 2}, "data"),
        ({"members": 30, "present": 31, "yes": 20, "no": 3, "abstain": 2}, "data.present"),
    ],
)
def test_ballots_above_present_or_present_above_members_are_validation_errors(
    world: World, services: Services, tally: dict[str, int], path: str
) -> None:
    flow = _flow_at(world, "ratifying")
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "record_vote", {"draft_version": 1, **tally})
    violations = expect_error(r, 422, "validation_error")
    assert any((v["path"] or "").startswith(path) for v in violations), violations


def test_a_vote_on_a_draft_that_is_not_current_is_a_validation_error(world: World, services: Services) -> None:
    flow = _flow_at(world, "ratifying")
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "record_vote", {"draft_version": 2, **VOTE})
    expect_error(r, 422, "validation_error", paths={"data.draft_version"})


def test_submitting_a_draft_other_than_the_current_one_is_a_validation_error(world: World, services: Services) -> None:
    flow = _flow_at(world, "consulting")
    flow.draft()
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "submit_draft", {"draft_version": 1})
    expect_error(r, 422, "validation_error", paths={"data.draft_version"})


def test_decline_needs_a_reason(world: World, services: Services) -> None:
    flow = _flow_at(world, "proposed")
    for reason in ("", "   ", None):
        data = {"received_on": "2026-11-05"} | ({} if reason is None else {"reason": reason})
        with nothing_changes(services.engine):
            r = post_event(world, flow, "employer_body", "decline", data)
        expect_error(r, 422, "validation_error", paths={"data.reason"})


def test_dates_out_of_order_within_a_case_are_validation_errors(world: World, services: Services) -> None:
    flow = _flow_at(world, "proposed")
    refused = [
        ("employer_body", "accept", {"received_on": "2026-11-01"}, "data.received_on"),  # served 2026-11-02
    ]
    for who, event, data, path in refused:
        with nothing_changes(services.engine):
            expect_error(post_event(world, flow, who, event, data), 422, "validation_error", paths={path})
    flow = _flow_at(world, "signed")  # signed on 2026-12-02 and 2026-12-03
    steps = [
        ("union", "file", {"filed_on": "2026-12-02"}, "data.filed_on", {"filed_on": "2026-12-05"}),
        ("bureau", "record_receipt", {"received_on": "2026-12-04", "receipt_no": "1号"}, "data.received_on",
         {"received_on": "2026-12-07", "receipt_no": "1号"}),
        ("bureau", "approve", {"approved_on": "2026-12-06"}, "data.approved_on", {"approved_on": "2026-12-10"}),
        ("union", "publish", {"published_on": "2026-12-09", "channels": ["公告栏"]}, "data.published_on",
         {"published_on": "2026-12-11", "channels": ["公告栏"]}),
    ]  # fmt: skip
    for who, event, bad, path, good in steps:
        with nothing_changes(services.engine):
            expect_error(post_event(world, flow, who, event, bad), 422, "validation_error", paths={path})
        flow.event(who, event, good)
    assert flow.refresh()["state"] == "in_force"


def test_an_objection_sends_the_case_back_to_renegotiate_re_ratify_re_sign_and_re_file(world: World) -> None:
    flow = _flow_at(world, "in_review")
    case = flow.event("bureau", "object", {"opinion": "计件单价条款表述不清"})
    assert case["state"] == "consulting"
    assert next(d for d in case["deadlines"] if d["kind"] == "review")["status"] == "met"
    flow.draft()
    flow.event("union", "submit_draft", {"draft_version": 2})
    for who in APPROVERS:
        flow.event(who, "approve_draft")
    flow.event("union", "open_vote")
    flow.event("union", "record_vote", {"draft_version": 2, **VOTE, "held_on": "2026-12-20"})
    flow.event("union", "sign", {"signed_on": "2026-12-21", "signatory": "李建国"})
    assert flow.event("employer_body", "sign", {"signed_on": "2026-12-21", "signatory": "张伟"})["state"] == "signed"
    assert flow.event("employer_body", "file", {"filed_on": "2026-12-22"})["state"] == "filed"


@pytest.mark.parametrize("state", ["drafting", "preparing", "suspended", "in_dispute", "ratified"])
def test_withdraw_is_allowed_in_every_state_before_signed(world: World, state: str) -> None:
    flow = _flow_at(world, state)
    assert flow.event("union", "withdraw", {"reason": "撤回"})["state"] == "withdrawn"
    assert flow.refresh()["allowed_events"] == []


@pytest.mark.parametrize("state", ["signed", "in_review"])
def test_withdraw_is_refused_once_signed(world: World, services: Services, state: str) -> None:
    flow = _flow_at(world, state)
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "withdraw", {"reason": "撤回"})
    expect_error(r, 409, "invalid_transition", message_has=state)


def test_an_event_on_a_missing_case_is_not_found(world: World) -> None:
    r = world.client.post(
        "/api/v1/cases/424242/events", json={"event": "propose", "expected_version": 1, "data": {}}, headers=world.h("union")
    )
    expect_error(r, 404, "not_found")
