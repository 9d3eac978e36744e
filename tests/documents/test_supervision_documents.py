"""The inspection report and the supervision letters say what was found, about whom, on which clause, by when."""

from __future__ import annotations

import pytest

from negotiation.documents import document_kind, render_html
from negotiation.documents.plain_text import plain_text
from negotiation.documents.samples import sample_facts
from tests.documents.conftest import cached_sample


def test_the_inspection_report_names_the_enterprises_the_inspectors_and_each_finding() -> None:
    text = cached_sample("inspection_report").text
    for words in ("集体合同履约情况检查报告", "2027年6月15日", "李明、王芳", "顺丰速运西安分公司", "韵达快递西安公司",
                  "未履行", "已履行", "合同总体", "《工会劳动法律监督办法》第二十二条", "西安市快递行业工会联合会（盖章）"):  # fmt: skip
        assert words in text, words


def test_a_report_with_every_clause_kept_cites_no_breach() -> None:
    facts = sample_facts("minimal_wage")
    kept = [{**f, "status": "complied"} for f in facts["inspection"]["findings"]]
    context = document_kind("inspection_report").context.model_validate(
        {"case": facts["case"], "inspection": {**facts["inspection"], "findings": kept}}
    )
    text = plain_text(render_html("inspection_report", context))
    assert "检查所涉条款均已履行" in text and "第二十二条" not in text and "未履行" not in text
    assert "苏州某配送服务有限公司" in text


@pytest.mark.parametrize(
    ("sample", "words"),
    [
        ("xian_express", ("工会劳动法律监督意见书", "顺丰速运西安分公司：", "所涉本合同条款：", "请于2027年7月5日前",
                          "自本文书发出之日起15日内", "《工会劳动法律监督办法》第二十条", "抄送：西安市快递行业协会")),
        ("minimal_wage", ("工会劳动法律监督意见书", "苏州某配送服务有限公司：", "请于2027年7月5日前")),
    ],
)  # fmt: skip
def test_the_letter_names_its_addressee_the_clauses_and_the_reply_date(sample: str, words: tuple[str, ...]) -> None:
    text = cached_sample("supervision_letter", sample).text
    for w in words:
        assert w in text, w
