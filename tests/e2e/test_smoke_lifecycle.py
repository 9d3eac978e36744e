"""The whole demo-like lifecycle over HTTP, from drafting to in_force by deemed effect."""

from __future__ import annotations

from tests.conftest import World
from tests.flows import Flow


def test_case_reaches_in_force_through_deemed_effect_by_the_sweeper(world: World) -> None:
    headers = {k: world.h(k) for k in world.tokens}
    flow = Flow(world.client, headers, world.case_body())
    flow.to_signed(("employer_body", "ent1", "ent2"))
    assert flow.case["state"] == "signed"
    filing = next(d for d in flow.case["deadlines"] if d["kind"] == "filing")
    assert filing["rule"] == "R13" and filing["status"] == "open"
    flow.event("union", "file", {"filed_on": "2026-12-08"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    review = next(d for d in flow.refresh()["deadlines"] if d["kind"] == "review")
    assert review["due_on"] == "2026-12-24"
    r = world.client.post("/api/v1/admin/tick", json={"as_of": "2026-12-24"}, headers=world.h("admin"))
    assert r.json() == {"fired": []}
    r = world.client.post("/api/v1/admin/tick", json={"as_of": "2026-12-25"}, headers=world.h("admin"))
    assert r.json()["fired"] == [{"case_id": flow.id, "event": "deemed_effective", "rule": "R15"}]
    r = world.client.post("/api/v1/admin/tick", json={"as_of": "2026-12-26"}, headers=world.h("admin"))
    assert r.json() == {"fired": []}
    assert flow.refresh()["state"] == "effective"
    flow.event("union", "publish", {"published_on": "2026-12-28", "channels": ["平台App公告"]})
    assert flow.case["state"] == "in_force"
    verify = world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()
    assert verify["ok"] is True and verify["first_bad_seq"] is None
