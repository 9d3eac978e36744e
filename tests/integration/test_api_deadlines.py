"""Deadlines over HTTP: R6, R13, R15 and R17 as api.md counts them, fired or flagged once by the admin tick."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from negotiation.event_data import OPINION_TEXT_LIMIT
from tests.conftest import World
from tests.flows import Flow
from tests.integration.support import expect_error, new_flow, nothing_changes, post_event

APPROVERS = ("employer_body", "ent1", "ent2")


def _tick(world: World, as_of: str) -> list[dict[str, Any]]:
    r = world.client.post("/api/v1/admin/tick", json={"as_of": as_of}, headers=world.h("admin"))
    assert r.status_code == 200, r.text
    fired: list[dict[str, Any]] = r.json()["fired"]
    return fired


def _deadline(case: dict[str, Any], kind: str) -> dict[str, Any]:
    found = [d for d in case["deadlines"] if d["kind"] == kind]
    assert len(found) == 1, case["deadlines"]
    return found[0]


def _proposed(world: World, served_on: str, **case: Any) -> Flow:
    flow = new_flow(world, **case)
    flow.representatives()
    flow.event("union", "propose", {"served_on": served_on, "demands": "提高计件单价"})
    return flow


def test_propose_opens_the_r6_reply_deadline_20_days_from_served_on_rolled_past_a_sunday(world: World) -> None:
    flow = _proposed(world, "2026-11-02")
    reply = _deadline(flow.case, "reply")
    assert reply == {
        "kind": "reply",
        "rule": "R6",
        "citation": "《集体合同规定》第三十二条",
        "trigger_on": "2026-11-02",
        "due_on": "2026-11-23",
        "status": "open",
        "calendar": "statutory",
    }  # fmt: skip  (2026-11-22 is a Sunday)


@pytest.mark.parametrize(
    ("served_on", "due_on", "calendar"),
    [("2026-09-12", "2026-10-08", "statutory"), ("2026-09-20", "2026-10-10", "statutory"), ("2027-03-01", "2027-03-22", "weekends_only")],
    ids=["national_day_holiday_rolls_to_the_next_working_day", "a_make_up_saturday_is_a_working_day", "2027_has_no_holiday_data"],
)  # fmt: skip
def test_the_reply_deadline_follows_the_statutory_calendar_or_says_it_fell_back(
    world: World, served_on: str, due_on: str, calendar: str
) -> None:
    reply = _deadline(_proposed(world, served_on).case, "reply")
    assert (reply["due_on"], reply["calendar"]) == (due_on, calendar)


def test_an_unanswered_proposal_goes_to_dispute_once_on_the_first_day_after_due_on_r6(world: World) -> None:
    flow = _proposed(world, "2026-11-02")
    assert _tick(world, "2026-11-23") == []
    assert flow.refresh()["state"] == "proposed"
    assert _tick(world, "2026-11-24") == [{"case_id": flow.id, "event": "reply_overdue", "rule": "R6"}]
    case = flow.refresh()
    assert case["state"] == "in_dispute" and _deadline(case, "reply")["status"] == "fired"
    assert _tick(world, "2026-11-24") == [] and _tick(world, "2026-12-30") == []
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert [(e["actor"], e["event"], e["from_state"], e["to_state"]) for e in audit if e["actor"] == "system"] == [
        ("system", "reply_overdue", "proposed", "in_dispute")
    ]
    assert flow.event("bureau", "settle", {"agreement": "人社局协调后恢复协商"})["state"] == "consulting"


def test_the_sweeper_catches_up_long_after_every_missed_deadline(world: World) -> None:
    first = _proposed(world, "2026-11-02")
    second = _proposed(world, "2026-11-09")
    answered = _proposed(world, "2026-11-09")
    answered.event("employer_body", "accept", {"received_on": "2026-11-20", "reply": "同意"})
    fired = _tick(world, "2027-06-01")
    assert sorted((f["case_id"], f["event"]) for f in fired) == [(first.id, "reply_overdue"), (second.id, "reply_overdue")]
    assert _deadline(answered.refresh(), "reply")["status"] == "met"
    assert _tick(world, "2027-06-02") == []
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


def test_a_late_answer_closes_the_reply_deadline_as_overdue(world: World) -> None:
    flow = _proposed(world, "2026-11-02")
    case = flow.event("employer_body", "decline", {"received_on": "2026-11-30", "reason": "不同意协商范围"})
    assert case["state"] == "in_dispute" and _deadline(case, "reply")["status"] == "overdue"
    assert _tick(world, "2026-12-30") == []


def test_withdraw_cancels_every_open_deadline(world: World) -> None:
    flow = _proposed(world, "2026-11-02")
    case = flow.event("union", "withdraw", {"reason": "行业格局变化"})
    assert case["state"] == "withdrawn" and _deadline(case, "reply")["status"] == "cancelled"
    assert _tick(world, "2026-12-30") == []
    assert flow.refresh()["state"] == "withdrawn"


@pytest.mark.parametrize(("kind", "due_on"), [("comprehensive", "2026-12-14"), ("wage", "2026-12-10")])
def test_the_second_signature_opens_the_r13_filing_deadline_10_days_or_7_for_wage_contracts(
    world: World, kind: str, due_on: str
) -> None:
    flow = new_flow(world, kind=kind)
    flow.to_signed(APPROVERS)  # signed on 2026-12-02 and 2026-12-03
    filing = _deadline(flow.case, "filing")
    assert (filing["rule"], filing["trigger_on"], filing["due_on"], filing["status"]) == ("R13", "2026-12-03", due_on, "open")


def test_an_overdue_filing_is_flagged_once_and_the_case_does_not_move(world: World) -> None:
    flow = new_flow(world)
    flow.to_signed(APPROVERS)
    version = flow.refresh()["version"]
    assert _tick(world, "2026-12-14") == []
    assert _tick(world, "2026-12-15") == [{"case_id": flow.id, "event": "filing_overdue", "rule": "R13"}]
    case = flow.refresh()
    assert case["state"] == "signed" and "filing_overdue" in case["flags"]
    assert _deadline(case, "filing")["status"] == "overdue" and case["version"] == version + 1
    assert _tick(world, "2026-12-20") == []
    case = flow.event("employer_body", "file", {"filed_on": "2026-12-21"})  # late filing is still accepted
    assert case["state"] == "filed" and _deadline(case, "filing")["status"] == "overdue"


def test_filing_on_time_meets_the_deadline(world: World) -> None:
    flow = new_flow(world)
    flow.to_signed(APPROVERS)
    case = flow.event("union", "file", {"filed_on": "2026-12-14"})
    assert _deadline(case, "filing")["status"] == "met" and "filing_overdue" not in case["flags"]
    assert _tick(world, "2026-12-30") == []


def _in_review(world: World) -> Flow:
    flow = new_flow(world)
    flow.to_signed(APPROVERS)
    flow.event("union", "file", {"filed_on": "2026-12-08"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    return flow


def test_deemed_effect_fires_exactly_once_and_opens_the_publication_deadline_r15_r17(world: World) -> None:
    flow = _in_review(world)
    review = _deadline(flow.case, "review")
    assert (review["rule"], review["trigger_on"], review["due_on"]) == ("R15", "2026-12-09", "2026-12-24")
    assert _tick(world, "2026-12-25") == [{"case_id": flow.id, "event": "deemed_effective", "rule": "R15"}]
    case = flow.refresh()
    assert case["state"] == "effective" and _deadline(case, "review")["status"] == "fired"
    publication = _deadline(case, "publication")
    assert (publication["rule"], publication["trigger_on"], publication["status"]) == ("R17", "2026-12-25", "open")
    assert publication["due_on"] == "2027-01-04"  # 2027-01-04 is a Monday in the weekends-only fallback
    assert publication["calendar"] == "weekends_only"
    assert _tick(world, "2026-12-26") == []
    system = [e["event"] for e in world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
              if e["actor"] == "system"]  # fmt: skip
    assert system == ["deemed_effective"]


def test_a_tick_long_after_receipt_fires_deemed_effect_and_flags_the_missed_publication_in_one_pass(world: World) -> None:
    flow = _in_review(world)
    fired = _tick(world, "2027-03-01")
    assert [(f["event"], f["rule"]) for f in fired] == [("deemed_effective", "R15"), ("publication_overdue", "R17")]
    case = flow.refresh()
    assert case["state"] == "effective" and "publication_overdue" in case["flags"]
    assert _tick(world, "2027-03-02") == []
    assert flow.event("union", "publish", {"published_on": "2027-03-02", "channels": ["平台App公告"]})["state"] == "in_force"


def test_approval_by_the_bureau_meets_the_review_deadline_and_publication_on_time_meets_r17(world: World) -> None:
    flow = _in_review(world)
    case = flow.event("bureau", "approve", {"approved_on": "2026-12-10"})
    assert case["state"] == "effective" and _deadline(case, "review")["status"] == "met"
    assert _deadline(case, "publication")["due_on"] == "2026-12-21"  # 2026-12-20 is a Sunday
    case = flow.event("union", "publish", {"published_on": "2026-12-21", "channels": ["平台App公告", "工会公众号"]})
    assert case["state"] == "in_force" and _deadline(case, "publication")["status"] == "met"
    assert _tick(world, "2027-01-30") == []


def test_an_objection_meets_the_review_deadline_and_nothing_fires_later(world: World) -> None:
    flow = _in_review(world)
    case = flow.event("bureau", "object", {"opinion": "夜间补贴条款不明确"})
    assert _deadline(case, "review")["status"] == "met"
    assert _tick(world, "2027-01-30") == []
    assert flow.refresh()["state"] == "consulting"


def test_a_review_opinion_longer_than_its_document_cap_is_refused_and_changes_nothing(world: World, services: Services) -> None:
    flow = _in_review(world)
    items = [{"clause": "piece_rates", "text": "条" * 2_000} for _ in range(10)]  # 20,000, each item within its own cap
    with nothing_changes(services.engine):
        r = post_event(world, flow, "bureau", "object", {"opinion": "计件单价条款表述不清", "items": items})
    expect_error(r, 422, "validation_error", paths={"data.items"}, message_has=str(OPINION_TEXT_LIMIT))
    case = flow.event("bureau", "object", {"opinion": "计件单价条款表述不清", "items": items[:9]})  # 18,010: accepted
    assert case["state"] == "consulting"


def test_an_objection_item_on_a_chapter_the_contract_lacks_names_the_item_by_its_index(world: World, services: Services) -> None:
    flow = _in_review(world)
    assert "women_protection" not in flow.refresh()["topics"]
    items = [{"clause": "piece_rates", "text": "单价表述不清"}, {"clause": "women_protection", "text": "未见女职工条款"}]
    with nothing_changes(services.engine):
        r = post_event(world, flow, "bureau", "object", {"opinion": "请修改", "items": items})
    expect_error(r, 422, "validation_error", paths={"data.items[1].clause"})
