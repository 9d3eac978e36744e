"""A case run to in_force has every document, each downloadable, valid PDF/A-3 and verified by its hash."""

from __future__ import annotations

import io
import json
from pathlib import Path

from pypdf import PdfReader

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import Flow

APPROVERS = ("employer_body", "ent1", "ent2")


def _run_to_in_force(world: World, stop_at_review: bool = False) -> Flow:
    headers = {k: world.h(k) for k in world.tokens}
    flow = Flow(world.client, headers, world.case_body())
    flow.to_consulting()
    r = world.client.post(
        f"/api/v1/cases/{flow.id}/meetings",
        json={"held_on": "2026-11-12", "location": "西安市总工会会议室", "chair_side": "worker", "recorder": "周静",
              "summary": "交换意见", "positions": [{"topic": "piece_rates", "worker_position": "1.65元", "employer_position": "1.50元"}]},
        headers=world.h("union"),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    draft = flow.draft()
    flow.event("union", "submit_draft", {"draft_version": draft["version"]})
    for who in APPROVERS:
        flow.event(who, "approve_draft")
    flow.event("union", "open_vote")
    flow.event(
        "union",
        "record_vote",
        {
            "draft_version": draft["version"],
            "members": 30,
            "present": 25,
            "yes": 20,
            "no": 3,
            "abstain": 2,
            "held_on": "2026-12-01",
        },
    )
    flow.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
    flow.event("employer_body", "sign", {"signed_on": "2026-12-03", "signatory": "张伟"})
    flow.event("union", "file", {"filed_on": "2026-12-08"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
    if stop_at_review:
        return flow
    flow.event("bureau", "approve", {"approved_on": "2026-12-15"})
    flow.event("union", "publish", {"published_on": "2026-12-18", "channels": ["平台App公告", "站点公告栏"]})
    assert flow.case["state"] == "in_force"
    return flow


def test_in_force_case_has_every_document_downloadable_and_verified(world: World) -> None:
    flow = _run_to_in_force(world)
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("ent1")).json()
    kinds = [d["kind"] for d in listing]
    assert kinds == [
        "proposal",
        "proposal_reply",
        "minutes",
        "draft",
        "resolution",
        "contract",
        "filing_pack",
        "receipt",
        "publication",
        "public_contract",
    ]
    for doc in listing:
        r = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union"))
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["etag"] == f'"{doc["sha256"]}"'
        reader = PdfReader(io.BytesIO(r.content))
        assert len(reader.pages) >= 1
        metadata = reader.xmp_metadata
        assert metadata is not None
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert "pdfaid:part" in xmp and "3" in xmp
        attachments = reader.attachments
        if doc["kind"] == "public_contract":  # read by anyone: no audit chain, which names people (test_portal.py)
            assert not attachments
            continue
        assert "audit.json" in attachments
        if doc["kind"] not in ("proposal", "proposal_reply", "minutes"):
            terms = json.loads(attachments["terms.json"][0])
            assert terms["terms"]["piece_rates"][0]["rate_cny"] == "1.50"
    contract = next(d for d in listing if d["kind"] == "contract")
    text = "".join(
        p.extract_text()
        for p in PdfReader(
            io.BytesIO(world.client.get(f"/api/v1/documents/{contract['id']}/content", headers=world.h("union")).content)
        ).pages
    )
    assert "西安市快递行业工会联合会" in text and "壹元伍角" in text

    def pdf_text(kind: str) -> str:
        doc = next(d for d in listing if d["kind"] == kind)
        content = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union")).content
        return "".join(p.extract_text().replace("\n", "") for p in PdfReader(io.BytesIO(content)).pages)

    # The publication record and the receipt print the archived contract document's own sha256, named as such.
    assert f"已签订合同文书SHA-256：{contract['sha256']}" in pdf_text("publication")
    receipt = pdf_text("receipt")
    assert f"SHA-256：{contract['sha256']}" in receipt and "西人社集备〔2026〕88号" in receipt
    assert "收到日期 2026年12月9日" in receipt and "《集体合同规定》第四十五条" in receipt
    reply = pdf_text("proposal_reply")
    assert "同意协商" in reply and "《集体合同规定》第三十二条" in reply


def test_draft_pdf_endpoint_returns_the_same_bytes_as_the_stored_draft_document(world: World) -> None:
    flow = _run_to_in_force(world)
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    stored = next(d for d in listing if d["kind"] == "draft")
    r = world.client.get(f"/api/v1/cases/{flow.id}/drafts/{stored['draft_version']}/pdf", headers=world.h("ent2"))
    assert r.status_code == 200 and r.headers["etag"] == f'"{stored["sha256"]}"'


def test_uncovered_enterprise_cannot_download_a_document(world: World) -> None:
    flow = _run_to_in_force(world)
    doc = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()[0]
    r = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("outsider"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_corrupted_archive_file_is_an_integrity_error_and_an_audit_alert_never_the_bytes(
    world: World, services: Services
) -> None:
    flow = _run_to_in_force(world)
    doc = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()[-1]
    path = next(Path(services.settings.archive_dir).rglob(doc["sha256"]))
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    r = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union"))
    assert r.status_code == 500 and r.json()["error"]["code"] == "archive_integrity_error"
    assert r.headers["content-type"].startswith("application/json")
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert audit[-1]["event"] == "archive_integrity_alert"
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


def test_an_objection_makes_a_review_opinion_with_its_items_and_bad_items_are_refused(world: World) -> None:
    flow = _run_to_in_force(world, stop_at_review=True)
    too_many = [{"clause": "general", "text": "意见"}] * 51
    for bad in (
        [{"clause": "no_such_clause", "text": "意见"}],
        [{"clause": "general", "text": ""}],
        [{"clause": "general", "text": "长" * 2001}],
        too_many,
        [{"clause": "working_hours", "text": "意见"}],  # a topic this case does not negotiate
    ):
        body = flow.event("bureau", "object", {"opinion": "需修改", "items": bad}, expect=422)
        assert body["error"]["message"]
    items = [{"clause": "piece_rates", "text": "计件单价的确定依据应当写明。"}, {"clause": "term", "text": "期限起算日应明确。"}]
    flow.event("bureau", "object", {"opinion": "请双方重新协商。", "items": items, "objected_on": "2026-12-20"})
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    assert [d["kind"] for d in listing][-1] == "review_opinion"
    contract = next(d for d in listing if d["kind"] == "contract")
    doc = listing[-1]
    content = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union")).content
    text = "".join(p.extract_text().replace("\n", "") for p in PdfReader(io.BytesIO(content)).pages)
    assert "西安市快递行业工会联合会、西安市快递行业协会：" in text
    assert "本机关已于2026年12月9日收到" in text and "2026年12月20日" in text
    assert "计件单价的确定依据应当写明。" in text and "期限起算日应明确。" in text and "合同期限" in text
    assert "《集体合同规定》第四十五条" in text and contract["sha256"] in text
