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
