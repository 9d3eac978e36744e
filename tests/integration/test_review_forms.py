"""Every party's forms on the review pages (TestClient, SQLite and PostgreSQL): a case carried from creation to
publication through forms alone, each event's form derived from its data model, and the refusals of api.md —
a stale version, a bad field, a legal rule, a forged event — shown again beside the field with nothing changed."""

from __future__ import annotations

import re
from typing import Any

import pytest

from negotiation import audit
from negotiation.bootstrap import Services
from negotiation.events import EVENT_DATA
from tests.conftest import World
from tests.flows import EMPLOYERS, TERMS, WORKERS, Flow
from tests.integration.page_forms import Visitor, field_errors, forms_of
from tests.integration.support import new_flow, nothing_changes

DRAFT_TERMS = {
    "term_start": "2027-01-01",
    "term_end": "2028-12-31",
    "terms.piece_rates[0].service": "parcel_delivery",
    "terms.piece_rates[0].unit": "parcel",
    "terms.piece_rates[0].rate_cny": "1.50",
    "terms.piece_rates[0].supplements[0].condition": "night",
    "terms.piece_rates[0].supplements[0].amount_cny": "0.50",
    "terms.expected_units_per_hour": "15",
    "terms.pay_method.cycle": "monthly",
    "terms.pay_method.pay_day": "10",
    "terms.pay_method.max_commission_pct": "20",
    "terms.pay_method.itemised_statement": True,
    "terms.rest_leave.rest_days_per_month": "4",
    "terms.rest_leave.holiday_pay_multiplier": "3",
}


def representatives() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for side, people in (("worker_side", WORKERS), ("employer_side", EMPLOYERS)):
        for i, person in enumerate(people):
            values[f"{side}[{i}].name"] = person["name"]
            values[f"{side}[{i}].title"] = person["title"]
            values[f"{side}[{i}].is_chief"] = bool(person.get("is_chief"))
            values[f"{side}[{i}].delegated_in_writing"] = bool(person.get("delegated_in_writing"))
    return values


def api_case(world: World, case_id: int, who: str = "union") -> dict[str, Any]:
    r = world.client.get(f"/api/v1/cases/{case_id}", headers=world.h(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def offered_events(html: str) -> list[str]:
    return [f.hidden()["event"] for f in forms_of(html) if f.action.endswith("/events") and "event" in f.hidden()]


def open_case_through_the_form(world: World, union: Visitor) -> int:
    form = union.form("/review/cases/new", "create_case")
    r = union.submit(form, {
        "title": "西安市快递行业集体协商（表单）", "sector": "express_delivery",
        "employer_org_id": world.orgs["employer_body"], "bureau_org_id": world.orgs["bureau"],
        "covered_enterprise_ids": [world.orgs["ent1"], world.orgs["ent2"]],
        "topics": ["piece_rates", "pay_method", "rest_leave"],
    })  # fmt: skip
    assert r.status_code == 303, (r.text[:3000], field_errors(r.text))
    found = re.fullmatch(r"/review/cases/(\d+)\?done=create_case", r.headers["location"])
    assert found is not None, r.headers["location"]
    return int(found.group(1))


def test_a_case_goes_from_creation_to_publication_through_every_partys_forms(world: World) -> None:
    union, employer, bureau = Visitor(world, "union"), Visitor(world, "employer_body"), Visitor(world, "bureau")
    ent1, ent2 = Visitor(world, "ent1"), Visitor(world, "ent2")
    case_id = open_case_through_the_form(world, union)
    case = api_case(world, case_id)
    assert (case["state"], case["topics"], sorted(case["covered_enterprise_ids"])) == (
        "drafting", ["piece_rates", "pay_method", "rest_leave"], [world.orgs["ent1"], world.orgs["ent2"]],
    )  # fmt: skip

    r = union.submit(union.form(f"/review/cases/{case_id}/representatives", "set_representatives"), representatives())
    assert r.status_code == 303, (r.text[:3000], field_errors(r.text))
    assert [p["name"] for p in api_case(world, case_id)["representatives"]["worker_side"]] == [w["name"] for w in WORKERS]

    union.event(case_id, "propose", {"served_on": "2026-11-02", "demands": "提高计件单价，规范派单规则"})
    employer.event(case_id, "accept", {"received_on": "2026-11-05", "reply": "同意协商"})
    union.event(case_id, "open_talks")
    assert api_case(world, case_id)["state"] == "consulting"

    meeting = union.form(f"/review/cases/{case_id}/meetings/new", "record_meeting")
    r = union.submit(meeting, {
        "held_on": "2026-11-10", "location": "西安市总工会三楼会议室", "chair_side": "worker", "recorder": "陈晓燕",
        "summary": "双方就计件单价交换意见。", "positions[0].worker_position": "每件不低于1.50元",
        "positions[0].employer_position": "每件1.40元",
    })  # fmt: skip
    assert r.status_code == 303, (r.text[:3000], field_errors(r.text))
    meetings = world.client.get(f"/api/v1/cases/{case_id}/meetings", headers=world.h("union")).json()
    assert [(m["chair_side"], [p["topic"] for p in m["positions"]]) for m in meetings] == [("worker", ["piece_rates"])]

    r = union.submit(union.form(f"/review/cases/{case_id}/drafts/new", "add_draft"), DRAFT_TERMS)
    assert r.status_code == 303, (r.text[:3000], field_errors(r.text))
    assert r.headers["location"] == f"/review/cases/{case_id}/drafts/1?done=add_draft"
    draft = world.client.get(f"/api/v1/cases/{case_id}/drafts/1", headers=world.h("union")).json()
    assert draft["terms"] == TERMS
    union.event(case_id, "submit_draft")  # its draft_version is the current draft's, filled in
    assert api_case(world, case_id)["state"] == "under_review"

    for visitor in (ent1, ent2, employer):
        visitor.event(case_id, "approve_draft")
    assert api_case(world, case_id)["state"] == "agreed"
    union.event(case_id, "open_vote")
    union.event(case_id, "record_vote", {"members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, "held_on": "2026-12-01"})
    union.event(case_id, "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
    employer.event(case_id, "sign", {"signed_on": "2026-12-03", "signatory": "张伟", "place": "西安"})
    assert api_case(world, case_id)["state"] == "signed"
    union.event(case_id, "file", {"filed_on": "2026-12-08"})
    bureau.event(case_id, "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    bureau.event(case_id, "approve", {"approved_on": "2026-12-15"})
    union.event(case_id, "publish", {"published_on": "2026-12-18", "channels": "平台App公告\n站点公告栏\n"})
    case = api_case(world, case_id)
    assert case["state"] == "in_force"
    kinds = [d["kind"] for d in world.client.get(f"/api/v1/cases/{case_id}/documents", headers=world.h("union")).json()]
    assert {"proposal", "proposal_reply", "minutes", "draft", "resolution", "contract", "filing_pack", "receipt",
            "publication", "public_contract"} <= set(kinds)  # fmt: skip
    published = world.client.get("/api/v1/public/contracts?q=每件1.50元").json()["items"]
    assert [c["id"] for c in published] == [case_id]


def _flow_at(world: World, state: str) -> Flow:
    flow = new_flow(world)
    steps = {
        "drafting": lambda: None,
        "proposed": lambda: (flow.representatives(), flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})),
        "consulting": flow.to_consulting,
        "under_review": lambda: (flow.to_consulting(), flow.event("union", "submit_draft", {"draft_version": flow.draft()["version"]})),
        "ratifying": lambda: (flow.to_agreed(("employer_body", "ent1", "ent2")), flow.event("union", "open_vote")),
        "in_review": lambda: (
            flow.to_signed(("employer_body", "ent1", "ent2")), flow.event("union", "file", {"filed_on": "2026-12-08"}),
            flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕1号"}),
        ),
    }  # fmt: skip
    steps[state]()
    return flow


@pytest.mark.parametrize("state", ["drafting", "proposed", "consulting", "under_review", "ratifying", "in_review"])
def test_the_case_page_offers_a_form_for_exactly_the_events_the_api_allows_each_party(world: World, state: str) -> None:
    flow = _flow_at(world, state)
    for who in ("union", "employer_body", "ent1", "bureau"):
        case = api_case(world, flow.id, who)
        page = Visitor(world, who).get(f"/review/cases/{flow.id}")
        assert offered_events(page.text) == case["allowed_events"], (who, state)
        for form in forms_of(page.text):
            if form.action == f"/review/cases/{flow.id}/events":
                hidden = form.hidden()
                assert set(hidden) == {"csrf", "event", "expected_version"} and hidden["expected_version"] == str(case["version"])
                data_fields = set(EVENT_DATA[hidden["event"]].model_fields)
                named = {re.split(r"[.\[]", n)[0] for n in form.names()} - set(hidden) - {"_more"}
                assert named == data_fields, (hidden["event"], named, data_fields)
                assert form.unlabelled() == [], (hidden["event"], form.unlabelled())


def test_the_bureau_objects_with_items_and_the_case_goes_back_to_consulting(world: World) -> None:
    flow = _flow_at(world, "in_review")
    bureau = Visitor(world, "bureau")
    form = bureau.form(f"/review/cases/{flow.id}", "object")
    rows = [n for n in form.names() if n.endswith(".clause")]
    assert len(rows) == len(["piece_rates", "pay_method", "rest_leave", "term", "general"])  # one row a clause
    values = {
        "opinion": "经审查，以下条款须修改后重新报送。",
        "items[0].text": "夜间补贴标准偏低，请与企业方重新协商。",
        "items[3].text": "合同期限的起算日请写明。",
        "objected_on": "2026-12-12",
    }
    bureau.event(flow.id, "object", values)
    case = api_case(world, flow.id)
    assert case["state"] == "consulting"
    expected = {
        "opinion": values["opinion"],
        "items": [
            {"clause": "piece_rates", "text": values["items[0].text"]},
            {"clause": "term", "text": values["items[3].text"]},
        ],
        "objected_on": "2026-12-12",
    }
    last = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]
    assert last["event"] == "object" and last["data_sha256"] == audit.sha256_hex(audit.canonical_json(expected))


def test_a_declined_proposal_is_settled_by_the_bureau_through_their_forms(world: World) -> None:
    flow = _flow_at(world, "proposed")
    Visitor(world, "employer_body").event(flow.id, "decline", {"received_on": "2026-11-05", "reason": "协会尚未完成内部授权"})
    assert api_case(world, flow.id)["state"] == "in_dispute"
    Visitor(world, "bureau").event(flow.id, "settle", {"agreement": "经协调，双方同意于11月20日开始协商。"})
    assert api_case(world, flow.id)["state"] == "consulting"


# --- refusals: shown again beside the field, nothing changed --------------------------------------------------


def test_a_stale_form_is_shown_again_with_the_news_and_changes_nothing(world: World, services: Services) -> None:
    flow = _flow_at(world, "proposed")
    employer = Visitor(world, "employer_body")
    form = employer.form(f"/review/cases/{flow.id}", "accept")
    flow.event("union", "withdraw", {"reason": "另行安排"})  # the case moves after the page was opened
    with nothing_changes(services.engine):
        r = employer.submit(form, {"received_on": "2026-11-05"})
    assert r.status_code == 409
    assert "案件已有其他更新（当前状态：已撤回" in r.text and "没有任何更改" in r.text
    assert offered_events(r.text) == []

    flow = _flow_at(world, "consulting")
    union = Visitor(world, "union")
    form = union.form(f"/review/cases/{flow.id}", "suspend")
    flow.draft()  # bumps the version; suspend is still allowed
    with nothing_changes(services.engine):
        r = union.submit(form, {"reason": "等待企业方提供数据", "resume_on": "2026-12-20"})
    assert r.status_code == 409
    again = next(f for f in forms_of(r.text) if f.key == "suspend")
    assert again.hidden()["expected_version"] == str(api_case(world, flow.id)["version"])
    assert "案件已有其他更新" in r.text
    assert 'value="2026-12-20"' in r.text and "等待企业方提供数据" in r.text  # what was typed is kept
    assert union.submit(again).status_code == 303  # sent again after reading the news, it is done


def test_a_bad_field_is_shown_beside_the_field_and_changes_nothing(world: World, services: Services) -> None:
    flow = _flow_at(world, "drafting")
    flow.representatives()
    union = Visitor(world, "union")
    form = union.form(f"/review/cases/{flow.id}", "propose")
    with nothing_changes(services.engine):
        r = union.submit(form, {"served_on": "", "demands": "   "})
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert set(errors) == {"served_on", "demands"}, errors
    assert errors == {"served_on": ["缺少必填字段"], "demands": ["缺少必填字段"]}
    assert 'aria-invalid="true"' in r.text and "未能提交，案件没有任何更改" in r.text
    assert api_case(world, flow.id)["state"] == "drafting"


def test_a_draft_below_the_minimum_wage_is_shown_again_with_the_floor_beside_the_rate(world: World, services: Services) -> None:
    flow = _flow_at(world, "consulting")
    union = Visitor(world, "union")
    form = union.form(f"/review/cases/{flow.id}/drafts/new", "add_draft")
    low = {**DRAFT_TERMS, "terms.piece_rates[0].rate_cny": "1.20", "terms.rest_leave.rest_days_per_month": "2"}
    with nothing_changes(services.engine):
        r = union.submit(form, low)
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert set(errors) == {"terms.piece_rates[0].rate_cny", "terms.rest_leave.rest_days_per_month"}, errors
    assert "低于当地一类小时最低工资" in errors["terms.piece_rates[0].rate_cny"][0]
    assert "（R22：《劳动合同法》第五十五条" in errors["terms.piece_rates[0].rate_cny"][0]
    assert 'value="1.20"' in r.text  # the form keeps what was typed
    assert api_case(world, flow.id)["current_draft_version"] is None


def test_representatives_that_break_r1_are_named_beside_their_side_and_nothing_changes(world: World, services: Services) -> None:
    flow = _flow_at(world, "drafting")
    union = Visitor(world, "union")
    two = {k: v for k, v in representatives().items() if not k.startswith("worker_side[2]")}
    form = union.form(f"/review/cases/{flow.id}/representatives", "set_representatives")
    with nothing_changes(services.engine):
        r = union.submit(form, {**two, "worker_side[2].name": "", "worker_side[2].title": ""})
    assert r.status_code == 422
    errors = field_errors(r.text)
    assert list(errors) == ["worker_side"], errors
    assert "职工方协商代表不得少于 3 人，现为 2 人" in errors["worker_side"][0] and "（R1：" in errors["worker_side"][0]

    form = union.form(f"/review/cases/{flow.id}/representatives", "set_representatives")
    with nothing_changes(services.engine):
        r = union.submit(form, {**representatives(), "worker_side[0].name": ""})
    assert r.status_code == 422
    assert field_errors(r.text) == {"worker_side[0].name": ["缺少必填字段"]}


def test_proposing_without_representatives_names_r1_above_the_form_and_changes_nothing(world: World, services: Services) -> None:
    flow = _flow_at(world, "drafting")
    union = Visitor(world, "union")
    with nothing_changes(services.engine):
        r = union.submit(
            union.form(f"/review/cases/{flow.id}", "propose"), {"served_on": "2026-11-02", "demands": "提高计件单价"}
        )
    assert r.status_code == 422
    messages = re.findall(r'data-testid="form-message">([^<]*)<', r.text)
    assert any("职工方协商代表不得少于 3 人" in m and "R1" in m for m in messages), messages


@pytest.mark.parametrize(
    ("who", "event", "status"),
    [
        ("ent1", "propose", 403),  # not the union's
        ("bureau", "approve", 409),  # the bureau's event, but not in drafting
        ("union", "approve_draft", 403),  # the employer side's
        ("union", "deemed_effective", 403),  # time-driven: fired by the sweeper only
        ("union", "renegotiate", 422),  # no such event
    ],
)
def test_a_forged_form_for_an_event_not_allowed_is_refused_and_changes_nothing(
    world: World, services: Services, who: str, event: str, status: int
) -> None:
    flow = _flow_at(world, "drafting")
    flow.representatives()
    visitor = Visitor(world, who)
    page = visitor.get(f"/review/cases/{flow.id}")
    assert event not in offered_events(page.text)
    csrf = forms_of(page.text)[0].hidden()["csrf"]
    forged = [("csrf", csrf), ("event", event), ("expected_version", str(flow.refresh()["version"])),
              ("served_on", "2026-11-02"), ("demands", "伪造")]  # fmt: skip
    with nothing_changes(services.engine):
        r = visitor.post(f"/review/cases/{flow.id}/events", forged)
    assert r.status_code == status, r.text[:2000]
    assert r.headers["content-type"].startswith("text/html") and "本次提交未做任何更改" in r.text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(world: World, services: Services) -> None:
    flow = _flow_at(world, "drafting")
    flow.representatives()
    union = Visitor(world, "union")
    form = union.form(f"/review/cases/{flow.id}", "propose")
    for csrf in ("", "forged", "签名"):
        with nothing_changes(services.engine):
            r = union.submit(form, {"csrf": csrf, "served_on": "2026-11-02", "demands": "提高计件单价"})
        assert r.status_code == 403, r.text[:1000]
    other = Visitor(world, "union")  # another session's token is not this one's
    with nothing_changes(services.engine):
        r = union.submit(form, {"csrf": other.form(f"/review/cases/{flow.id}", "propose").hidden()["csrf"]})
    assert r.status_code == 403


def test_another_row_is_added_without_changing_anything(world: World, services: Services) -> None:
    flow = _flow_at(world, "drafting")
    union = Visitor(world, "union")
    form = union.form(f"/review/cases/{flow.id}/representatives", "set_representatives")
    rows = len([n for n in form.names() if n.startswith("worker_side[") and n.endswith(".name")])
    with nothing_changes(services.engine):
        r = union.submit(form, {"worker_side[0].name": "李建国", "worker_side[0].title": "工会主席"}, ("_more", "worker_side"))
    assert r.status_code == 200
    again = next(f for f in forms_of(r.text) if f.key == "set_representatives")
    assert len([n for n in again.names() if n.startswith("worker_side[") and n.endswith(".name")]) == rows + 1
    assert 'value="李建国"' in r.text


def test_the_other_forms_are_offered_to_whom_the_service_layer_allows_and_every_input_has_a_label(world: World) -> None:
    flow = _flow_at(world, "consulting")
    union = Visitor(world, "union")
    page = union.get(f"/review/cases/{flow.id}").text
    assert 'data-testid="link-add_draft"' in page and 'data-testid="link-record_meeting"' in page
    assert 'data-testid="link-set_representatives"' not in page
    for path, key in (("/review/cases/new", "create_case"), (f"/review/cases/{flow.id}/drafts/new", "add_draft"),
                      (f"/review/cases/{flow.id}/meetings/new", "record_meeting")):  # fmt: skip
        form = union.form(path, key)
        assert form.unlabelled() == [], (key, form.unlabelled())
    fresh = _flow_at(world, "drafting")
    assert union.form(f"/review/cases/{fresh.id}/representatives", "set_representatives").unlabelled() == []
    assert "尚未确定" in union.get(f"/review/cases/{fresh.id}").text

    refused = [
        ("union", f"/review/cases/{flow.id}/representatives", 409),  # consulting: the representatives are set
        ("union", f"/review/cases/{fresh.id}/drafts/new", 409),  # drafting: no drafts yet
        ("ent1", f"/review/cases/{flow.id}/drafts/new", 403),
        ("bureau", f"/review/cases/{flow.id}/meetings/new", 403),
        ("employer_body", "/review/cases/new", 403),
        ("bureau", "/review/cases/new", 403),
        ("outsider", f"/review/cases/{flow.id}/drafts/new", 404),
        ("other_union", f"/review/cases/{flow.id}/representatives", 404),
    ]
    for who, path, status in refused:
        r = Visitor(world, who).get(path, status)
        assert "<form" not in r.text.split("<main", 1)[1].split("</main>")[0], (who, path)


def test_a_union_may_not_open_a_case_in_another_unions_name(world: World, services: Services) -> None:
    union = Visitor(world, "union")
    form = union.form("/review/cases/new", "create_case")
    body = {"title": "冒名案件", "sector": "express_delivery", "employer_org_id": world.orgs["employer_body"],
            "bureau_org_id": world.orgs["bureau"], "topics": ["piece_rates"]}  # fmt: skip
    pairs = [(k, str(world.orgs["other_union"]) if k == "union_org_id" else v) for k, v in form.fill(body).pairs()]
    with nothing_changes(services.engine):
        r = union.post("/review/cases", pairs)
    assert r.status_code == 403 and "只能以本人所在工会的名义发起案件" in r.text
    with nothing_changes(services.engine):
        r = union.submit(union.form("/review/cases/new", "create_case"), {**body, "region_code": "61010", "topics": []})
    assert r.status_code == 422
    assert set(field_errors(r.text)) == {"region_code", "topics"}


def test_a_contract_in_force_takes_an_algorithm_talks_meeting_through_the_form(world: World) -> None:
    flow = new_flow(world)
    flow.to_in_force(("employer_body", "ent1", "ent2"))
    union = Visitor(world, "union")
    assert 'data-testid="link-record_meeting"' in union.get(f"/review/cases/{flow.id}").text
    form = union.form(f"/review/cases/{flow.id}/meetings/new", "record_meeting")
    purposes = next(c for c in form.controls if c.name == "purpose").options
    assert [v for v, _ in purposes] == ["algorithm_talks", "performance_review"]  # what in_force takes, no blank
    r = union.submit(form, {"held_on": "2027-03-01", "location": "西安市总工会", "chair_side": "worker", "recorder": "陈晓燕",
                            "summary": "平台派单算法年度协商。"})  # fmt: skip
    assert r.status_code == 303, (r.text[:3000], field_errors(r.text))
    meetings = world.client.get(f"/api/v1/cases/{flow.id}/meetings", headers=world.h("union")).json()
    assert [m["purpose"] for m in meetings] == ["algorithm_talks"]
    talks = [d for d in api_case(world, flow.id)["deadlines"] if d["kind"] == "algorithm_talks"]
    assert talks[0]["status"] == "met"
