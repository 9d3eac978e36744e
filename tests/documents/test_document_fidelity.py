"""Fidelity: the statements a labour-bureau reviewer reads, in the text of the rendered PDF of each kind."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from negotiation.documents.samples import sample_data
from tests.documents.conftest import RenderedSample, cached_sample

Xian = Callable[[str], RenderedSample]
DATA = sample_data("xian_express")
CASE = DATA["case"]
DRAFT_SHA = DATA["draft"]["sha256"]
CONTRACT_SHA = DATA["signed_contract"]["sha256"]


def test_publication_prints_the_signed_contract_documents_hash_labelled_as_such_and_the_draft_hash_as_the_draft() -> None:
    text = cached_sample("publication").text
    assert f"已签订合同文书SHA-256：{CONTRACT_SHA}" in text
    assert f"已签订合同文书校验值 SHA-256：{CONTRACT_SHA}" in text
    assert f"合同条款文本校验值 SHA-256：{DRAFT_SHA}（经职工代表大会通过并签订的草案第3版条款文本）" in text
    assert f"合同文本SHA-256：{DRAFT_SHA}" not in text  # the draft's hash is never called the contract's


@pytest.mark.parametrize("kind", ["contract", "filing_pack"])
def test_contract_and_filing_pack_label_the_terms_hash_as_the_drafts_terms(kind: str) -> None:
    text = cached_sample(kind).text
    assert f"条款文本（草案第3版）SHA-256：{DRAFT_SHA}" in text
    assert f"合同文本SHA-256：{DRAFT_SHA}" not in text


@pytest.mark.parametrize("kind", ["contract", "filing_pack"])
def test_signature_block_has_a_whole_seal_line_for_union_employer_body_and_every_binding_enterprise(kind: str) -> None:
    text = cached_sample(kind).text
    assert f"甲方（职工方）：{CASE['parties']['union']}（盖章）" in text
    assert f"乙方（企业方）：{CASE['parties']['employer_body']}（盖章）" in text
    for name in CASE["parties"]["covered_enterprises"]:
        assert f"{name}（盖章）" in text
    assert "首席代表（签字）：张建国" in text and "首席代表（签字）：陈志强" in text
    assert "签订地点：西安市　签订日期：2026年12月18日" in text


def test_signature_block_leaves_out_an_enterprise_whose_own_tally_failed() -> None:
    failed = [t["enterprise"] for t in DATA["vote"]["per_enterprise"] if not (t["quorum_met"] and t["majority_met"])]
    text = cached_sample("contract").text
    for name in failed:
        assert f"{name}（盖章）" not in text


def test_seal_mark_never_breaks_across_lines_in_any_signed_document() -> None:
    for kind in ("contract", "filing_pack", "draft", "publication"):
        rendered = cached_sample(kind)
        for page in rendered.reader.pages:
            for line in page.extract_text().splitlines():
                if "盖章" in line or "（盖" in line or "章）" in line:
                    assert "（盖章）" in line, (kind, line)


def test_proposal_reply_accepting_states_who_answers_whom_both_dates_the_citation_and_the_reply() -> None:
    text = cached_sample("proposal_reply").text
    assert f"{CASE['parties']['union']}：" in text
    assert "答复方 西安市快递行业协会（企业方）" in text and "要约方 西安市快递行业工会联合会（职工方）" in text
    assert "要约送达日期 2026年9月1日" in text and "收到要约日期 2026年9月2日" in text
    assert f"《集体合同规定》第三十二条关于收到协商要约后{CASE['rules']['R6']['value']}日内书面答复" in text
    assert "答复意见 同意协商" in text and DATA["answer"]["reply"] in text
    assert "西安市快递行业协会（盖章）" in text and "首席代表（签字）：陈志强" in text


def test_proposal_reply_declining_states_the_reason_and_not_an_agreement() -> None:
    data = sample_data("minimal_wage")
    text = cached_sample("proposal_reply", "minimal_wage").text
    assert "答复意见 不同意协商" in text and data["answer"]["reason"] in text
    assert "同意就要约书所列议题" not in text


def test_receipt_states_bureau_number_dates_review_period_its_articles_and_the_contract_documents_hash() -> None:
    text = cached_sample("receipt").text
    assert "受理编号：西人社集备〔2026〕118号" in text and "受理机关 西安市人力资源和社会保障局" in text
    assert "报送日期 2026年12月22日" in text and "收到日期 2026年12月23日" in text
    assert "审查期限届满日 2027年1月7日" in text
    assert f"自收到文本之日起{CASE['rules']['R15']['value']}日内进行审查" in text
    assert "《集体合同规定》第四十五条" in text and "《集体合同规定》第四十七条" in text
    assert "《集体合同规定》第四十二条" in text
    assert f"SHA-256：{CONTRACT_SHA}" in text
    assert "西安市人力资源和社会保障局（盖章）" in text


def test_review_opinion_names_both_parties_the_receipt_date_the_items_its_articles_the_date_and_the_seal() -> None:
    text = cached_sample("review_opinion").text
    assert f"{CASE['parties']['union']}、{CASE['parties']['employer_body']}：" in text
    assert "本机关已于2026年12月23日收到" in text and f"已签订合同文书SHA-256：{CONTRACT_SHA}" in text
    assert DATA["objection"]["opinion"] in text
    assert "1 工作时间 连续工作时间的上限应明确包括等单时间。" in text and "2 合同总体 请补充" in text
    assert "依照《集体合同规定》第四十五条、第四十六条，经审查" in text
    assert "重新提交职工代表大会审议通过" in text and "重新报送审查" in text
    assert "西安市人力资源和社会保障局（盖章）2027年1月5日" in text


def test_review_opinion_without_items_has_no_items_table() -> None:
    text = cached_sample("review_opinion", "minimal_wage").text
    assert "计件单价的确定依据不充分。" in text and "所涉条款" not in text


def _minutes_text(index: int) -> str:
    from negotiation.documents import render_pdf
    from negotiation.documents.context import MinutesContext
    from negotiation.documents.samples import sample_attachments

    context = MinutesContext.model_validate({"case": CASE, "meeting": DATA["meetings"][index]})
    rendered = render_pdf("minutes", context, sample_attachments("minutes"))
    import io

    import pypdf

    return "".join(p.extract_text().replace("\n", "") for p in pypdf.PdfReader(io.BytesIO(rendered.pdf)).pages)


def test_minutes_state_what_was_said_at_that_meeting_and_two_meetings_read_differently() -> None:
    from negotiation.topics import TOPIC_REGISTRY

    first, second = _minutes_text(0), _minutes_text(1)
    assert first != second
    meeting = DATA["meetings"][1]
    assert "第二次集体协商会议纪要" in second and "2026年10月24日" in second
    assert "会议主持：企业方首席代表陈志强（协商会议由双方首席代表轮流主持" in second
    assert "会议主持：职工方首席代表张建国" in first
    assert "记录人：刘畅" in second
    assert "职工方首席代表（签字）" in second and "企业方首席代表（签字）" in second
    agreed_part = second[second.index("本次会议达成一致的事项") : second.index("本次会议未达成一致的事项")]
    open_part = second[second.index("本次会议未达成一致的事项") : second.index("本纪要经双方首席代表")]
    for p in meeting["positions"]:
        assert p["worker_position"].replace("\n", "") in second and p["employer_position"] in second
        label = next(t.title for t in TOPIC_REGISTRY if t.key == p["topic"])
        assert (f"、{label}：" in agreed_part) == p["agreed"] and (f"、{label}：" in open_part) == (not p["agreed"])
    assert "第1轮：原则同意" in first and "第1轮：原则同意" not in second
    assert "本次会议未就任何议题达成一致。" in first


def test_filing_pack_holds_every_part_with_a_bookmark_each() -> None:
    pack = cached_sample("filing_pack")
    titles = [getattr(o, "title", "") for o in pack.reader.outline if not isinstance(o, list)]
    assert titles == [
        f"关于报送《{CASE['title']}》的函",
        "综合集体合同",
        "集体协商情况说明",
        "双方协商代表名单",
        "授权委托书（职工方）",
        "授权委托书（企业方）",
        "职工代表大会决议",
        "第一次集体协商会议纪要",
        "第二次集体协商会议纪要",
        "第三次集体协商会议纪要",
    ]


def test_filing_pack_letter_is_signed_and_sealed_by_both_sides_and_cites_the_filing_rule() -> None:
    text = cached_sample("filing_pack").text
    letter = text[: text.index("报送日期：2026年12月22日")]
    assert f"{CASE['parties']['union']}（盖章）" in letter and f"{CASE['parties']['employer_body']}（盖章）" in letter
    assert "首席代表（签字）：张建国" in letter and "首席代表（签字）：陈志强" in letter
    assert "由双方共同签署" in letter and "签字之日起10日内报送（《集体合同规定》第四十二条）" in letter
    assert "15日内进行审查" in letter and "以审查意见书告知双方（《集体合同规定》第四十五条、第四十六条）" in letter
    assert "一、综合集体合同文本及其全部附件" in letter and "共3次" in letter


def test_filing_pack_explains_the_talks_delegates_each_side_and_has_the_annexes_and_every_meeting() -> None:
    text = cached_sample("filing_pack").text
    account = text[text.rindex("集体协商情况说明") :]
    assert "职工方由西安市快递行业工会联合会确定协商代表5名，首席代表为张建国" in account
    assert "其中外聘专家马文博，不担任首席代表" in account
    for meeting in DATA["meetings"]:
        y, m, d = (int(x) for x in meeting["held_on"].split("-"))
        assert f"{y}年{m}月{d}日" in account
    assert "第三次会议（2026年11月14日，职工方首席代表主持）：就" in account
    assert "第一次会议（2026年10月10日，职工方首席代表主持）：交换意见，未形成一致意见。" in account
    assert f"应到{DATA['vote']['members']}人，实到{DATA['vote']['present']}人" in account
    assert "西安市快递行业工会联合会委托张建国为本方首席代表" in text
    assert "西安市快递行业协会委托陈志强为本方首席代表" in text
    assert "马文博（陕西法正律师事务所律师）系本方外聘专家" in text
    assert "附件一　计件单价及补贴标准表" in text
    for enterprise in CASE["parties"]["covered_enterprises"]:
        assert enterprise in text


def test_the_place_a_signatory_gives_is_the_place_of_signing_else_the_bureaus_city() -> None:
    assert "签订地点：苏州市姑苏区　签订日期：2027年2月13日" in cached_sample("contract", "minimal_wage").text
    assert "签订地点：西安市　签订日期：2026年12月18日" in cached_sample("contract").text


def test_proposal_states_who_proposes_to_whom_the_topics_the_demands_the_reply_period_and_the_service_date() -> None:
    text = cached_sample("proposal").text
    assert f"{CASE['parties']['employer_body']}：" in text and "西安市快递行业工会联合会代表职工一方，向贵方提出" in text
    assert (
        f"根据《集体合同规定》第三十二条的规定，贵方应当自收到本要约书之日起{CASE['rules']['R6']['value']}日内以书面形式给予回应"
        in text
    )
    for line in DATA["demands"].splitlines():
        assert line in text
    assert "要约方：西安市快递行业工会联合会（盖章）" in text and "送达日期：2026年9月1日" in text


def test_draft_says_it_binds_no_one_before_signing_and_leaves_blank_signature_lines() -> None:
    text = cached_sample("draft").text
    assert "签字前不具有约束力" in text and f"草案第3版　SHA-256：{DRAFT_SHA}" in text
    assert "首席代表（签字）：张建国" not in text and "首席代表（签字）：陈志强" not in text
    for name in CASE["parties"]["covered_enterprises"]:
        assert f"{name}（盖章）" in text


def test_resolution_states_attendance_votes_per_enterprise_its_articles_and_the_draft_it_decided() -> None:
    text = cached_sample("resolution").text
    vote = DATA["vote"]
    assert f"全体职工代表{vote['members']}名，实到{vote['present']}名" in text
    assert f"同意{vote['yes']}票，反对{vote['no']}票，弃权{vote['abstain']}票" in text
    assert text.count("《集体合同规定》第三十六条") >= 2
    for t in vote["per_enterprise"]:
        assert f"{t['enterprise']} {t['members']} {t['present']} {t['yes']} {t['no']} {t['abstain']}" in text
    assert f"草案第3版。草案文本的SHA-256校验值为{DRAFT_SHA}" in text


def test_contract_states_its_copies_and_the_filing_and_review_articles() -> None:
    text = cached_sample("contract").text
    assert "本合同一式五份，甲乙双方各执一份，报送西安市人力资源和社会保障局三份" in text  # art. 42: three to the bureau
    assert "一式三份报送西安市人力资源和社会保障局审查" in text and "由乙方（企业方）" in text
    assert "《集体合同规定》第四十二条" in text and "《集体合同规定》第四十七条" in text


def test_the_filing_pack_opens_with_its_cover_letter_and_has_no_blank_page() -> None:
    reader = cached_sample("filing_pack").reader
    assert "关于报送" in reader.pages[0].extract_text()  # not a blank page before it
    for number, page in enumerate(reader.pages, start=1):
        body = [line for line in page.extract_text().splitlines() if line.strip() and "案号：" not in line]
        assert len(body) > 3, f"page {number} holds only its running header and footer"
