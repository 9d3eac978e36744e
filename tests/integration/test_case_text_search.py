"""GET /api/v1/cases?q= matches the title or the text of the case's current draft or contract, for those who may see it."""

from __future__ import annotations

from tests.conftest import World
from tests.flows import Flow, terms
from tests.integration.support import expect_error

APPROVERS = ("employer_body", "ent1", "ent2")


def _found(world: World, q: str, who: str = "union") -> list[int]:
    r = world.client.get("/api/v1/cases", params={"q": q}, headers=world.h(who))
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["items"]]


def _flow(world: World, title: str) -> Flow:
    return Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body(title=title))


def test_q_matches_the_current_drafts_text_and_no_longer_an_earlier_drafts(world: World) -> None:
    flow = _flow(world, "西安市快递行业集体协商（检索）")
    other = _flow(world, "西安市快递行业集体协商（无草案）")
    assert _found(world, "每件1.50元") == []
    flow.to_consulting()
    flow.draft(terms(rate="1.50"))
    assert _found(world, "不得低于每件1.50元") == [flow.id]
    assert _found(world, "每件１．５０元") == [flow.id]  # the same phrase typed in full-width figures
    flow.draft(terms(rate="1.65"))
    assert _found(world, "每件1.50元") == []
    assert _found(world, "每件1.65元") == [flow.id]
    # the title still matches as before, and a phrase of the shared wording finds every case with a draft
    assert _found(world, "无草案") == [other.id]
    assert _found(world, "计件单价") == [flow.id]
    assert _found(world, "每件1.6%元") == [] and _found(world, "每件1_65元") == []  # wildcards are characters


def test_q_matches_the_contracts_text_once_signed(world: World) -> None:
    flow = _flow(world, "西安市快递行业集体协商（合同检索）")
    flow.to_agreed(APPROVERS, terms(rate="1.55"))
    flow.event("union", "open_vote")
    flow.event(
        "union", "record_vote",
        {"draft_version": 1, "members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, "held_on": "2026-12-01"},
    )  # fmt: skip
    assert _found(world, "签订日期：2026年12月3日") == []
    flow.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
    flow.event("employer_body", "sign", {"signed_on": "2026-12-03", "signatory": "张伟", "place": "西安市雁塔区"})
    assert _found(world, "签订地点：西安市雁塔区") == [flow.id]  # printed on the signed contract only
    assert _found(world, "每件1.55元") == [flow.id]


def test_q_never_finds_a_case_the_caller_may_not_see(world: World) -> None:
    flow = _flow(world, "西安市快递行业集体协商（他人不可见）")
    flow.to_consulting()
    flow.draft(terms(rate="1.75"))
    assert _found(world, "每件1.75元", "ent1") == [flow.id]
    assert _found(world, "每件1.75元", "outsider") == []
    assert _found(world, "每件1.75元", "other_union") == []
    assert _found(world, "每件1.75元", "admin") == [flow.id]
    r = world.client.get("/api/v1/cases", params={"q": "x" * 201}, headers=world.h("union"))
    expect_error(r, 422, "validation_error", paths={"q"})
