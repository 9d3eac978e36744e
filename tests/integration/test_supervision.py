"""The contract in force, over HTTP: the platforms' rule changes against the contract's own notice term (R23), the
union's inspections and its supervision letters (履约监督, 一函两书) (api.md "After the contract takes effect")."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, headers, nothing_changes

APPROVERS = ("employer_body", "ent1", "ent2")
NOTICE = {"rules_published": True, "change_notice_days": 30, "refusals_without_penalty_per_day": 3}
TOPICS = ["piece_rates", "pay_method", "rest_leave", "order_allocation"]
CHANGE = {
    "title": "派单算法调整",
    "summary": "高峰时段按距离优先派单，取消连续拒单扣分。",
    "topics": ["order_allocation"],
    "notified_on": "2027-03-01",
    "effective_on": "2027-04-05",
}
INSPECTION = {
    "held_on": "2027-06-15",
    "inspectors": ["周敏", "赵磊"],
    "findings": [
        {"clause": "piece_rates", "status": "breached", "note": "两个站点夜间补贴未按本合同发放。"},
        {"clause": "rest_leave", "status": "complied", "note": "抽查排班表，每月休息不少于四日。"},
        {"clause": "general", "status": "partly", "note": "合同文本仅在部分站点公示。"},
    ],
}


def _in_force(world: World) -> Flow:
    flow = Flow(world.client, headers(world), world.case_body(topics=TOPICS))
    flow.to_in_force(APPROVERS, {**TERMS, "order_allocation": NOTICE})
    return flow


@pytest.fixture
def flow(world: World) -> Flow:
    return _in_force(world)


def _post(world: World, flow: Flow, path: str, body: Any, who: str = "union") -> Any:
    return world.client.post(f"/api/v1/cases/{flow.id}/{path}", json=body, headers=world.h(who))


def _letter(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "kind": "opinion",
        "addressee_org_id": world.orgs["ent1"],
        "issued_on": "2027-06-20",
        "text": "经检查，贵单位两个站点未按本合同发放夜间补贴，请及时补发并书面答复。",
        "clauses": ["piece_rates"],
        "reply_within_days": 15,
    }
    return {**body, **changes}


def _pdf_text(world: World, document_id: int) -> str:
    content = world.client.get(f"/api/v1/documents/{document_id}/content", headers=world.h("union")).content
    return "".join((p.extract_text() or "").replace("\n", "") for p in PdfReader(io.BytesIO(content)).pages)


def _audit(world: World, flow: Flow) -> list[dict[str, Any]]:
    r = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union"))
    assert r.status_code == 200, r.text
    links: list[dict[str, Any]] = r.json()
    return links


# --- R23 ----------------------------------------------------------------------------------------------------------


def test_a_rule_change_notified_in_time_is_listed_with_the_unions_response(world: World, flow: Flow) -> None:
    version = flow.refresh()["version"]
    r = _post(world, flow, "rule_changes", CHANGE, who="ent1")
    assert r.status_code == 201, r.text
    change = r.json()
    assert {k: change[k] for k in (*CHANGE, "response_due_on", "responses")} == {
        **CHANGE, "response_due_on": "2027-04-04", "responses": [],
    }  # fmt: skip
    assert change["notice_days_required"] == 30
    assert flow.refresh()["version"] == version + 1
    assert _audit(world, flow)[-1]["event"] == "notify_rule_change"

    r = _post(
        world, flow, f"rule_changes/{change['id']}/responses", {"position": "request_talks", "comment": "请就派单算法开展协商"}
    )
    assert r.status_code == 201, r.text
    assert (r.json()["position"], r.json()["comment"]) == ("request_talks", "请就派单算法开展协商")
    assert _audit(world, flow)[-1]["event"] == "respond_rule_change"

    for who in ("union", "employer_body", "bureau"):
        listed = world.client.get(f"/api/v1/cases/{flow.id}/rule_changes", headers=world.h(who)).json()
        assert [c["title"] for c in listed] == ["派单算法调整"]
        assert [x["position"] for x in listed[0]["responses"]] == ["request_talks"]
    assert world.client.get(f"/api/v1/cases/{flow.id}/rule_changes", headers=world.h("outsider")).status_code == 404


def test_a_notice_shorter_than_the_contracts_term_is_refused_citing_the_contracts_article(
    world: World, services: Services, flow: Flow
) -> None:
    # The contract's article stating the notice, as the signed contract numbers it.
    contract = next(
        d
        for d in world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
        if d["kind"] == "contract"
    )
    text = _pdf_text(world, contract["id"])
    article = re.search(r"第([一二三四五六七八九十百]+)条　企业调整订单分配规则或者算法的，应当至少提前30日告知", text)
    assert article, text[:500]
    with nothing_changes(services.engine):
        r = _post(world, flow, "rule_changes", {**CHANGE, "effective_on": "2027-03-30"}, who="employer_body")
    violations = expect_error(r, 422, "rule_violation", rules={"R23"}, paths={"effective_on"})
    assert f"第{article.group(1)}条" in violations[0]["citation"]
    assert "西安市快递行业集体协商" in violations[0]["citation"] and "人社部发〔2021〕56号" in violations[0]["citation"]
    assert "30日" in violations[0]["message"] and "29日" in violations[0]["message"]


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("union", CHANGE, 403, "forbidden"),
        ("bureau", CHANGE, 403, "forbidden"),
        ("outsider", CHANGE, 404, "not_found"),
        ("ent1", {**CHANGE, "effective_on": "2027-03-01"}, 422, "validation_error"),
        ("ent1", {**CHANGE, "topics": ["no_such_topic"]}, 422, "validation_error"),
        ("ent1", {**CHANGE, "summary": "字" * 20_001}, 422, "validation_error"),
        ("ent1", {k: v for k, v in CHANGE.items() if k != "title"}, 422, "validation_error"),
    ],
)
def test_bad_rule_change_notices_are_refused_and_change_nothing(
    world: World, services: Services, flow: Flow, who: str, body: Any, status: int, code: str
) -> None:
    with nothing_changes(services.engine):
        expect_error(_post(world, flow, "rule_changes", body, who=who), status, code)


def test_bad_responses_are_refused_and_change_nothing(world: World, services: Services, flow: Flow) -> None:
    rid = _post(world, flow, "rule_changes", CHANGE, who="ent1").json()["id"]
    with nothing_changes(services.engine):
        expect_error(_post(world, flow, f"rule_changes/{rid}/responses", {"position": "agree"}, who="ent1"), 403, "forbidden")
        expect_error(_post(world, flow, f"rule_changes/{rid + 1}/responses", {"position": "agree"}), 404, "not_found")
        expect_error(_post(world, flow, f"rule_changes/{rid}/responses", {"position": "maybe"}), 422, "validation_error")


def test_before_the_contract_is_in_force_nothing_of_it_is_accepted(world: World, services: Services) -> None:
    flow = Flow(world.client, headers(world), world.case_body(topics=TOPICS))
    flow.to_consulting()
    with nothing_changes(services.engine):
        expect_error(_post(world, flow, "rule_changes", CHANGE, who="ent1"), 409, "invalid_transition")
        expect_error(_post(world, flow, "inspections", INSPECTION), 409, "invalid_transition")
        expect_error(_post(world, flow, "supervision_letters", _letter(world)), 409, "invalid_transition")


# --- 履约监督 ---------------------------------------------------------------------------------------------------------


def test_an_inspection_makes_its_report_naming_the_enterprises_and_the_clauses(world: World, flow: Flow) -> None:
    version = flow.refresh()["version"]
    r = _post(world, flow, "inspections", INSPECTION)
    assert r.status_code == 201, r.text
    inspection = r.json()
    assert (inspection["held_on"], inspection["inspectors"]) == ("2027-06-15", ["周敏", "赵磊"])
    assert [f["status"] for f in inspection["findings"]] == ["breached", "complied", "partly"]
    assert flow.refresh()["version"] == version + 1
    assert _audit(world, flow)[-1]["event"] == "record_inspection"
    listed = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    report = [d for d in listed if d["kind"] == "inspection_report"]
    assert [d["id"] for d in report] == inspection["document_ids"]
    text = _pdf_text(world, report[0]["id"])
    for words in ("集体合同履约情况检查报告", "顺丰速运西安分公司", "中通快递西安分拨中心", "周敏、赵磊", "行业计件单价", "未履行",
                  "两个站点夜间补贴未按本合同发放", "部分履行", "《工会劳动法律监督办法》第二十二条"):  # fmt: skip
        assert words in text, words
    assert [i["id"] for i in world.client.get(f"/api/v1/cases/{flow.id}/inspections", headers=world.h("bureau")).json()] == [1]


@pytest.mark.parametrize(
    ("who", "body", "status", "code", "path"),
    [
        ("union", {**INSPECTION, "findings": [{"clause": "working_hours", "status": "breached", "note": ""}]}, 422,
         "validation_error", "findings[0].clause"),
        ("union", {**INSPECTION, "findings": [{"clause": "piece_rates", "status": "bad"}]}, 422, "validation_error", None),
        ("union", {**INSPECTION, "findings": []}, 422, "validation_error", None),
        ("union", {**INSPECTION, "findings": [{"clause": "general", "status": "complied"}] * 101}, 422, "validation_error",
         None),
        ("union", {**INSPECTION, "findings": [{"clause": "general", "status": "partly", "note": "字" * 2_001}]}, 422,
         "validation_error", None),
        ("union", {**INSPECTION, "findings": [{"clause": "general", "status": "partly", "note": "字" * 2_000}] * 11}, 422,
         "validation_error", "findings"),
        ("union", {**INSPECTION, "held_on": "2026-12-01"}, 422, "validation_error", "held_on"),
        ("employer_body", INSPECTION, 403, "forbidden", None),
        ("other_union", INSPECTION, 404, "not_found", None),
    ],
)  # fmt: skip
def test_bad_inspections_are_refused_and_change_nothing(
    world: World, services: Services, flow: Flow, who: str, body: Any, status: int, code: str, path: str | None
) -> None:
    with nothing_changes(services.engine):
        violations = expect_error(_post(world, flow, "inspections", body, who=who), status, code)
    if path is not None:
        assert path in {v["path"] for v in violations}


def test_a_supervision_letter_names_the_enterprise_the_clauses_and_opens_the_reply_deadline(world: World, flow: Flow) -> None:
    r = _post(world, flow, "supervision_letters", _letter(world))
    assert r.status_code == 201, r.text
    letter = r.json()
    assert (letter["kind"], letter["reply_due_on"], letter["clauses"]) == ("opinion", "2027-07-05", ["piece_rates"])
    deadline = next(d for d in flow.refresh()["deadlines"] if d["kind"] == "supervision_reply")
    assert (deadline["trigger_on"], deadline["due_on"], deadline["status"]) == ("2027-06-20", "2027-07-05", "open")
    assert deadline["citation"] == "《工会劳动法律监督办法》第二十条"
    assert _audit(world, flow)[-1]["event"] == "issue_supervision_letter"
    (doc_id,) = letter["document_ids"]
    text = _pdf_text(world, doc_id)
    for words in ("工会劳动法律监督意见书", "顺丰速运西安分公司：", "所涉本合同条款：行业计件单价", "请于2027年7月5日前",
                  "《工会劳动法律监督办法》第二十条", "《工会劳动法律监督办法》第二十二条", "未按本合同发放夜间补贴"):  # fmt: skip
        assert words in text, words
    listed = world.client.get(f"/api/v1/cases/{flow.id}/supervision_letters", headers=world.h("ent1")).json()
    assert [x["id"] for x in listed] == [1]


def test_a_proposal_is_addressed_to_the_bureau_about_the_enterprise(world: World, flow: Flow) -> None:
    r = _post(
        world, flow, "supervision_letters", _letter(world, kind="proposal", addressee_org_id=world.orgs["ent2"], clauses=[])
    )
    assert r.status_code == 201, r.text
    text = _pdf_text(world, r.json()["document_ids"][0])
    assert "工会劳动法律监督建议书" in text and "西安市人力资源和社会保障局：" in text
    assert "中通快递西安分拨中心是" in text and "《工会劳动法律监督办法》第二十一条" in text


@pytest.mark.parametrize(
    ("who", "changes", "status", "code", "path"),
    [
        ("union", {"addressee_org_id": "outsider"}, 422, "validation_error", "addressee_org_id"),
        ("union", {"addressee_org_id": "union"}, 422, "validation_error", "addressee_org_id"),
        ("union", {"clauses": ["working_hours"]}, 422, "validation_error", "clauses[0]"),
        ("union", {"kind": "warning"}, 422, "validation_error", None),
        ("union", {"reply_within_days": 0}, 422, "validation_error", None),
        ("union", {"text": ""}, 422, "validation_error", None),
        ("union", {"text": "字" * 20_001}, 422, "validation_error", None),
        ("ent1", {}, 403, "forbidden", None),
        ("outsider", {}, 404, "not_found", None),
    ],
)
def test_bad_supervision_letters_are_refused_and_change_nothing(
    world: World, services: Services, flow: Flow, who: str, changes: dict[str, Any], status: int, code: str, path: str | None
) -> None:
    if isinstance(changes.get("addressee_org_id"), str):
        changes = {**changes, "addressee_org_id": world.orgs[changes["addressee_org_id"]]}
    with nothing_changes(services.engine):
        violations = expect_error(_post(world, flow, "supervision_letters", _letter(world, **changes), who=who), status, code)
    if path is not None:
        assert path in {v["path"] for v in violations}


def test_an_unanswered_letter_is_overdue_after_its_reply_date(world: World, flow: Flow) -> None:
    assert _post(world, flow, "supervision_letters", _letter(world, reply_within_days=10)).status_code == 201
    r = world.client.post("/api/v1/admin/tick", json={"as_of": "2027-07-01"}, headers=world.h("admin"))
    assert r.status_code == 200, r.text
    assert {"case_id": flow.id, "event": "supervision_reply_overdue", "rule": "supervise"} in r.json()["fired"]
    case = flow.refresh()
    assert next(d for d in case["deadlines"] if d["kind"] == "supervision_reply")["status"] == "overdue"
    assert "supervision_reply_overdue" in case["flags"]


def test_a_stale_version_is_a_conflict_a_replay_answers_the_same_and_the_chain_verifies(
    world: World, services: Services, flow: Flow
) -> None:
    version = flow.refresh()["version"]
    with nothing_changes(services.engine):
        expect_error(_post(world, flow, "inspections", {**INSPECTION, "expected_version": version - 1}), 409, "version_conflict")
    key = {**world.h("union"), "Idempotency-Key": "inspection-1"}
    first = world.client.post(f"/api/v1/cases/{flow.id}/inspections", json=INSPECTION, headers=key)
    again = world.client.post(f"/api/v1/cases/{flow.id}/inspections", json=INSPECTION, headers=key)
    assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(world.client.get(f"/api/v1/cases/{flow.id}/inspections", headers=world.h("union")).json()) == 1
    assert flow.refresh()["version"] == version + 1
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True
