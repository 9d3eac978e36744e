"""User text renders as literal text inside the margins; illegible characters are found before signing."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
import weasyprint

from negotiation.documents import IllegibleTextError, ProposalContext, illegible_characters, render_pdf
from negotiation.documents.html import TEMPLATE_ROOT, render_html
from negotiation.documents.pdf import _renderer
from negotiation.documents.samples import sample_data

LONG_LATIN = "X" * 400
LONG_DIGITS = "9" * 300
HOSTILE_LINES = [
    "<script>alert(1)</script>",
    "</div></body><h1>伪造标题</h1>",
    "{{ case.title }}{% if true %}模板{% endif %}",
    LONG_LATIN,
    LONG_DIGITS,
    "骑手😀表情",
    "右到左\u202e标记abc\u202c之后",
    "罕见字𠮷堃喆",
]


def _hostile_proposal() -> ProposalContext:
    data = sample_data("xian_express")
    return ProposalContext.model_validate(
        {"case": data["case"], "served_on": data["served_on"], "demands": "\n".join(HOSTILE_LINES)}
    )


@pytest.fixture(scope="module")
def hostile() -> dict[str, Any]:
    context = _hostile_proposal()
    rendered = render_pdf("proposal", context, {"audit.json": b"[]"})
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    return {"context": context, "rendered": rendered, "text": text, "flat": "".join(text.split())}


def test_markup_in_user_text_is_escaped_not_interpreted() -> None:
    html = render_html("proposal", _hostile_proposal())
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;/div&gt;&lt;/body&gt;&lt;h1&gt;" in html
    assert "{{ case.title }}" in html  # not evaluated: user text is data, never a template


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_hostile_text_appears_literally_in_the_pdf(hostile: dict[str, Any], line: str) -> None:
    visible = "".join(ch for ch in line if ch not in "\u202e\u202c")
    assert "".join(visible.split()) in hostile["flat"]


def test_hostile_text_draws_no_tofu_and_logs_no_warning(hostile: dict[str, Any]) -> None:
    assert hostile["rendered"].missing_glyphs == ()
    assert hostile["rendered"].warnings == ()


def test_bidi_override_cannot_make_a_clause_display_other_than_it_reads() -> None:
    html = render_html("proposal", _hostile_proposal())
    assert "\u2068右到左标记abc之后\u2069" in html
    assert "\u202e" not in html


def _text_boxes(box: Any) -> Any:
    if isinstance(box, weasyprint.formatting_structure.boxes.TextBox):
        yield box
    for child in getattr(box, "children", []):
        yield from _text_boxes(child)


def test_long_unbroken_strings_stay_inside_the_margins() -> None:
    renderer = _renderer(TEMPLATE_ROOT)
    html = render_html("proposal", _hostile_proposal(), standalone=False)
    document = weasyprint.HTML(string=html, base_url=TEMPLATE_ROOT.as_uri() + "/", url_fetcher=renderer.fetcher).render(
        stylesheets=[renderer.stylesheet], font_config=renderer.font_config
    )
    checked = 0
    for page in document.pages:
        page_box = page._page_box
        left = page_box.margin_left
        right = page_box.margin_width() - page_box.margin_right
        for body in page_box.children:
            for text in _text_boxes(body):
                assert text.position_x >= left - 0.5
                assert text.position_x + text.width <= right + 0.5, text.text[:30]
                checked += 1
    assert checked > 50


def test_characters_outside_the_cut_down_font_render_through_a_fallback() -> None:
    assert illegible_characters("王堃 张喆 𠮷野 😀") == []


def test_illegible_characters_names_each_character_and_where_it_stands() -> None:
    assert illegible_characters("甲\ue000乙\U000f0001") == [("\ue000", 1), ("\U000f0001", 3)]
    assert illegible_characters("换行\n制表\t双向\u202e\u200d") == []


def test_strict_render_refuses_text_no_font_can_draw() -> None:
    data = sample_data("xian_express")
    context = ProposalContext.model_validate(
        {"case": data["case"], "served_on": data["served_on"], "demands": "私用区字符\ue000"}
    )
    with pytest.raises(IllegibleTextError) as caught:
        render_pdf("proposal", context, {}, strict_glyphs=True)
    assert caught.value.characters == ("\ue000",)
    assert render_pdf("proposal", context, {}).missing_glyphs == ("\ue000",)
