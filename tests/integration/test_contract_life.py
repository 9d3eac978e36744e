"""The contract's life after it takes effect: the renewal window (R19), the expiry after the term (R18) and the
yearly algorithm talks (R24) as deadlines, over HTTP (api.md "After the contract takes effect")."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import Flow, terms
from tests.integration.support import expect_error, headers, nothing_changes

APPROVERS = ("employer_body", "ent1", "ent2")
# The standard draft runs 2027-01-01 … 2028-12-31; the bureau approves on 2026-12-15.
TERM_END = "2028-12-31"


def _in_force(world: World) -> Flow:
    flow = Flow(world.client, headers(world), world.case_body())
    flow.to_signed(APPROVERS)
    flow.event("union", "file", {"filed_on": "2026-12-08"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    flow.event("bureau", "approve", {"approved_on": "2026-12-15"})
    flow.event("union", "publish", {"published_on": "2026-12-18", "channels": ["平台App公告"]})
    assert flow.case["state"] == "in_force"
    return flow


def _deadline(flow: Flow, kind: str) -> dict[str, Any]:
    return next(d for d in flow.refresh()["deadlines"] if d["kind"] == kind)


def _tick(world: World, as_of: str) -> list[dict[str, Any]]:
    r = world.client.post("/api/v1/admin/tick", json={"as_of": as_of}, headers=world.h("admin"))
    assert r.status_code == 200, r.text
    fired: list[dict[str, Any]] = r.json()["fired"]
    return fired


MEETING = {"held_on": "2027-06-10", "location": "西安市总工会三楼会议室", "chair_side": "worker", "recorder": "周敏",
           "summary": "平台通报派单算法调整方案，工会提出意见",
           "positions": [{"topic": "piece_rates", "worker_position": "高峰时段单价不降", "employer_position": "同意"}]}  # fmt: skip


def _meeting(world: World, flow: Flow, **changes: Any) -> Any:
    body = {k: v for k, v in {**MEETING, **changes}.items() if v is not None}
    return world.client.post(f"/api/v1/cases/{flow.id}/meetings", json=body, headers=world.h("union"))


def test_entering_in_force_opens_the_renewal_window_the_expiry_and_the_yearly_algorithm_talks(world: World) -> None:
    flow = _in_force(world)
    renewal, expiry, talks = (_deadline(flow, k) for k in ("renewal", "expiry", "algorithm_talks"))
    assert {k: renewal[k] for k in ("rule", "trigger_on", "due_on", "status")} == {
        "rule": "R19", "trigger_on": "2028-09-30", "due_on": TERM_END, "status": "open",
    }  # fmt: skip
    assert "第三十八条" in renewal["citation"]
    assert (expiry["rule"], expiry["trigger_on"], expiry["due_on"], expiry["status"]) == ("R18", TERM_END, TERM_END, "open")
    assert (talks["rule"], talks["trigger_on"], talks["due_on"], talks["status"]) == ("R24", "2026-12-15", "2027-12-15", "open")
    assert "算法协商指引" in talks["citation"]
    assert talks["calendar"] == "weekends_only"  # 2027 has no published holiday data (none ships)
    assert flow.case["allowed_events"] == []


def test_a_renewal_draft_for_a_term_after_this_one_meets_the_window_audited_on_the_contract(world: World) -> None:
    earlier = _in_force(world)
    version = earlier.refresh()["version"]
    renewal = Flow(world.client, headers(world), world.case_body(title="西安市快递行业集体合同续订", amends_case_id=earlier.id))
    renewal.to_consulting()
    assert _deadline(earlier, "renewal")["status"] == "open"  # opening the case says nothing of its term yet
    r = world.client.post(
        f"/api/v1/cases/{renewal.id}/drafts",
        json={"term_start": "2029-01-01", "term_end": "2030-12-31", "terms": terms(rate="1.65")},
        headers=world.h("union"),
    )
    assert r.status_code == 201, r.text
    assert _deadline(earlier, "renewal")["status"] == "met"
    assert earlier.case["version"] == version + 1
    link = world.client.get(f"/api/v1/cases/{earlier.id}/audit", headers=world.h("union")).json()[-1]
    assert (link["event"], link["to_state"]) == ("renewal_opened", "in_force")
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


def test_a_variation_within_the_term_does_not_meet_the_renewal_window(world: World) -> None:
    earlier = _in_force(world)
    variation = Flow(world.client, headers(world), world.case_body(title="集体合同变更", amends_case_id=earlier.id))
    variation.to_consulting()
    variation.draft(terms(rate="1.60"))  # 2027-01-01 … 2028-12-31: within the contract's own term (R20)
    assert _deadline(earlier, "renewal")["status"] == "open"


def test_a_tick_after_term_end_expires_the_contract_by_the_system(world: World) -> None:
    flow = _in_force(world)
    assert _tick(world, TERM_END) == [{"case_id": flow.id, "event": "algorithm_talks_overdue", "rule": "R24"}]
    assert flow.refresh()["state"] == "in_force"
    fired = _tick(world, "2029-01-01")
    assert fired == [
        {"case_id": flow.id, "event": "renewal_overdue", "rule": "R19"},
        {"case_id": flow.id, "event": "expire", "rule": "R18"},
    ]
    case = flow.refresh()
    assert case["state"] == "expired" and case["allowed_events"] == []
    statuses = {d["kind"]: d["status"] for d in case["deadlines"]}
    assert statuses["renewal"] == "overdue" and statuses["expiry"] == "fired" and statuses["algorithm_talks"] == "overdue"
    link = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]
    assert (link["actor"], link["event"], link["from_state"], link["to_state"]) == ("system", "expire", "in_force", "expired")
    assert _tick(world, "2029-01-02") == []


def test_a_renewed_contract_still_expires_and_an_expired_one_may_still_be_renewed(world: World) -> None:
    earlier = _in_force(world)
    renewal = Flow(world.client, headers(world), world.case_body(amends_case_id=earlier.id))
    renewal.to_consulting()
    r = world.client.post(
        f"/api/v1/cases/{renewal.id}/drafts",
        json={"term_start": "2029-01-01", "term_end": "2029-12-31", "terms": terms()},
        headers=world.h("union"),
    )
    assert r.status_code == 201, r.text
    assert [f["event"] for f in _tick(world, "2029-01-01") if f["case_id"] == earlier.id][-1] == "expire"
    assert earlier.refresh()["state"] == "expired" and _deadline(earlier, "renewal")["status"] == "met"
    later = Flow(world.client, headers(world), world.case_body(amends_case_id=earlier.id))
    assert later.case["amends_case_id"] == earlier.id


def test_an_algorithm_talks_meeting_meets_r24_and_starts_next_years(world: World) -> None:
    flow = _in_force(world)
    r = _meeting(world, flow, purpose="algorithm_talks")
    assert r.status_code == 201, r.text
    assert r.json()["purpose"] == "algorithm_talks"
    talks = [d for d in flow.refresh()["deadlines"] if d["kind"] == "algorithm_talks"]
    assert [(d["status"], d["trigger_on"], d["due_on"]) for d in talks] == [
        ("met", "2026-12-15", "2027-12-15"),
        ("open", "2027-06-10", "2028-06-12"),  # 2028-06-10 is a Saturday: weekends only, rolled to Monday
    ]
    documents = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    assert documents[-1]["kind"] == "minutes"
    # The next year's talks would fall due after the term: none is opened.
    assert _meeting(world, flow, purpose="algorithm_talks", held_on="2028-03-01", chair_side="employer").status_code == 201
    talks = [d for d in flow.refresh()["deadlines"] if d["kind"] == "algorithm_talks"]
    assert [d["status"] for d in talks] == ["met", "met"]


def test_a_performance_review_meeting_is_accepted_in_force_and_meets_nothing(world: World) -> None:
    flow = _in_force(world)
    r = _meeting(world, flow, purpose="performance_review")
    assert r.status_code == 201, r.text
    assert _deadline(flow, "algorithm_talks")["status"] == "open"
    listed = world.client.get(f"/api/v1/cases/{flow.id}/meetings", headers=world.h("ent1")).json()
    assert [m["purpose"] for m in listed] == ["performance_review"]


@pytest.mark.parametrize("purpose", [None, "consultation"])
def test_a_negotiation_meeting_is_refused_once_the_contract_is_in_force(
    world: World, services: Services, purpose: str | None
) -> None:
    flow = _in_force(world)
    with nothing_changes(services.engine):
        expect_error(_meeting(world, flow, purpose=purpose), 409, "invalid_transition", message_has="algorithm_talks")


def test_in_consulting_only_negotiation_meetings_are_recorded(world: World, services: Services) -> None:
    flow = Flow(world.client, headers(world), world.case_body())
    flow.to_consulting()
    with nothing_changes(services.engine):
        expect_error(_meeting(world, flow, purpose="algorithm_talks"), 409, "invalid_transition", message_has="consultation")
        expect_error(_meeting(world, flow, purpose="lunch"), 422, "validation_error", paths={"purpose"})
    assert _meeting(world, flow, held_on="2026-11-20").json()["purpose"] == "consultation"


def test_an_algorithm_talks_meeting_before_the_contract_took_effect_is_refused(world: World, services: Services) -> None:
    flow = _in_force(world)
    with nothing_changes(services.engine):
        expect_error(
            _meeting(world, flow, purpose="algorithm_talks", held_on="2026-12-01"), 422, "validation_error", paths={"held_on"}
        )


def test_after_expiry_no_meeting_is_recorded(world: World) -> None:
    flow = _in_force(world)
    _tick(world, "2029-01-01")
    expect_error(_meeting(world, flow, purpose="performance_review", held_on="2029-01-05"), 409, "invalid_transition")
