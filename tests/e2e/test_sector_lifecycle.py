"""A sector negotiation the long way round over HTTP, and the API served by `negotiation serve` as a real process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import World
from tests.flows import terms
from tests.integration.support import expect_error, headers, new_flow
from tests.served import serving

VOTE = {"members": 40, "present": 32, "yes": 25, "no": 5, "abstain": 2}


def test_a_sector_contract_survives_changes_a_failed_vote_and_an_objection_before_it_is_in_force(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    meeting = {"held_on": "2026-11-12", "location": "西安市总工会", "recorder": "周静", "summary": "交换意见", "positions": []}
    for i, side in enumerate(("worker", "employer", "worker")):
        r = world.client.post(f"/api/v1/cases/{flow.id}/meetings", json={**meeting, "chair_side": side, "held_on": f"2026-11-1{i + 2}"},
                              headers=world.h("union"))  # fmt: skip
        assert r.status_code == 201, r.text
    flow.draft()
    flow.event("union", "submit_draft", {"draft_version": 1})
    world.client.post(
        f"/api/v1/cases/{flow.id}/drafts/1/comments", json={"clause": "piece_rates", "body": "单价过高"}, headers=world.h("ent2")
    )
    flow.event("ent2", "request_changes", {"comment": "请下调计件单价"})
    flow.draft(terms(rate="1.45"))
    diff = world.client.get(f"/api/v1/cases/{flow.id}/drafts/2/diff?against=1", headers=world.h("ent2")).json()["changes"]
    assert diff == [{"path": "terms.piece_rates[0].rate_cny", "before": "1.50", "after": "1.45"}]
    flow.event("union", "submit_draft", {"draft_version": 2})
    for who in ("employer_body", "ent1", "ent2"):
        flow.event(who, "approve_draft")
    flow.event("union", "open_vote")
    assert (
        flow.event("union", "record_vote", {"draft_version": 2, **VOTE, "yes": 20})["state"] == "consulting"
    )  # 20 of 40: not more than half
    flow.event("union", "submit_draft", {"draft_version": 2})
    for who in ("ent1", "ent2", "employer_body"):
        flow.event(who, "approve_draft")
    flow.event("union", "open_vote")
    assert flow.event("union", "record_vote", {"draft_version": 2, **VOTE, "held_on": "2026-12-01"})["state"] == "ratified"
    flow.event("employer_body", "sign", {"signed_on": "2026-12-02", "signatory": "张伟"})
    flow.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
    flow.event("employer_body", "file", {"filed_on": "2026-12-04"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-07", "receipt_no": "西人社集备〔2026〕7号"})
    flow.event("bureau", "object", {"opinion": "夜间补贴条款需明确适用时段"})
    flow.draft(terms(rate="1.46"))
    flow.event("union", "submit_draft", {"draft_version": 3})
    for who in ("employer_body", "ent1", "ent2"):
        flow.event(who, "approve_draft")
    flow.event("union", "open_vote")
    flow.event("union", "record_vote", {"draft_version": 3, **VOTE, "held_on": "2026-12-15"})
    flow.event("union", "sign", {"signed_on": "2026-12-16", "signatory": "李建国"})
    flow.event("employer_body", "sign", {"signed_on": "2026-12-16", "signatory": "张伟"})
    flow.event("union", "file", {"filed_on": "2026-12-17"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-18", "receipt_no": "西人社集备〔2026〕9号"})
    flow.event("bureau", "approve", {"approved_on": "2026-12-22"})
    case = flow.event("union", "publish", {"published_on": "2026-12-23", "channels": ["平台App公告", "站点张贴"]})
    assert case["state"] == "in_force" and case["allowed_events"] == []
    statuses = {d["kind"]: d["status"] for d in case["deadlines"] if d["status"] != "met"}
    # Every deadline of the negotiation was met; those of the contract's life are open (R19, R18, R24).
    assert statuses == {"renewal": "open", "expiry": "open", "algorithm_talks": "open"}
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("bureau")).json()
    assert len(audit) == case["version"] + 1  # one comment: audited without a version
    verify = world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()
    assert verify["ok"] is True and verify["events_checked"] == len(audit)
    contracts = [
        d
        for d in world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
        if d["kind"] == "contract"
    ]
    assert [d["draft_version"] for d in contracts] == [2, 3]
    assert contracts[0]["superseded_by"] == contracts[1]["id"] and contracts[1]["superseded_by"] is None
    for who in ("outsider", "other_union", "other_bureau"):
        expect_error(world.client.get(f"/api/v1/cases/{flow.id}", headers=headers(world)[who]), 404, "not_found")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`negotiation serve` on a SQLite file, with the test clock and an admin token from the environment."""
    with serving(tmp_path, admin_token="served-admin-token-0123456789abcdef") as server:
        yield server.base


def test_the_served_api_answers_health_admin_set_up_and_refuses_oversized_bodies(served: str) -> None:
    admin = {"Authorization": "Bearer served-admin-token-0123456789abcdef"}
    assert httpx.get(f"{served}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{served}/api/v1/cases").status_code == 401
    org = httpx.post(f"{served}/api/v1/organizations", json={"name": "西安市外卖行业工会", "kind": "union", "region_code": "610100"},
                     headers=admin)  # fmt: skip
    assert org.status_code == 201
    user = httpx.post(f"{served}/api/v1/users", json={"name": "王芳", "role": "union_negotiator", "organization_id": org.json()["id"]},
                      headers=admin).json()  # fmt: skip
    union = {"Authorization": f"Bearer {user['token']}"}
    assert httpx.get(f"{served}/api/v1/cases", headers=union).json() == {"items": [], "next_cursor": None}
    big = httpx.post(
        f"{served}/api/v1/cases",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={**union, "Content-Type": "application/json"},
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
    tick = httpx.post(f"{served}/api/v1/admin/tick", json={"as_of": "2027-01-01"}, headers=admin)
    assert tick.status_code == 200 and tick.json() == {"fired": []}
    schema = httpx.get(f"{served}/openapi.json").json()
    assert {"/api/v1/cases", "/api/v1/cases/{case_id}/events", "/api/v1/admin/tick", "/healthz"} <= set(schema["paths"])
