"""A renewal or variation names the contract in force (R19, R20); its drafts are compared with that contract."""

from __future__ import annotations

import re

from tests.conftest import World
from tests.flows import Flow, terms
from tests.integration.test_review_sessions import _sign_in

APPROVERS = ("employer_body", "ent1", "ent2")


def _headers(world: World) -> dict[str, dict[str, str]]:
    return {k: world.h(k) for k in world.tokens}


def _in_force(world: World) -> Flow:
    flow = Flow(world.client, _headers(world), world.case_body())
    flow.to_signed(APPROVERS)
    flow.event("union", "file", {"filed_on": "2026-12-08"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    flow.event("bureau", "approve", {"approved_on": "2026-12-15"})
    flow.event("union", "publish", {"published_on": "2026-12-18", "channels": ["平台App公告"]})
    return flow


def test_a_case_may_only_amend_a_contract_of_its_union_that_is_in_force(world: World) -> None:
    pending = Flow(world.client, _headers(world), world.case_body())
    r = world.client.post("/api/v1/cases", json=world.case_body(amends_case_id=pending.id), headers=world.h("union"))
    assert r.status_code == 422
    assert [v["path"] for v in r.json()["error"]["violations"]] == ["amends_case_id"]
    r = world.client.post("/api/v1/cases", json=world.case_body(amends_case_id=99999), headers=world.h("union"))
    assert r.status_code == 422


def test_the_review_page_shows_what_a_renewal_draft_changes_in_the_contract_in_force(world: World) -> None:
    earlier = _in_force(world)
    renewal = Flow(world.client, _headers(world), world.case_body(title="西安市快递行业集体合同续订", amends_case_id=earlier.id))
    assert renewal.case["amends_case_id"] == earlier.id
    renewal.to_consulting()
    draft = renewal.draft(terms(rate="1.65"))
    _sign_in(world.client, world.tokens["ent1"])
    page = world.client.get(f"/review/cases/{renewal.id}/drafts/{draft['version']}")
    assert page.status_code == 200
    assert "与现行合同相比的修改" in page.text
    changes = re.findall(r'data-testid="in-force-change"[^>]*>(.*?)</li>', page.text, re.S)
    assert len(changes) == 1 and "¥1.50 → ¥1.65" in changes[0]
